// Every SIMD table compiled into the build against the scalar reference table, for every type:
// dequantization bit for bit, quantized dot products exactly, float dot products to rounding.
// A table the CPU cannot run is reported as skipped with the reason (never silently passed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/cpu_features.h"
#include "kernels/kernels.h"
#include "tensor/block_unpack.h"
#include "tensor/fp16.h"
#include "tensor/quantize.h"
#include "test_util.h"

namespace omni {
namespace {

// Types whose rows the tests build: the quantizable ones come from quantize_row; Q2_K, Q3_K and
// Q5_K (which this build reads but does not write) from random bytes with sane scales.
std::vector<uint8_t> make_row(DType type, int64_t n, uint64_t seed) {
  if (info(type).can_quantize) return test::random_row(type, n, seed);
  std::vector<uint8_t> out(row_bytes(type, n));
  SynthRng rng(seed);
  for (auto& b : out) b = uint8_t(rng.next());
  const size_t bs = info(type).block_bytes;
  // Scale fields sit at the end (Q2_K: d, dmin; Q3_K: d) or the start (Q5_K: d, dmin).
  for (size_t off = 0; off < out.size(); off += bs) {
    const uint16_t d = f32_to_fp16(0.01f + 0.01f * rng.uniform()),
                   m = f32_to_fp16(0.02f * rng.uniform());
    if (type == DType::Q2_K) {
      std::memcpy(&out[off + offsetof(BlockQ2_K, d)], &d, 2);
      std::memcpy(&out[off + offsetof(BlockQ2_K, dmin)], &m, 2);
    } else if (type == DType::Q3_K) {
      std::memcpy(&out[off + offsetof(BlockQ3_K, d)], &d, 2);
    } else if (type == DType::Q5_K) {
      std::memcpy(&out[off + offsetof(BlockQ5_K, d)], &d, 2);
      std::memcpy(&out[off + offsetof(BlockQ5_K, dmin)], &m, 2);
    }
  }
  return out;
}

const DType kTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                        DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                        DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K};

// Row lengths: several blocks, plus lengths that leave a SIMD tail for the plain types.
std::vector<int64_t> lengths_for(DType t) {
  const int64_t bs = info(t).block_size;
  if (bs == 1) return {1, 7, 16, 33, 256, 1000, 4099};
  return {bs, 3 * bs, 16 * bs};
}

class SimdTable : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!isa_supported(GetParam())) {
      GTEST_SKIP() << isa_name(GetParam()) << " is compiled in but this CPU ("
                   << cpu_features_string(cpu_features()) << ") cannot run it";
    }
  }
  const KernelTable& simd() { return *kernel_table(GetParam()); }
  const KernelTable& ref() { return reference_kernels(); }
};

TEST_P(SimdTable, DequantizeIsBitIdenticalToReference) {
  for (DType t : kTypes) {
    for (int64_t n : lengths_for(t)) {
      const auto row = make_row(t, n, 1000 + uint64_t(n));
      ASSERT_FALSE(row.empty());
      std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
      ASSERT_NE(simd().dequantize[uint32_t(t)], nullptr) << dtype_name(t);
      ref().dequantize[uint32_t(t)](row.data(), a.data(), n);
      simd().dequantize[uint32_t(t)](row.data(), b.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(test::bits(a[size_t(i)]), test::bits(b[size_t(i)]))
            << dtype_name(t) << " n=" << n << " i=" << i << " ref=" << a[size_t(i)]
            << " simd=" << b[size_t(i)];
      }
    }
  }
}

