// AMX kernels: the avx512vnni table, plus vec_dot_tile16 for interleaved Q4_0, Q5_0 and Q8_0 rows,
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

#include "base/aligned_buffer.h"
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

// One tile product per 32-element block blk, for 16 tokens and 16 weight rows:
//   C[t][r] = sum_j A[t][j] * B[j / 4][4 r + j % 4]      (tdpbssd: signed x signed bytes)
// A: 16 tokens x 32 bytes, the activation blocks' levels, loaded in place (row t at a + t * as);
// B: 8 rows x 64 bytes: row k holds elements 4k .. 4k+3 of each of the 16 weight rows, as signed
//   levels. The interleaved layout already keeps 4 elements of each row together, so B is the two
//   groups' 32-byte chunks side by side (Q4_0 / Q5_0 unpacked to levels minus 8 / 16); each call
//   builds the B of every block once, before the tokens, and reuses them for each 16 tokens;
// C: 16 tokens x 16 int32, the exact block sums, zeroed for each block.
// Each token then takes acc[t] = fma(dw * d_t, float(C[t]), acc[t]): the float operations of
// Interleaved8Tile and Q8Interleaved8Tile in the same order, so each result is the table's
// vec_dot bit for bit. Consecutive blocks use two sets of tiles (C, A, B = tiles 0, 1, 2 and
// 3, 4, 5), so that one block's product runs while the other's sums are scaled.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};  // bytes per row of tile i
  uint8_t rows[16] = {};
};
constexpr TileConfig tile_config() {
  TileConfig c;
  for (int i : {0, 3}) {
    c.colsb[i] = 64;  // C: 16 int32 per token
    c.rows[i] = 16;
    c.colsb[i + 1] = 32;  // A: one block's 32 levels per token
    c.rows[i + 1] = 16;
    c.colsb[i + 2] = 64;  // B: 4 bytes of each of 16 rows, per 4 elements of the block
    c.rows[i + 2] = 8;
  }
  return c;
}
constexpr TileConfig kTileConfig = tile_config();

using BTile = int8_t[8][64];

// Q8_0's interleaved groups, for amx_tile16 (their levels need no unpacking).
struct Q8_0x8Levels {
  using Group = BlockQ8_0x8;
};

// B for one block of two groups: elements 4k .. 4k+3 of each of the 16 rows in row k, as signed
// levels. Q8_0: the levels as they are. Q4_0, Q5_0: the levels of Levels::levels minus the offset
// (8 or 16); elements 4k .. and 16 + 4k .. of each row come from chunk k (rows k and 4 + k).
template <typename Levels>
inline void b_rows(const typename Levels::Group& g0, const typename Levels::Group& g1, BTile& b) {
  auto store = [](int8_t* p, __m256i v) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), v); };
  auto load = [](const void* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  if constexpr (std::is_same_v<Levels, Q8_0x8Levels>) {
    for (int k = 0; k < 8; ++k) {
      store(b[k], load(g0.qs[k]));
      store(b[k] + 32, load(g1.qs[k]));
    }
  } else {
    const __m256i offset = _mm256_set1_epi8(int8_t(1 << Levels::kOffsetShift));
    for (int k = 0; k < 4; ++k) {
      __m256i lo, hi;
      Levels::levels(g0, k, lo, hi);
      store(b[k], _mm256_sub_epi8(lo, offset));
      store(b[4 + k], _mm256_sub_epi8(hi, offset));
      Levels::levels(g1, k, lo, hi);
      store(b[k] + 32, _mm256_sub_epi8(lo, offset));
      store(b[4 + k] + 32, _mm256_sub_epi8(hi, offset));
    }
  }
}

// The B tiles of a call: one per block, grown as needed, one buffer per thread.
BTile* b_tiles(int64_t nb) {
  thread_local AlignedBuffer<BTile> tiles;
  if (tiles.size() < size_t(nb)) tiles = AlignedBuffer<BTile>(size_t(nb));
  return tiles.data();
}

