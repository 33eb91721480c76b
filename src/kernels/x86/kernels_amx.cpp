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

// One block's tile product into tile set 0 (C, A, B = tiles 0, 1, 2) or 3 (tiles 3, 4, 5), its
// sums stored to c; B holds unsigned levels (tdpbsud) or signed ones (tdpbssd). GCC's tile
// intrinsics name their tiles by literal numbers, hence the two sets spelled out.
template <int kSet, bool kUnsignedB>
inline void tile_product(const void* b, const void* a, size_t as, int32_t (*c)[16]) {
  if constexpr (kSet == 0) {
    _tile_loadd(2, b, 64);
    _tile_loadd(1, a, as);
    _tile_zero(0);
    if constexpr (kUnsignedB) {
      _tile_dpbsud(0, 1, 2);
    } else {
      _tile_dpbssd(0, 1, 2);
    }
    _tile_stored(0, c, 64);
  } else {
    _tile_loadd(5, b, 64);
    _tile_loadd(4, a, as);
    _tile_zero(3);
    if constexpr (kUnsignedB) {
      _tile_dpbsud(3, 4, 5);
    } else {
      _tile_dpbssd(3, 4, 5);
    }
    _tile_stored(3, c, 64);
  }
}

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

// A call's prepared weights (B tiles, scales): count Ts in one buffer per thread and type, grown
// as needed and kept for the thread's next calls.
template <typename T>
T* per_thread(int64_t count) {
  thread_local AlignedBuffer<T> buffer;
  if (buffer.size() < size_t(count)) buffer = AlignedBuffer<T>(size_t(count));
  return buffer.data();
}

// Levels: Q4_0x8Levels, Q5_0x8Levels (dot_tiles.inc) or Q8_0x8Levels.
template <typename Levels>
void amx_tile16(int64_t n, const void* group0, const void* a, size_t as, const Q8_0BlockInfo* info,
                int nc, float* y, size_t ys) {
  using Group = typename Levels::Group;
  const int64_t nb = n / 32;
  const Group* g0 = static_cast<const Group*>(group0);
  const Group* g1 = g0 + nb;
  BTile* b = per_thread<BTile>(nb);
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
    const auto a_blk = [&](int64_t blk) { return a_qs + size_t(blk) * sizeof(BlockQ8_0); };
    const auto issue0 = [&](int64_t blk) { tile_product<0, false>(b[blk], a_blk(blk), as, c[0]); };
    const auto issue3 = [&](int64_t blk) { tile_product<3, false>(b[blk], a_blk(blk), as, c[1]); };
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

// ---- Q4_K: one tile product per 32-element group of a super-block (tdpbsud: signed activations
// times unsigned levels 0..15), each group's sums times the rows' 6-bit group scales added in
// 32 bits (vpmulld), the mins term from the activations' bsums (vpdpwssd), and the float sums of
// Q4KInterleaved8Tile per super-block: the same integers and float operations, so each result is
// the table's vec_dot bit for bit.

// The K-quant tiles' loop over a call's tokens, 16 at a time: kParts tile products per
// super-block (one per part of kPartElements elements, B tiles prep[s].b), each part's sums
// times the rows' part scales (prep[s].scale) added in 32 bits; then finish(prep[s], ab, isum,
// acc) adds super-block s of one token (its activation block ab, its 16 exact sums isum) to that
// token's 16 float sums acc. Products are issued one ahead of their scaling, as in amx_tile16.
template <int kParts, int kPartElements, bool kUnsignedB, typename Prepared, typename Finish>
void k_quant_tiles(const Prepared* prep, int64_t ns, const TileConfig& config, const void* a,
                   size_t as, int nc, float* y, size_t ys, Finish finish) {
  alignas(64) int32_t c[2][16][16];
  _tile_loadconfig(&config);
  const int64_t n_products = ns * kParts;  // product q: super-block q / kParts, part q % kParts
  for (int t0 = 0; t0 < nc; t0 += kTile16Cols) {
    const uint8_t* act = static_cast<const uint8_t*>(a) + size_t(t0) * as;
    const auto a_at = [&](int64_t q) {
      return act + size_t(q / kParts) * sizeof(BlockQ8_K) + offsetof(BlockQ8_K, qs) +
             kPartElements * (q % kParts);
    };
    const auto issue0 = [&](int64_t q) {
      tile_product<0, kUnsignedB>(prep[q / kParts].b[q % kParts], a_at(q), as, c[0]);
    };
    const auto issue3 = [&](int64_t q) {
      tile_product<3, kUnsignedB>(prep[q / kParts].b[q % kParts], a_at(q), as, c[1]);
    };
    alignas(64) float acc[kTile16Cols][16] = {};
    issue0(0);
    for (int64_t s = 0; s < ns; ++s) {
      const Prepared& p = prep[s];
      __m512i isum[kTile16Cols];
      for (__m512i& v : isum) v = _mm512_setzero_si512();
      auto add_scaled = [&](const int32_t(*cb)[16], const int32_t* scale) {
        const __m512i sc = _mm512_load_si512(scale);
        for (int t = 0; t < kTile16Cols; ++t)
          isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(_mm512_load_si512(cb[t]), sc));
      };
      for (int j = 0; j < kParts; j += 2) {  // products q (tiles 0..2) and q + 1 (tiles 3..5)
        const int64_t q = s * kParts + j;
        issue3(q + 1);
        add_scaled(c[0], p.scale[j]);
        if (q + 2 < n_products) issue0(q + 2);
        add_scaled(c[1], p.scale[j + 1]);
      }
      for (int t = 0; t < kTile16Cols; ++t)
        finish(p, reinterpret_cast<const BlockQ8_K*>(act + size_t(t) * as)[s], isum[t], acc[t]);
    }
    for (int t = 0; t < kTile16Cols; ++t)
      _mm512_storeu_ps(y + size_t(t0 + t) * ys, _mm512_load_ps(acc[t]));
  }
  _tile_release();
}

