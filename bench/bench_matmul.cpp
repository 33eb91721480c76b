// Matrix-product throughput (Google Benchmark) per weight type and per real layer shape of
// Qwen2.5-0.5B and Llama-3.2-1B, through nn::matmul with the kernel table dispatch selects:
//   Decode/...   one token (matrix-vector): counter GB (shown per second) = weight bytes read
//   DecodeCached/... the same with the matrix in cache: the kernel's compute rate, which decode
//                from memory can only approach
//   Prefill64/... 64 tokens (matrix-matrix): counter GFLOP (per second) = 2 * n_in * n_out * tokens
//   Attend/...   one query row of a GQA group (the heads sharing a key/value head) over `len`
//                cached positions, 1 thread: counter GFLOP (per second) = 4 * heads * len *
//                head_dim (scores and values); keys and values stay in cache between calls
//   AttendRows/... the same for a call of prefill's consecutive rows (kAttendQueries queries,
//                row r over len - rows + 1 + r positions), GFLOP summed over the rows
// and this machine's limits, measured by the same binary:
//   Limits/MemoryRead  GB per second summing a 512 MiB buffer, 4 streams per thread (the ceiling
//                      of decode)
//   Limits/FmaPeak     GFLOP per second of independent 256-bit FMA chains (the float ceiling of
//   prefill)
// Decode weights are copied enough times to span 256 MiB and cycled through, so each call reads
// its matrix from memory, not from the 32 MiB L3. Weights and the bandwidth buffer are mapped
// as the model maps its weights (base/weight_memory.h: huge pages where the system allows).
// Arguments: threads (1, 2).
// Run: build/bin/bench_matmul [--benchmark_filter=Decode] [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/weight_memory.h"
#include "kernels/kernels.h"
#include "nn/matmul.h"
#include "tensor/fp16.h"
#include "tensor/interleave.h"
#include "tensor/quantize.h"
#include "tensor/tensor.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

using omni::DType;

struct Shape {
  const char* name;
  int64_t n_in, n_out;
};

// [n_in, n_out] of the matrices of one layer (and the output head) of each model.
const Shape kShapes[] = {
    {"qwen0.5b_attn_q", 896, 896},    {"qwen0.5b_attn_kv", 896, 128},
    {"qwen0.5b_ffn_up", 896, 4864},   {"qwen0.5b_ffn_down", 4864, 896},
    {"qwen0.5b_output", 896, 151936}, {"llama1b_attn_q", 2048, 2048},
    {"llama1b_attn_kv", 2048, 512},   {"llama1b_ffn_up", 2048, 8192},
    {"llama1b_ffn_down", 8192, 2048}, {"llama1b_output", 2048, 128256},
};
// A weight type, with its rows interleaved (tensor/interleave.h) or plain.
struct Weights {
  DType type;
  bool interleaved;
  std::string name() const {
    return std::string(omni::dtype_name(type)) + (interleaved ? "x8" : "");
  }
};
const Weights kWeights[] = {{DType::Q4_0, true},  {DType::Q4_0, false}, {DType::Q5_0, true},
                            {DType::Q5_0, false}, {DType::Q4_K, true},  {DType::Q4_K, false},
                            {DType::Q6_K, true},  {DType::Q6_K, false}, {DType::Q8_0, true},
                            {DType::Q8_0, false}, {DType::F16, true},   {DType::F16, false},
                            {DType::BF16, true},  {DType::BF16, false}};

std::vector<float> pseudo_random(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(int(s >> 8) - (1 << 23)) / float(1 << 23);
  }
  return v;
}

// `copies` copies of one random [n_in, n_out] matrix of `type`, back to back.
struct Matrices {
  omni::WeightMemory bytes;
  size_t one = 0;  // bytes of one copy
  int copies = 0;
  omni::TensorView view(int i) const {
    const int64_t ne[2] = {n_in, n_out};
    omni::TensorView v = omni::make_contiguous_view(type, 2, ne, bytes.data() + one * size_t(i));
    v.rows_interleaved = interleaved;
    return v;
  }
  DType type;
  bool interleaved;
  int64_t n_in, n_out;
};

// Memory as the model's interleaved weights get it (huge pages where the system allows them).
omni::WeightMemory alloc_weights(size_t bytes) {
  auto m = omni::WeightMemory::allocate(bytes);
  if (!m.ok()) {
    std::fprintf(stderr, "bench_matmul: %s\n", m.status().message().c_str());
    std::exit(1);
  }
  return std::move(*m);
}

