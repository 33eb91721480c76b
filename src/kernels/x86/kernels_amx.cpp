// AMX kernels: the avx512vnni table, plus vec_dot_tile16 for interleaved Q4_0 and Q8_0 rows,
// which multiplies 16 tokens by 16 weight rows per block with one AMX-INT8 tile product
// (tdpbssd). Compiled with the AVX-512 flags, -mavx512vnni, -mamx-tile and -mamx-int8; only
// reached when isa_supported(Isa::kAmx), which includes Linux's permission to use the tiles.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/reference_ops.h"
#include "kernels/tile_by_dots.h"
#include "tensor/block_unpack.h"

namespace omni::amx {
namespace {

#include "kernels/x86/avx512_vocabulary.inc"

}  // namespace

#include "kernels/x86/simd_kernels.inc"

namespace {

// One tile product per 32-element block b, for 16 tokens and 16 weight rows:
//   C[t][r] = sum_j A[t][j] * B[j / 4][4 r + j % 4]      (tdpbssd: signed x signed bytes)
// A (tmm1): 16 tokens x 32 bytes, the activation blocks' levels, loaded in place (row t at
//   a + t * as, the stride between tokens);
// B (tmm2): 8 rows x 64 bytes: row k holds elements 4k .. 4k+3 of each of the 16 weight rows,
//   as signed levels; the interleaved layout already keeps 4 elements of each row together, so
//   B is two groups' 32-byte chunks side by side (plus unpacking, for Q4_0);
// C (tmm0): 16 tokens x 16 int32, the exact block sums, zeroed for each block.
// Each token then takes acc[t] = fma(dw * d_t, float(C[t]), acc[t]): the float operations of
// Interleaved8Tile and Q8Interleaved8Tile in the same order, so each result is the table's
// vec_dot bit for bit.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};  // bytes per row of tile i
  uint8_t rows[16] = {};
};
constexpr TileConfig tile_config() {
  TileConfig c;
  c.colsb[0] = 64;  // C: 16 int32 per token
  c.rows[0] = 16;
  c.colsb[1] = 32;  // A: one block's 32 levels per token
  c.rows[1] = 16;
  c.colsb[2] = 64;  // B: 4 bytes of each of 16 rows, per 4 elements of the block
  c.rows[2] = 8;
  return c;
}
constexpr TileConfig kTileConfig = tile_config();

// B for one block of two Q4_0 groups: levels minus 8 (signed), low nibbles of chunk k to row k,
// high nibbles (elements 16 + 4k ..) to row 4 + k.
inline void b_rows(const BlockQ4_0x8& g0, const BlockQ4_0x8& g1, int8_t (*b)[64]) {
  const __m512i low4 = _mm512_set1_epi8(0x0f), eight = _mm512_set1_epi8(8);
  for (int k = 0; k < 4; ++k) {
    const __m512i x = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g0.qs[k]))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g1.qs[k])), 1);
    _mm512_store_si512(b[k], _mm512_sub_epi8(_mm512_and_si512(x, low4), eight));
    _mm512_store_si512(b[4 + k],
                       _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(x, 4), low4), eight));
  }
}
// B for one block of two Q8_0 groups: the levels as they are.
inline void b_rows(const BlockQ8_0x8& g0, const BlockQ8_0x8& g1, int8_t (*b)[64]) {
  for (int k = 0; k < 8; ++k) {
    std::memcpy(b[k], g0.qs[k], 32);
    std::memcpy(b[k] + 32, g1.qs[k], 32);
  }
}

template <typename Group>
void amx_tile16(int64_t n, const void* group0, const void* a, size_t as, const Q8_0BlockInfo* info,
                float* y, size_t ys) {
  const int64_t nb = n / 32;
  const Group* g0 = static_cast<const Group*>(group0);
  const Group* g1 = g0 + nb;
  const uint8_t* act = static_cast<const uint8_t*>(a);
  alignas(64) int8_t b[8][64];
  alignas(64) int32_t c[16][16];
  __m512 acc[kTile16Cols];
  for (__m512& v : acc) v = _mm512_setzero_ps();
  _tile_loadconfig(&kTileConfig);
  for (int64_t blk = 0; blk < nb; ++blk) {
    b_rows(g0[blk], g1[blk], b);
    _tile_loadd(2, b, 64);
    _tile_loadd(1, act + size_t(blk) * sizeof(BlockQ8_0) + offsetof(BlockQ8_0, qs), as);
    _tile_zero(0);
    _tile_dpbssd(0, 1, 2);
    _tile_stored(0, c, 64);
    const __m512 dw = _mm512_cvtph_ps(
        _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g1[blk].d)),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(g0[blk].d))));
    for (int t = 0; t < kTile16Cols; ++t) {
      float da;
      if constexpr (std::is_same_v<Group, BlockQ4_0x8>) {
        da = info[t * nb + blk].d;
      } else {
        da = half_hw(reinterpret_cast<const BlockQ8_0*>(act + size_t(t) * as)[blk].d);
      }
      acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(da)),
                               _mm512_cvtepi32_ps(_mm512_load_si512(c[t])), acc[t]);
    }
  }
  _tile_release();
  for (int t = 0; t < kTile16Cols; ++t) _mm512_storeu_ps(y + size_t(t) * ys, acc[t]);
}

constexpr KernelTable make_amx_table() {
  KernelTable t = make_table(Isa::kAmx);
  t.vec_dot_tile16[uint32_t(DType::Q4_0)] = amx_tile16<BlockQ4_0x8>;
  t.vec_dot_tile16[uint32_t(DType::Q8_0)] = amx_tile16<BlockQ8_0x8>;
  return t;
}

}  // namespace

constinit const KernelTable kTable = make_amx_table();

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::amx