// Levels: Q4_0x8Levels, Q5_0x8Levels (dot_tiles.inc) or Q8_0x8Levels.
template <typename Levels>
void amx_tile16(int64_t n, const void* group0, const void* a, size_t as, const Q8_0BlockInfo* info,
                int nc, float* y, size_t ys) {
  using Group = typename Levels::Group;
  const int64_t nb = n / 32;
  const Group* g0 = static_cast<const Group*>(group0);
  const Group* g1 = g0 + nb;
  BTile* b = b_tiles(nb);
  for (int64_t blk = 0; blk < nb; ++blk) b_rows<Levels>(g0[blk], g1[blk], b[blk]);
  alignas(64) int32_t c[2][16][16];
  _tile_loadconfig(&kTileConfig);
  for (int t0 = 0; t0 < nc; t0 += kTile16Cols) {
    const uint8_t* act = static_cast<const uint8_t*>(a) + size_t(t0) * as;
    const uint8_t* a_qs = act + offsetof(BlockQ8_0, qs);
    __m512 acc[kTile16Cols];
    for (__m512& v : acc) v = _mm512_setzero_ps();
    auto scale = [&](int64_t blk, const int32_t(*cb)[16]) {
      const __m512 dw = _mm512_cvtph_ps(
          _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g1[blk].d)),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(g0[blk].d))));
      for (int t = 0; t < kTile16Cols; ++t) {
        float da;
        if constexpr (!std::is_same_v<Group, BlockQ8_0x8>) {
          da = info[(t0 + t) * nb + blk].d;
        } else {
          da = half_hw(reinterpret_cast<const BlockQ8_0*>(act + size_t(t) * as)[blk].d);
        }
        acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(da)),
                                 _mm512_cvtepi32_ps(_mm512_load_si512(cb[t])), acc[t]);
      }
    };
    // Block blk's product is issued one block ahead of its scaling, into tile set blk % 2.
    // (GCC's tile intrinsics name their tiles by literal numbers.)
    const auto a_blk = [&](int64_t blk) { return a_qs + size_t(blk) * sizeof(BlockQ8_0); };
    const auto issue0 = [&](int64_t blk) {
      _tile_loadd(2, b[blk], 64);
      _tile_loadd(1, a_blk(blk), as);
      _tile_zero(0);
      _tile_dpbssd(0, 1, 2);
      _tile_stored(0, c[0], 64);
    };
    const auto issue3 = [&](int64_t blk) {
      _tile_loadd(5, b[blk], 64);
      _tile_loadd(4, a_blk(blk), as);
      _tile_zero(3);
      _tile_dpbssd(3, 4, 5);
      _tile_stored(3, c[1], 64);
    };
    issue0(0);
    for (int64_t blk = 0; blk < nb; blk += 2) {
      if (blk + 1 < nb) issue3(blk + 1);
      scale(blk, c[0]);
      if (blk + 1 >= nb) break;
      if (blk + 2 < nb) issue0(blk + 2);
      scale(blk + 1, c[1]);
    }
    for (int t = 0; t < kTile16Cols; ++t) _mm512_storeu_ps(y + size_t(t0 + t) * ys, acc[t]);
  }
  _tile_release();
}

constexpr KernelTable make_amx_table() {
  KernelTable t = make_table(Isa::kAmx);
  t.vec_dot_tile16[uint32_t(DType::Q4_0)] = amx_tile16<Q4_0x8Levels>;
  t.vec_dot_tile16[uint32_t(DType::Q5_0)] = amx_tile16<Q5_0x8Levels>;
  t.vec_dot_tile16[uint32_t(DType::Q8_0)] = amx_tile16<Q8_0x8Levels>;
  return t;
}

}  // namespace

constinit const KernelTable kTable = make_amx_table();

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::amx