Matrices make_matrices(Weights wt, const Shape& s, size_t min_total) {
  const DType type = wt.type;
  Matrices m;
  m.type = type;
  m.interleaved = wt.interleaved;
  m.n_in = s.n_in;
  m.n_out = s.n_out;
  m.one = omni::row_bytes(type, s.n_in) * size_t(s.n_out);
  m.copies = int(std::max<size_t>(1, (min_total + m.one - 1) / m.one));
  m.bytes = alloc_weights(m.one * size_t(m.copies));
  const int64_t rows_per_chunk = std::max<int64_t>(1, (1 << 20) / s.n_in);
  for (int64_t r0 = 0; r0 < s.n_out; r0 += rows_per_chunk) {
    const int64_t rows = std::min(rows_per_chunk, s.n_out - r0);
    const auto x = pseudo_random(size_t(rows * s.n_in), uint32_t(r0 + 1));
    (void)omni::quantize_row(
        type, x.data(), m.bytes.data() + omni::row_bytes(type, s.n_in) * size_t(r0), rows * s.n_in);
  }
  if (m.interleaved) {
    const std::vector<uint8_t> plain(m.bytes.data(), m.bytes.data() + m.one);
    omni::interleave_rows(type, plain.data(), m.bytes.data(), s.n_in, s.n_out);
  }
  for (int i = 1; i < m.copies; ++i)
    std::memcpy(m.bytes.data() + m.one * size_t(i), m.bytes.data(), m.one);
  return m;
}

// from_memory: enough copies of the matrix to defeat the caches; otherwise one copy, read from
// cache after the first call.
void run_matmul(benchmark::State& state, Weights wt, Shape shape, int64_t n_tokens,
                bool from_memory) {
  const int threads = int(state.range(0));
  const omni::KernelTable& k = omni::select_kernels();
  const Matrices m = make_matrices(wt, shape, from_memory ? (size_t(256) << 20) : 0);
  const auto x = pseudo_random(size_t(n_tokens * shape.n_in), 7);
  std::vector<float> y(size_t(n_tokens * shape.n_out));
  omni::ThreadPool pool(threads);
  omni::nn::MatmulScratch scratch;
  int i = 0;
  for (auto _ : state) {
    omni::nn::matmul(k, m.view(i), x.data(), n_tokens, y.data(), pool, scratch);
    benchmark::DoNotOptimize(y.data());
    i = (i + 1) % m.copies;
  }
  const double calls = double(state.iterations());
  state.counters["GB"] =
      benchmark::Counter(double(m.one) * calls / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOP"] = benchmark::Counter(
      2.0 * double(shape.n_in * shape.n_out * n_tokens) * calls / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(wt.name() + " " + omni::isa_name(k.isa));
}

#if defined(__x86_64__)
// Sum of p[0 .. n) (n a multiple of 128) read as 4 concurrent streams (the quarters of the
// range), each with a software prefetch 1 KiB ahead: the access pattern of a 4-row decode tile,
// which keeps more lines in flight than one stream does.
__attribute__((target("avx2"))) float sum_avx2(const float* p, size_t n) {
  const size_t q = n / 4;
  const float* s[4] = {p, p + q, p + 2 * q, p + 3 * q};
  __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                 _mm256_setzero_ps()};
  for (size_t i = 0; i < q; i += 16) {
    for (int k = 0; k < 4; ++k) {
      _mm_prefetch(reinterpret_cast<const char*>(s[k] + i) + 1024, _MM_HINT_T0);
      a[k] = _mm256_add_ps(a[k],
                           _mm256_add_ps(_mm256_loadu_ps(s[k] + i), _mm256_loadu_ps(s[k] + i + 8)));
    }
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])));
  float sum = 0;
  for (float l : lanes) sum += l;
  return sum;
}

