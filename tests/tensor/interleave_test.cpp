// tensor/interleave.h: interleaving permutes a matrix's bytes (nothing is lost), every row comes
// back out unchanged, and the group layout is the one the decode kernels read.
#include "tensor/interleave.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "tensor/block_unpack.h"
#include "tensor/quant_blocks.h"
#include "test_util.h"

namespace omni {
namespace {

std::vector<uint8_t> random_matrix(DType type, int64_t n_in, int64_t n_rows) {
  std::vector<uint8_t> m;
  for (int64_t r = 0; r < n_rows; ++r) {
    const auto row = test::random_row(type, n_in, 500 + uint64_t(r));
    m.insert(m.end(), row.begin(), row.end());
  }
  return m;
}

TEST(Interleave, RowsComeBackUnchanged) {
  for (DType type :
       {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::BF16}) {
    const bool k_quant = type == DType::Q4_K || type == DType::Q6_K;
    const bool half = type == DType::F16 || type == DType::BF16;
    const std::vector<int64_t> widths = k_quant ? std::vector<int64_t>{256, 768}
                                        : half  ? std::vector<int64_t>{16, 48, 896}
                                                : std::vector<int64_t>{32, 96, 896};
    for (int64_t n_in : widths) {
      ASSERT_TRUE(interleavable(type, n_in)) << dtype_name(type) << " n_in=" << n_in;
      const int64_t n_rows = 24;
      const size_t rb = row_bytes(type, n_in);
      const auto plain = random_matrix(type, n_in, n_rows);
      std::vector<uint8_t> packed(plain.size());
      interleave_rows(type, plain.data(), packed.data(), n_in, n_rows);
      // (Rows of one group of halves are already in the interleaved order.)
      if (!(half && n_in == kHalfGroupElements))
        EXPECT_NE(plain, packed) << dtype_name(type) << " n_in=" << n_in;
      // A permutation of the bytes (Q5_0's fifth bits and Q6_K's levels are regrouped bit-wise).
      if (type != DType::Q5_0 && type != DType::Q6_K) {
        auto sorted_plain = plain, sorted_packed = packed;
        std::sort(sorted_plain.begin(), sorted_plain.end());
        std::sort(sorted_packed.begin(), sorted_packed.end());
        EXPECT_EQ(sorted_plain, sorted_packed);
      }
      std::vector<uint8_t> row(rb);
      for (int64_t r = 0; r < n_rows; ++r) {
        deinterleave_row(type, packed.data(), n_in, r, row.data());
        ASSERT_EQ(0, std::memcmp(row.data(), plain.data() + size_t(r) * rb, rb))
            << dtype_name(type) << " n_in=" << n_in << " row=" << r;
      }
    }
  }
  EXPECT_FALSE(interleavable(DType::Q5_K, 256));
  EXPECT_FALSE(interleavable(DType::F32, 64));
  // F16 and BF16 rows are interleaved in whole groups of 16 elements only.
  EXPECT_FALSE(interleavable(DType::F16, 40));
  EXPECT_FALSE(interleavable(DType::BF16, 8));
}

// Decode interleaves every quantized matrix, and F16 / BF16 ones only with short rows.
TEST(Interleave, DecodePrefersInterleavedQuantsAndShortHalfRows) {
  EXPECT_TRUE(decode_prefers_interleaved(DType::Q4_0, 8192));
  EXPECT_TRUE(decode_prefers_interleaved(DType::Q6_K, 256));
  EXPECT_TRUE(decode_prefers_interleaved(DType::F16, 896));
  EXPECT_TRUE(decode_prefers_interleaved(DType::BF16, 1024));
  EXPECT_FALSE(decode_prefers_interleaved(DType::F16, 2048));
  EXPECT_FALSE(decode_prefers_interleaved(DType::BF16, 4864));
  EXPECT_FALSE(decode_prefers_interleaved(DType::F16, 904));  // not whole groups of 16
  EXPECT_FALSE(decode_prefers_interleaved(DType::F32, 896));
}

// Interleaves 16 random rows of 64 elements (2 groups of 2 blocks) and calls
// check(plain block of row r, its group block, r) for every block of every row.
template <typename Block, typename Group, typename Check>
void check_groups(DType type, const Check& check) {
  const int64_t n_in = 64, n_rows = 16;
  const auto plain = random_matrix(type, n_in, n_rows);
  std::vector<uint8_t> packed(plain.size());
  interleave_rows(type, plain.data(), packed.data(), n_in, n_rows);
  const auto* rows = reinterpret_cast<const Block*>(plain.data());
  const auto* groups = reinterpret_cast<const Group*>(packed.data());
  for (int g = 0; g < 2; ++g) {
    for (int b = 0; b < 2; ++b) {
      for (int r = 0; r < 8; ++r) check(rows[(g * 8 + r) * 2 + b], groups[g * 2 + b], r);
    }
  }
}

// Block b of group g holds the rows' scales in order and 4-byte words of the 8 rows' levels side
// by side; Q5_0's fifth bits are regrouped per row as BlockQ5_0x8 says.
TEST(Interleave, GroupLayout) {
  check_groups<BlockQ5_0, BlockQ5_0x8>(
      DType::Q5_0, [](const BlockQ5_0& want, const BlockQ5_0x8& x, int r) {
        EXPECT_EQ(want.d, x.d[r]);
        for (int k = 0; k < 4; ++k) EXPECT_EQ(0, std::memcmp(want.qs + 4 * k, x.qs[k][r], 4));
        for (int e = 0; e < 32; ++e) {  // element e = 16 * half + 4k + j
          const int half = e / 16, k = (e % 16) / 4, j = e % 4;
          const int want_bit = (want.qh[e / 8] >> (e % 8)) & 1;
          EXPECT_EQ(want_bit, (x.qh[r][j] >> (4 * half + k)) & 1) << "r=" << r << " e=" << e;
        }
      });
  check_groups<BlockQ8_0, BlockQ8_0x8>(
      DType::Q8_0, [](const BlockQ8_0& want, const BlockQ8_0x8& x, int r) {
        EXPECT_EQ(want.d, x.d[r]);
        for (int k = 0; k < 8; ++k) EXPECT_EQ(0, std::memcmp(want.qs + 4 * k, x.qs[k][r], 4));
      });
}

// F16 / BF16 group block b holds elements 16b .. 16b+15 of row r at v[r], unchanged.
TEST(Interleave, HalfGroupLayout) {
  for (DType type : {DType::F16, DType::BF16}) {
    const int64_t n_in = 48, n_rows = 16, n_blocks = n_in / kHalfGroupElements;
    const auto plain = random_matrix(type, n_in, n_rows);
    std::vector<uint8_t> packed(plain.size());
    interleave_rows(type, plain.data(), packed.data(), n_in, n_rows);
    const auto* rows = reinterpret_cast<const uint16_t*>(plain.data());
    const auto* groups = reinterpret_cast<const BlockHalf16x8*>(packed.data());
    for (int64_t g = 0; g < n_rows / 8; ++g) {
      for (int64_t b = 0; b < n_blocks; ++b) {
        for (int r = 0; r < 8; ++r) {
          const uint16_t* want = rows + (g * 8 + r) * n_in + b * kHalfGroupElements;
          EXPECT_EQ(0, std::memcmp(want, groups[g * n_blocks + b].v[r], 2 * kHalfGroupElements))
              << dtype_name(type) << " g=" << g << " b=" << b << " r=" << r;
        }
      }
    }
  }
}

// K-quant groups hold 4-byte words of the 8 rows' fields side by side: word k of row r at
// field[k][r]; Q6_K's levels are regrouped three bytes per four levels (BlockQ6_Kx8).
TEST(Interleave, KQuantGroupLayout) {
  const int64_t n_in = 512, n_rows = 8;
  const auto plain4 = random_matrix(DType::Q4_K, n_in, n_rows);
  std::vector<uint8_t> packed4(plain4.size());
  interleave_rows(DType::Q4_K, plain4.data(), packed4.data(), n_in, n_rows);
  const auto plain6 = random_matrix(DType::Q6_K, n_in, n_rows);
  std::vector<uint8_t> packed6(plain6.size());
  interleave_rows(DType::Q6_K, plain6.data(), packed6.data(), n_in, n_rows);
  const auto* rows4 = reinterpret_cast<const BlockQ4_K*>(plain4.data());
  const auto* groups4 = reinterpret_cast<const BlockQ4_Kx8*>(packed4.data());
  const auto* rows6 = reinterpret_cast<const BlockQ6_K*>(plain6.data());
  const auto* groups6 = reinterpret_cast<const BlockQ6_Kx8*>(packed6.data());
  for (int b = 0; b < 2; ++b) {
    for (int r = 0; r < 8; ++r) {
      const BlockQ4_K& w4 = rows4[r * 2 + b];
      const BlockQ4_Kx8& x4 = groups4[b];
      EXPECT_EQ(w4.d, x4.d[r]);
      EXPECT_EQ(w4.dmin, x4.dmin[r]);
      for (int k = 0; k < 3; ++k) EXPECT_EQ(0, std::memcmp(w4.scales + 4 * k, x4.scales[k][r], 4));
      for (int k = 0; k < 32; ++k) EXPECT_EQ(0, std::memcmp(w4.qs + 4 * k, x4.qs[k][r], 4));
      const BlockQ6_K& w6 = rows6[r * 2 + b];
      const BlockQ6_Kx8& x6 = groups6[b];
      EXPECT_EQ(w6.d, x6.d[r]);
      for (int k = 0; k < 4; ++k) EXPECT_EQ(0, std::memcmp(w6.scales + 4 * k, x6.scales[k][r], 4));
      Unpacked256 u;
      unpack_block(w6, &u);
      for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
          int levels[4];
          for (int k = 0; k < 4; ++k) levels[k] = u.q[128 * h + 32 * k + l] + 32;
          int top = 0;  // level 3 from the top two bits of the three bytes
          for (int p = 0; p < 3; ++p) {
            const uint8_t byte = x6.q[3 * (8 * h + l / 4) + p][r][l % 4];
            EXPECT_EQ(levels[p], byte & 0x3f) << "h=" << h << " l=" << l << " p=" << p;
            top |= (byte >> 6) << (2 * p);
          }
          EXPECT_EQ(levels[3], top) << "h=" << h << " l=" << l;
        }
      }
    }
  }
}

}  // namespace
}  // namespace omni