// What a call prepares of one super-block of two Q4_K groups (16 rows), lane r = row r.
struct Q4KPrepared {
  BTile b[8];               // group g: elements 4k .. 4k+3 of each row in row k, levels 0..15
  int32_t scale[8][16];     // group g's scale
  int32_t min_pair[4][16];  // mins of groups 2p and 2p + 1 as two 16-bit halves
  float d[16], dmin[16];
};

inline void prepare_q4k(const BlockQ4_Kx8& x, int half, Q4KPrepared& p) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), low6 = _mm256_set1_epi8(0x3f),
                top2 = _mm256_set1_epi8(0x30);
  auto load = [](const void* q) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)); };
  auto store = [&](void* q, __m256i v) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(static_cast<uint8_t*>(q) + 32 * half), v);
  };
  // As Q4KInterleaved8Tile: byte j of a row's lane is scale / min j (lo) or j + 4 (hi).
  const __m256i f0 = load(x.scales[0]), f1 = load(x.scales[1]), f2 = load(x.scales[2]);
  const __m256i sc_lo = _mm256_and_si256(f0, low6), mn_lo = _mm256_and_si256(f1, low6);
  const __m256i sc_hi =
      _mm256_or_si256(_mm256_and_si256(f2, low4), _mm256_and_si256(_mm256_srli_epi16(f0, 2), top2));
  const __m256i mn_hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(f2, 4), low4),
                                        _mm256_and_si256(_mm256_srli_epi16(f1, 2), top2));
  const __m256i byte = _mm256_set1_epi32(0xff);
  for (int g = 0; g < 8; ++g) {
    const __m256i sc = g < 4 ? sc_lo : sc_hi;
    store(p.scale[g],
          _mm256_and_si256(_mm256_srlv_epi32(sc, _mm256_set1_epi32(8 * (g % 4))), byte));
  }
  for (int q = 0; q < 4; ++q) {
    store(p.min_pair[q], lane_i8_to_i16(q < 2 ? mn_lo : mn_hi,
                                        lane_bytes_mask(2 * (q % 2), 2 * (q % 2) + 1, true)));
  }
  _mm256_store_ps(p.d + 8 * half,
                  _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.d))));
  _mm256_store_ps(p.dmin + 8 * half,
                  _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.dmin))));
  for (int j = 0; j < 4; ++j) {  // chunk j: low nibbles = group 2j, high = group 2j + 1
    for (int l = 0; l < 8; ++l) {
      const __m256i raw = load(x.qs[8 * j + l]);
      store(p.b[2 * j][l], _mm256_and_si256(raw, low4));
      store(p.b[2 * j + 1][l], _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4));
    }
  }
}