// 10 independent chains of 256-bit FMAs, `iters` steps each (160 flops per step).
__attribute__((target("avx2,fma"))) float fma_chains(int iters) {
  __m256 acc[10];
  for (int j = 0; j < 10; ++j) acc[j] = _mm256_set1_ps(float(j));
  const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
  for (int i = 0; i < iters; ++i) {
    for (int j = 0; j < 10; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
  }
  __m256 s = acc[0];
  for (int j = 1; j < 10; ++j) s = _mm256_add_ps(s, acc[j]);
  return _mm256_cvtss_f32(s);
}

// Memory read bandwidth with `threads`: each sums its part of a 512 MiB buffer.
void memory_read(benchmark::State& state) {
  const int threads = int(state.range(0));
  const size_t n = (size_t(512) << 20) / sizeof(float);
  const std::vector<float> values = pseudo_random(n, 3);
  const omni::WeightMemory mem = alloc_weights(n * sizeof(float));
  std::memcpy(mem.data(), values.data(), n * sizeof(float));
  const float* buf = reinterpret_cast<const float*>(mem.data());
  omni::ThreadPool pool(threads);
  std::vector<float> partial(static_cast<size_t>(threads));
  for (auto _ : state) {
    pool.parallel_for(n / 128, [&](size_t b, size_t e, int t) {
      partial[size_t(t)] = sum_avx2(buf + b * 128, (e - b) * 128);
    });
    benchmark::DoNotOptimize(partial.data());
  }
  state.counters["GB"] = benchmark::Counter(
      double(n * sizeof(float)) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// The float multiply-add peak with `threads` (8 lanes x 2 flops per FMA).
void fma_peak(benchmark::State& state) {
  const int threads = int(state.range(0));
  omni::ThreadPool pool(threads);
  constexpr int kIters = 1 << 20;
  std::vector<float> out(static_cast<size_t>(threads));
  for (auto _ : state) {
    pool.parallel_for(size_t(threads), [&](size_t b, size_t, int) { out[b] = fma_chains(kIters); });
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOP"] =
      benchmark::Counter(double(threads) * kIters * 160.0 * double(state.iterations()) / 1e9,
                         benchmark::Counter::kIsRate);
}
#endif

// The attend kernel on Qwen2.5-0.5B's shape (7 query heads per key/value head, head_dim 64),
// Llama-3.2-1B's (4 per head) or Whisper's (1 per head, as in its encoder), with the key/value
// head's positions contiguous, as in KvCache; keys and values as float (Attend) or half
// (AttendF16). One row (decode), or as many consecutive rows as make kAttendQueries queries
// (prefill).
struct AttendShape {
  const char* name;
  int n_q, head_dim;
};
void run_attend(benchmark::State& state, AttendShape s, bool f16, bool prefill) {
  const int64_t len = state.range(0);
  const int n_rows = prefill ? std::max(1, omni::kAttendQueries / s.n_q) : 1;
  const omni::KernelTable& k = omni::select_kernels();
  const size_t kv_stride = size_t(s.head_dim);
  const auto q = pseudo_random(size_t(n_rows * s.n_q * s.head_dim), 11);
  const auto keys = pseudo_random(size_t(len) * kv_stride, 12);
  const auto values = pseudo_random(size_t(len) * kv_stride, 13);
  std::vector<uint16_t> keys16(keys.size()), values16(values.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    keys16[i] = omni::f32_to_fp16(keys[i]);
    values16[i] = omni::f32_to_fp16(values[i]);
  }
  std::vector<float> out(q.size());
  std::vector<int64_t> lens(static_cast<size_t>(n_rows));
  double positions = 0;
  for (int r = 0; r < n_rows; ++r) {
    lens[size_t(r)] = std::max<int64_t>(1, len - n_rows + 1 + r);
    positions += double(lens[size_t(r)]);
  }
  omni::AttendRows rows;
  rows.q = q.data();
  rows.out = out.data();
  rows.row_stride = size_t(s.n_q * s.head_dim);
  rows.len = lens.data();
  rows.n_rows = n_rows;
  rows.n_q = s.n_q;
  const float scale = 1.0f / 8.0f;
  for (auto _ : state) {
    if (f16) {
      k.attend_f16(rows, keys16.data(), values16.data(), kv_stride, s.head_dim, scale);
    } else {
      k.attend(rows, keys.data(), values.data(), kv_stride, s.head_dim, scale);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOP"] =
      benchmark::Counter(4.0 * s.n_q * positions * s.head_dim * double(state.iterations()) / 1e9,
                         benchmark::Counter::kIsRate);
  state.SetLabel(omni::isa_name(k.isa));
}

void register_all() {
  for (const AttendShape s : {AttendShape{"qwen0.5b", 7, 64}, AttendShape{"llama1b", 4, 64},
                              AttendShape{"whisper", 1, 64}}) {
    for (const bool prefill : {false, true}) {
      for (const bool f16 : {false, true}) {
        const std::string name =
            std::string(prefill ? "AttendRows" : "Attend") + (f16 ? "F16/" : "/") + s.name;
        benchmark::RegisterBenchmark(
            name.c_str(),
            [s, f16, prefill](benchmark::State& st) { run_attend(st, s, f16, prefill); })
            ->Arg(64)
            ->Arg(512)
            ->Arg(4096);
      }
    }
  }
#if defined(__x86_64__)
  if (omni::select_kernels().isa != omni::Isa::kScalar) {
    benchmark::RegisterBenchmark("Limits/MemoryRead", memory_read)->Arg(1)->Arg(2)->UseRealTime();
    benchmark::RegisterBenchmark("Limits/FmaPeak", fma_peak)->Arg(1)->Arg(2)->UseRealTime();
  }
#endif
  for (const Weights t : kWeights) {
    for (const Shape& s : kShapes) {
      // K-quant rows are whole 256-blocks (Qwen's 896-wide matrices use other types in files).
      if (s.n_in % omni::info(t.type).block_size != 0) continue;
      const std::string name = t.name() + "/" + s.name;
      benchmark::RegisterBenchmark(("Decode/" + name).c_str(),
                                   [t, s](benchmark::State& st) { run_matmul(st, t, s, 1, true); })
          ->Arg(1)
          ->Arg(2)
          ->UseRealTime();
      // The kernel's own rate: the attention query matrix (0.4 to 4.5 MiB) stays in the caches.
      if (std::strstr(s.name, "attn_q") != nullptr) {
        benchmark::RegisterBenchmark(
            ("DecodeCached/" + name).c_str(),
            [t, s](benchmark::State& st) { run_matmul(st, t, s, 1, false); })
            ->Arg(1)
            ->Arg(2)
            ->UseRealTime();
      }
      // The output heads take long per call at 64 tokens and add nothing the up projection lacks.
      if (s.n_out > 100000) continue;
      benchmark::RegisterBenchmark(
          ("Prefill64/" + name).c_str(),
          [t, s](benchmark::State& st) { run_matmul(st, t, s, 64, false); })
          ->Arg(1)
          ->Arg(2)
          ->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
