// Row-kernel throughput per type and per compiled instruction set, single thread:
//   dequantize  GB/s of f32 written
//   vec_dot     GB/s of weight bytes read (the quantity that bounds decode speed), one row per call
//   tile 4x1    the same through vec_dot_tile, 4 rows x 1 token per call (what decode runs)
//   tile 4x3    GB/s of weights through 4 x 3 tiles (what prefill runs; 3 tokens per weight read)
// Each figure is the median of 9 timed runs over a 4 Mi-element matrix (several MiB of weights, so
// it is read from memory, not cache), after a warm-up. Run: build/bin/bench_kernels [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/kernels.h"
#include "tensor/quantize.h"

namespace {

using omni::DType;

double median_seconds(const std::function<void()>& fn, int runs) {
  fn();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::vector<float> pseudo_random(size_t n) {
  std::vector<float> v(n);
  uint32_t s = 12345;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(int(s >> 8) - (1 << 23)) / float(1 << 23);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
  const int64_t row = 4096, rows = quick ? 64 : 1024;
  const int runs = quick ? 3 : 9;
  const DType types[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0,
                         DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                         DType::Q4_K, DType::Q6_K, DType::Q8_K};
  const omni::CpuFeatures& f = omni::cpu_features();
  std::printf("cpu: %s (%s)\n", f.brand.c_str(), omni::cpu_features_string(f).c_str());
  std::printf("matrix: %lld rows x %lld, 1 thread, median of %d runs\n\n", (long long)rows,
              (long long)row, runs);
  std::printf("%-6s %-7s %14s %14s %14s %14s\n", "type", "isa", "dequant GB/s", "dot GB/s",
              "tile4x1 GB/s", "tile4x3 GB/s");
  const std::vector<float> x = pseudo_random(size_t(row * rows));
  for (DType t : types) {
    const DType at = omni::vec_dot_type(t);
    std::vector<uint8_t> w(omni::row_bytes(t, row) * size_t(rows));
    std::vector<uint8_t> a(omni::row_bytes(at, row) * omni::kTileCols);
    if (!omni::quantize_row(t, x.data(), w.data(), row * rows).ok()) return 1;
    if (!omni::quantize_row(at, x.data(), a.data(), row * omni::kTileCols).ok()) return 1;
    std::vector<float> out(size_t(row * rows));
    const size_t wbytes = w.size();
    for (omni::Isa isa : omni::compiled_isas()) {
      if (!omni::isa_supported(isa)) continue;
      const omni::KernelTable& k = *omni::kernel_table(isa);
      const size_t stride = omni::row_bytes(t, row);
      const double tdq = median_seconds(
          [&] {
            for (int64_t r = 0; r < rows; ++r)
              k.dequantize[uint32_t(t)](w.data() + size_t(r) * stride, out.data() + r * row, row);
          },
          runs);
      volatile float sink = 0;
      const double tdot = median_seconds(
          [&] {
            float s = 0;
            for (int64_t r = 0; r < rows; ++r)
              s += k.vec_dot[uint32_t(t)](row, w.data() + size_t(r) * stride, a.data());
            sink = s;
          },
          runs);
      auto tiles = [&](int nc) {
        return median_seconds(
            [&] {
              float y[omni::kTileRows * omni::kTileCols];
              float s = 0;
              for (int64_t r = 0; r < rows; r += omni::kTileRows) {
                k.vec_dot_tile[uint32_t(t)](row, w.data() + size_t(r) * stride, stride,
                                            omni::kTileRows, a.data(), omni::row_bytes(at, row), nc,
                                            y, omni::kTileRows);
                s += y[0];
              }
              sink = s;
            },
            runs);
      };
      const double t41 = tiles(1), t43 = tiles(omni::kTileCols);
      (void)sink;
      std::printf("%-6s %-7s %14.2f %14.2f %14.2f %14.2f\n", omni::dtype_name(t),
                  omni::isa_name(isa), double(out.size() * 4) / tdq / 1e9,
                  double(wbytes) / tdot / 1e9, double(wbytes) / t41 / 1e9,
                  double(wbytes) / t43 / 1e9);
    }
  }
  return 0;
}