void amx_tile16_q4k(int64_t n, const void* group0, const void* a, size_t as, const Q8_0BlockInfo*,
                    int nc, float* y, size_t ys) {
  const int64_t ns = n / kQK_K;
  const BlockQ4_Kx8* g0 = static_cast<const BlockQ4_Kx8*>(group0);
  const BlockQ4_Kx8* g1 = g0 + ns;
  Q4KPrepared* prep = per_thread<Q4KPrepared>(ns);
  for (int64_t s = 0; s < ns; ++s) {
    prepare_q4k(g0[s], 0, prep[s]);
    prepare_q4k(g1[s], 1, prep[s]);
  }
  auto finish = [](const Q4KPrepared& p, const BlockQ8_K& ab, __m512i isum, float* acc) {
    const __m128i bs = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ab.bsums));
    const __m128i bs8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ab.bsums + 8));
    alignas(16) int32_t group_sums[4];  // 16-bit pairs: the sums over groups 2q, 2q + 1
    _mm_store_si128(reinterpret_cast<__m128i*>(group_sums), _mm_hadd_epi16(bs, bs8));
    __m512i m = _mm512_setzero_si512();
    for (int q = 0; q < 4; ++q) {
      m = _mm512_dpwssd_epi32(m, _mm512_load_si512(p.min_pair[q]),
                              _mm512_set1_epi32(group_sums[q]));
    }
    const __m512 ad = _mm512_set1_ps(ab.d);
    __m512 v = _mm512_load_ps(acc);
    v = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_load_ps(p.d), ad), _mm512_cvtepi32_ps(isum), v);
    v = _mm512_fnmadd_ps(_mm512_mul_ps(_mm512_load_ps(p.dmin), ad), _mm512_cvtepi32_ps(m), v);
    _mm512_store_ps(acc, v);
  };
  k_quant_tiles<8, 32, true>(prep, ns, kTileConfig, a, as, nc, y, ys, finish);
}

// ---- Q6_K: one tile product per 16-element sub-block (tdpbssd on levels minus 32, so no offset
// term remains), each sub-block's sums times the rows' 8-bit scales added in 32 bits, and
// Q6KInterleaved8Tile's float sum per super-block: the same integers and float operations.

constexpr TileConfig tile_config_k16() {
  TileConfig c;
  for (int i : {0, 3}) {
    c.colsb[i] = 64;  // C: 16 int32 per token
    c.rows[i] = 16;
    c.colsb[i + 1] = 16;  // A: one sub-block's 16 levels per token
    c.rows[i + 1] = 16;
    c.colsb[i + 2] = 64;  // B: 4 bytes of each of 16 rows, per 4 elements of the sub-block
    c.rows[i + 2] = 4;
  }
  return c;
}
constexpr TileConfig kTileConfigK16 = tile_config_k16();

using BTile16 = int8_t[4][64];

// What a call prepares of one super-block of two Q6_K groups (16 rows), lane r = row r.
struct Q6KPrepared {
  BTile16 b[16];          // sub-block j: elements 4k .. 4k+3 of each row in row k, levels - 32
  int32_t scale[16][16];  // sub-block j's scale
  float d[16];
};