// Activation encoding: the same bytes as quantize_row, on random rows, rows with a zero block,
// and rows whose values sit exactly halfway between levels (ties round to even).
TEST_P(SimdTable, QuantizeActIsByteIdenticalToQuantizeRow) {
  for (DType at : {DType::Q8_0, DType::Q8_K}) {
    ASSERT_NE(simd().quantize_act[uint32_t(at)], nullptr) << dtype_name(at);
    const int64_t n = 4 * info(at).block_size;
    for (int variant = 0; variant < 3; ++variant) {
      std::vector<float> x = test::random_floats(size_t(n), 600 + uint64_t(variant), 3.0f);
      if (variant == 1) std::fill(x.begin(), x.begin() + info(at).block_size, 0.0f);
      if (variant == 2) {
        // amax 127 makes id = 1, so the other values, k + 0.5, are ties.
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = i % 8 == 0 ? 127.0f : float(int(i % 100) - 50) + 0.5f;
      }
      std::vector<uint8_t> want(row_bytes(at, n)), got(row_bytes(at, n), 0xee);
      ASSERT_TRUE(quantize_row(at, x.data(), want.data(), n).ok());
      simd().quantize_act[uint32_t(at)](x.data(), got.data(), n);
      EXPECT_EQ(want, got) << dtype_name(at) << " variant " << variant;
    }
  }
}

// Types whose SIMD dot keeps the reference's per-block float steps (so equals it bit for bit);
// the others are tiled micro-kernels (dot_tiles.inc) that sum in another order.
bool dot_is_exact(DType t) {
  switch (t) {
    case DType::Q4_1:
    case DType::Q5_1:
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q5_K:
    case DType::Q8_K:
      return true;
    default:
      return false;
  }
}

// Sum over i of |w[i] * a[i]|, from the reference dequantization: bounds rounding differences.
double magnitude(DType t, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  const DType at = vec_dot_type(t);
  std::vector<float> wf(static_cast<size_t>(n)), af(static_cast<size_t>(n));
  reference_kernels().dequantize[uint32_t(t)](w.data(), wf.data(), n);
  reference_kernels().dequantize[uint32_t(at)](a.data(), af.data(), n);
  double mag = 0;
  for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(wf[size_t(i)]) * af[size_t(i)]);
  return mag;
}

TEST_P(SimdTable, VecDotMatchesReference) {
  for (DType t : kTypes) {
    const DType at = vec_dot_type(t);
    for (int64_t n : lengths_for(t)) {
      const auto w = make_row(t, n, 2000 + uint64_t(n));
      const auto a = test::random_row(at, n, 3000 + uint64_t(n));
      ASSERT_NE(simd().vec_dot[uint32_t(t)], nullptr) << dtype_name(t);
      const float r = ref().vec_dot[uint32_t(t)](n, w.data(), a.data());
      const float s = simd().vec_dot[uint32_t(t)](n, w.data(), a.data());
      if (dot_is_exact(t)) {
        // Integer block sums and the same float steps: identical.
        EXPECT_EQ(test::bits(r), test::bits(s))
            << dtype_name(t) << " n=" << n << " ref=" << r << " simd=" << s;
      } else {
        // Only the order of float sums differs: bound by the sum of magnitudes. (A wrong element
        // or block would be off by about mag / n, far above this bound.)
        const double bound = (info(t).block_size > 1 ? 4e-6 : 1e-6) * magnitude(t, w, a, n);
        EXPECT_NEAR(r, s, bound + 1e-30) << dtype_name(t) << " n=" << n;
      }
    }
  }
}

// Every shape of tile, on rows with gaps between them (strides larger than a row), equals the
// same table's vec_dot bit for bit, and writes nothing outside the tile.
void check_tiles(const KernelTable& k, DType t, int64_t n) {
  const DType at = vec_dot_type(t);
  const size_t wrow = row_bytes(t, n), arow = row_bytes(at, n);
  const size_t ws = wrow + info(t).block_bytes, as = arow + 2 * info(at).block_bytes;
  std::vector<uint8_t> w(ws * kTileRows), a(as * kTileCols);
  for (int r = 0; r < kTileRows; ++r) {
    const auto row = make_row(t, n, 4000 + uint64_t(r) + uint64_t(n));
    std::copy(row.begin(), row.end(), w.begin() + ptrdiff_t(ws * size_t(r)));
  }
  for (int c = 0; c < kTileCols; ++c) {
    const auto row = test::random_row(at, n, 5000 + uint64_t(c) + uint64_t(n));
    std::copy(row.begin(), row.end(), a.begin() + ptrdiff_t(as * size_t(c)));
  }
  const size_t ys = kTileRows + 3;
  for (int nr = 1; nr <= kTileRows; ++nr) {
    for (int nc = 1; nc <= kTileCols; ++nc) {
      std::vector<float> y(ys * kTileCols, -7.0f);
      k.vec_dot_tile[uint32_t(t)](n, w.data(), ws, nr, a.data(), as, nc, y.data(), ys);
      for (int c = 0; c < kTileCols; ++c) {
        for (int r = 0; r < int(ys); ++r) {
          const float got = y[size_t(c) * ys + size_t(r)];
          if (r >= nr || c >= nc) {
            ASSERT_EQ(got, -7.0f) << dtype_name(t) << " wrote outside the " << nr << "x" << nc
                                  << " tile at r=" << r << " c=" << c;
            continue;
          }
          const float want =
              k.vec_dot[uint32_t(t)](n, w.data() + ws * size_t(r), a.data() + as * size_t(c));
          ASSERT_EQ(test::bits(want), test::bits(got))
              << isa_name(k.isa) << " " << dtype_name(t) << " n=" << n << " tile " << nr << "x"
              << nc << " r=" << r << " c=" << c << " dot=" << want << " tile=" << got;
        }
      }
    }
  }
}