inline void prepare_q6k(const BlockQ6_Kx8& x, int half, Q6KPrepared& p) {
  const __m256i low6 = _mm256_set1_epi8(0x3f), bits01 = _mm256_set1_epi8(0x03),
                bits23 = _mm256_set1_epi8(0x0c), bits45 = _mm256_set1_epi8(0x30),
                offset = _mm256_set1_epi8(32);
  auto load = [](const void* q) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)); };
  auto store = [&](void* q, __m256i v) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(static_cast<uint8_t*>(q) + 32 * half), v);
  };
  // Sub-block j's scale: byte j % 4 of the row's lane in field j / 4 (Q6KInterleaved8Tile).
  for (int j = 0; j < 16; ++j) {
    const __m256i f = load(x.scales[j / 4]);
    store(p.scale[j], _mm256_srai_epi32(_mm256_slli_epi32(f, 24 - 8 * (j % 4)), 24));
  }
  _mm256_store_ps(p.d + 8 * half,
                  _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.d))));
  // Elements 128h + 32k + 4m .. +3 (m = 4s + 2lp + i) are level k of words 3(8h + m) .. +2
  // (BlockQ6_Kx8): sub-block 8h + 2k + s, row 2lp + i of its B.
  for (int h = 0; h < 2; ++h) {
    for (int m = 0; m < 8; ++m) {
      const uint8_t(*w)[8][4] = &x.q[3 * (8 * h + m)];
      const __m256i w0 = load(w[0]), w1 = load(w[1]), w2 = load(w[2]);
      const __m256i level[4] = {
          _mm256_and_si256(w0, low6), _mm256_and_si256(w1, low6), _mm256_and_si256(w2, low6),
          _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(w0, 6), bits01),
                                          _mm256_and_si256(_mm256_srli_epi16(w1, 4), bits23)),
                          _mm256_and_si256(_mm256_srli_epi16(w2, 2), bits45))};
      for (int k = 0; k < 4; ++k)
        store(p.b[8 * h + 2 * k + m / 4][m % 4], _mm256_sub_epi8(level[k], offset));
    }
  }
}

void amx_tile16_q6k(int64_t n, const void* group0, const void* a, size_t as, const Q8_0BlockInfo*,
                    int nc, float* y, size_t ys) {
  const int64_t ns = n / kQK_K;
  const BlockQ6_Kx8* g0 = static_cast<const BlockQ6_Kx8*>(group0);
  const BlockQ6_Kx8* g1 = g0 + ns;
  Q6KPrepared* prep = per_thread<Q6KPrepared>(ns);
  for (int64_t s = 0; s < ns; ++s) {
    prepare_q6k(g0[s], 0, prep[s]);
    prepare_q6k(g1[s], 1, prep[s]);
  }
  auto finish = [](const Q6KPrepared& p, const BlockQ8_K& ab, __m512i isum, float* acc) {
    const __m512 v = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_load_ps(p.d), _mm512_set1_ps(ab.d)),
                                     _mm512_cvtepi32_ps(isum), _mm512_load_ps(acc));
    _mm512_store_ps(acc, v);
  };
  k_quant_tiles<16, 16, false>(prep, ns, kTileConfigK16, a, as, nc, y, ys, finish);
}

constexpr KernelTable make_amx_table() {
  KernelTable t = make_table(Isa::kAmx);
  t.vec_dot_tile16[uint32_t(DType::Q4_0)] = amx_tile16<Q4_0x8Levels>;
  t.vec_dot_tile16[uint32_t(DType::Q5_0)] = amx_tile16<Q5_0x8Levels>;
  t.vec_dot_tile16[uint32_t(DType::Q8_0)] = amx_tile16<Q8_0x8Levels>;
  t.vec_dot_tile16[uint32_t(DType::Q4_K)] = amx_tile16_q4k;
  t.vec_dot_tile16[uint32_t(DType::Q6_K)] = amx_tile16_q6k;
  return t;
}

}  // namespace

constinit const KernelTable kTable = make_amx_table();

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::amx