TEST_P(SimdTable, TilesEqualVecDot) {
  for (DType t : kTypes) {
    ASSERT_NE(simd().vec_dot_tile[uint32_t(t)], nullptr) << dtype_name(t);
    for (int64_t n : lengths_for(t)) check_tiles(simd(), t, n);
  }
}

TEST(ReferenceTable, TilesEqualVecDot) {
  for (DType t : kTypes) {
    ASSERT_NE(reference_kernels().vec_dot_tile[uint32_t(t)], nullptr) << dtype_name(t);
    check_tiles(reference_kernels(), t, lengths_for(t).back());
  }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return isa_name(info.param);
}

std::vector<Isa> simd_isas() {
  std::vector<Isa> out;
  for (Isa isa : compiled_isas()) {
    if (isa != Isa::kScalar) out.push_back(isa);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Compiled, SimdTable, ::testing::ValuesIn(simd_isas()), isa_param_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SimdTable);

// The reference dot itself against the definition: the sum of products of dequantized values,
// computed in double. Bounds the error of the per-block float steps.
TEST(ReferenceDot, EqualsSumOfDequantizedProducts) {
  const KernelTable& ref = reference_kernels();
  for (DType t : kTypes) {
    const DType at = vec_dot_type(t);
    const int64_t n = 8 * info(t).block_size * (info(t).block_size == 1 ? 64 : 1);
    const auto w = make_row(t, n, 11);
    const auto a = test::random_row(at, n, 12);
    std::vector<float> wf(static_cast<size_t>(n)), af(static_cast<size_t>(n));
    ref.dequantize[uint32_t(t)](w.data(), wf.data(), n);
    ref.dequantize[uint32_t(at)](a.data(), af.data(), n);
    double exact = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) {
      exact += double(wf[size_t(i)]) * af[size_t(i)];
      mag += std::fabs(double(wf[size_t(i)]) * af[size_t(i)]);
    }
    EXPECT_NEAR(ref.vec_dot[uint32_t(t)](n, w.data(), a.data()), exact, 2e-6 * mag)
        << dtype_name(t);
  }
}

TEST(Dispatch, SelectsASupportedTable) {
  const KernelTable& k = select_kernels();
  EXPECT_TRUE(isa_supported(k.isa));
  EXPECT_EQ(compiled_isas().front(), Isa::kScalar);
}

TEST(Dispatch, EveryTableCoversEveryDequantizableType) {
  for (Isa isa : compiled_isas()) {
    for (uint32_t id = 0; id < kDTypeIdLimit; ++id) {
      const DTypeInfo* ti = dtype_info(id);
      if (!ti || !ti->can_dequantize) continue;
      EXPECT_NE(kernel_table(isa)->dequantize[id], nullptr) << isa_name(isa) << " " << ti->name;
      EXPECT_NE(kernel_table(isa)->vec_dot[id], nullptr) << isa_name(isa) << " " << ti->name;
    }
  }
}

}  // namespace
}  // namespace omni
