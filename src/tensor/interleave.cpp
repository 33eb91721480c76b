#include "tensor/interleave.h"

#include <cassert>
#include <cstring>

#include "tensor/quant_blocks.h"

namespace omni {
namespace {

static_assert(sizeof(BlockQ4_0x8) == kInterleaveRows * sizeof(BlockQ4_0));
static_assert(sizeof(BlockQ5_0x8) == kInterleaveRows * sizeof(BlockQ5_0));
static_assert(sizeof(BlockQ8_0x8) == kInterleaveRows * sizeof(BlockQ8_0));
static_assert(sizeof(BlockQ4_Kx8) == kInterleaveRows * sizeof(BlockQ4_K));
static_assert(sizeof(BlockQ6_Kx8) == kInterleaveRows * sizeof(BlockQ6_K));

// kHalfGroupElements elements of an F16 or BF16 row: the "block" its groups are made of.
struct Halves {
  uint16_t v[kHalfGroupElements];
};
static_assert(sizeof(BlockHalf16x8) == kInterleaveRows * sizeof(Halves));

// Moves one block between a row (plain) and its group (interleaved); `r` is the row in the group.
// Byte fields are cut into 4-byte words: word k of row r goes to field[k][r].
template <typename T, size_t N>
void to_words(const T (&row)[N], int r, T (*field)[8][4]) {
  for (size_t k = 0; k < N / 4; ++k) std::memcpy(field[k][r], row + 4 * k, 4);
}
template <typename T, size_t N>
void from_words(const T (*field)[8][4], int r, T (&row)[N]) {
  for (size_t k = 0; k < N / 4; ++k) std::memcpy(row + 4 * k, field[k][r], 4);
}

void to_group(const BlockQ4_0& b, int r, BlockQ4_0x8* g) {
  g->d[r] = b.d;
  to_words(b.qs, r, g->qs);
}
void from_group(const BlockQ4_0x8& g, int r, BlockQ4_0* b) {
  b->d = g.d[r];
  from_words(g.qs, r, b->qs);
}

// Q5_0's fifth bits: element e's is bit e of the little-endian 32-bit qh. In the group, element
// 4k + j's is bit 8j + k and element 16 + 4k + j's bit 8j + 4 + k (BlockQ5_0x8).
constexpr int q5_0x8_bit(int e) {
  const int half = e / 16, k = (e % 16) / 4, j = e % 4;
  return 8 * j + 4 * half + k;
}
// The group's qh bits for each value of each byte of a block's qh: byte i with value v
// contributes kQ5Spread.bits[i][v], and the four bytes' contributions do not overlap.
struct Q5Spread {
  uint32_t bits[4][256];
};
constexpr Q5Spread make_q5_spread() {
  Q5Spread s{};
  for (int i = 0; i < 4; ++i) {
    for (int v = 0; v < 256; ++v) {
      for (int b = 0; b < 8; ++b) {
        if ((v >> b) & 1) s.bits[i][v] |= 1u << q5_0x8_bit(8 * i + b);
      }
    }
  }
  return s;
}
constexpr Q5Spread kQ5Spread = make_q5_spread();

void to_group(const BlockQ5_0& b, int r, BlockQ5_0x8* g) {
  g->d[r] = b.d;
  const uint32_t out = kQ5Spread.bits[0][b.qh[0]] | kQ5Spread.bits[1][b.qh[1]] |
                       kQ5Spread.bits[2][b.qh[2]] | kQ5Spread.bits[3][b.qh[3]];
  std::memcpy(g->qh[r], &out, 4);
  to_words(b.qs, r, g->qs);
}
void from_group(const BlockQ5_0x8& g, int r, BlockQ5_0* b) {
  b->d = g.d[r];
  uint32_t in, out = 0;
  std::memcpy(&in, g.qh[r], 4);
  for (int e = 0; e < 32; ++e) out |= ((in >> q5_0x8_bit(e)) & 1u) << e;
  std::memcpy(b->qh, &out, 4);
  from_words(g.qs, r, b->qs);
}

void to_group(const BlockQ8_0& b, int r, BlockQ8_0x8* g) {
  g->d[r] = b.d;
  to_words(b.qs, r, g->qs);
}
void from_group(const BlockQ8_0x8& g, int r, BlockQ8_0* b) {
  b->d = g.d[r];
  from_words(g.qs, r, b->qs);
}

void to_group(const Halves& b, int r, BlockHalf16x8* g) {
  std::memcpy(g->v[r], b.v, sizeof(b.v));
}
void from_group(const BlockHalf16x8& g, int r, Halves* b) {
  std::memcpy(b->v, g.v[r], sizeof(b->v));
}

void to_group(const BlockQ4_K& b, int r, BlockQ4_Kx8* g) {
  g->d[r] = b.d;
  g->dmin[r] = b.dmin;
  to_words(b.scales, r, g->scales);
  to_words(b.qs, r, g->qs);
}
void from_group(const BlockQ4_Kx8& g, int r, BlockQ4_K* b) {
  b->d = g.d[r];
  b->dmin = g.dmin[r];
  from_words(g.scales, r, b->scales);
  from_words(g.qs, r, b->qs);
}

// Q6_K's 6-bit levels (plus 32) of elements 128h + 32k + l, k = 0..3, come from ql[64h + l]
// (k = 0, 2: low and high nibble), ql[64h + 32 + l] (k = 1, 3) and bits 2k, 2k + 1 of
// qh[32h + l] (unpack_block). The group keeps k = 0..2 whole in three bytes and spreads k = 3's
// six bits over their top two bits. Four consecutive l at a time: one 32-bit word per field,
// byte j for l = 4 lq + j (the masks keep every operation within its byte).
void to_group(const BlockQ6_K& b, int r, BlockQ6_Kx8* g) {
  g->d[r] = b.d;
  to_words(b.scales, r, g->scales);
  auto word = [](const uint8_t* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  };
  constexpr uint32_t kLow4 = 0x0f0f0f0fu, kLow2 = 0x03030303u;
  for (int h = 0; h < 2; ++h) {
    for (int lq = 0; lq < 8; ++lq) {
      const uint32_t ql0 = word(b.ql + 64 * h + 4 * lq), ql1 = word(b.ql + 64 * h + 32 + 4 * lq);
      const uint32_t qh = word(b.qh + 32 * h + 4 * lq);
      const uint32_t lv[4] = {
          (ql0 & kLow4) | (qh & kLow2) << 4,
          (ql1 & kLow4) | ((qh >> 2) & kLow2) << 4,
          ((ql0 >> 4) & kLow4) | ((qh >> 4) & kLow2) << 4,
          ((ql1 >> 4) & kLow4) | ((qh >> 6) & kLow2) << 4,
      };
      for (int p = 0; p < 3; ++p) {
        const uint32_t out = lv[p] | ((lv[3] >> (2 * p)) & kLow2) << 6;
        std::memcpy(g->q[3 * (8 * h + lq) + p][r], &out, 4);
      }
    }
  }
}
void from_group(const BlockQ6_Kx8& g, int r, BlockQ6_K* b) {
  b->d = g.d[r];
  from_words(g.scales, r, b->scales);
  for (int h = 0; h < 2; ++h) {
    uint8_t* ql = b->ql + 64 * h;
    uint8_t* qh = b->qh + 32 * h;
    for (int l = 0; l < 32; ++l) {
      uint8_t by[3], lv[4];
      for (int p = 0; p < 3; ++p) {
        by[p] = g.q[3 * (8 * h + l / 4) + p][r][l % 4];
        lv[p] = by[p] & 0x3f;
      }
      lv[3] = uint8_t((by[0] >> 6) | ((by[1] >> 6) << 2) | ((by[2] >> 6) << 4));
      ql[l] = uint8_t((lv[0] & 0x0f) | ((lv[2] & 0x0f) << 4));
      ql[l + 32] = uint8_t((lv[1] & 0x0f) | ((lv[3] & 0x0f) << 4));
      qh[l] =
          uint8_t((lv[0] >> 4) | ((lv[1] >> 4) << 2) | ((lv[2] >> 4) << 4) | ((lv[3] >> 4) << 6));
    }
  }
}

// Elements per block of each layout.
template <typename Block>
constexpr int64_t kBlockElements = 32;
template <>
constexpr int64_t kBlockElements<BlockQ4_K> = kQK_K;
template <>
constexpr int64_t kBlockElements<BlockQ6_K> = kQK_K;
template <>
constexpr int64_t kBlockElements<Halves> = kHalfGroupElements;

template <typename Block, typename Group>
void interleave(const void* src, void* dst, int64_t n_in, int64_t n_rows) {
  const int64_t n_blocks = n_in / kBlockElements<Block>;
  for (int64_t r0 = 0; r0 < n_rows; r0 += kInterleaveRows) {
    const Block* rows = static_cast<const Block*>(src) + r0 * n_blocks;
    Group* groups = static_cast<Group*>(dst) + (r0 / kInterleaveRows) * n_blocks;
    for (int64_t b = 0; b < n_blocks; ++b) {
      for (int r = 0; r < kInterleaveRows; ++r) to_group(rows[r * n_blocks + b], r, &groups[b]);
    }
  }
}

template <typename Block, typename Group>
void deinterleave(const void* data, int64_t n_in, int64_t row, void* out) {
  const int64_t n_blocks = n_in / kBlockElements<Block>;
  const Group* groups = reinterpret_cast<const Group*>(
      static_cast<const Block*>(data) + (row / kInterleaveRows) * kInterleaveRows * n_blocks);
  Block* dst = static_cast<Block*>(out);
  for (int64_t b = 0; b < n_blocks; ++b) from_group(groups[b], int(row % kInterleaveRows), &dst[b]);
}

}  // namespace

bool interleavable(DType type, int64_t n_in) {
  switch (type) {
    case DType::Q4_0:
    case DType::Q5_0:
    case DType::Q8_0:
    case DType::Q4_K:
    case DType::Q6_K:
      return true;
    case DType::F16:
    case DType::BF16:
      return n_in % kHalfGroupElements == 0;
    default:
      return false;
  }
}

bool decode_prefers_interleaved(DType type, int64_t n_in) {
  if (!interleavable(type, n_in)) return false;
  if (type == DType::F16 || type == DType::BF16) return n_in * 2 < kHalfPlainRowBytes;
  return true;
}

void interleave_rows(DType type, const void* src, void* dst, int64_t n_in, int64_t n_rows) {
  assert(n_rows % kInterleaveRows == 0 && interleavable(type, n_in));
  switch (type) {
    case DType::Q4_0:
      return interleave<BlockQ4_0, BlockQ4_0x8>(src, dst, n_in, n_rows);
    case DType::Q5_0:
      return interleave<BlockQ5_0, BlockQ5_0x8>(src, dst, n_in, n_rows);
    case DType::Q8_0:
      return interleave<BlockQ8_0, BlockQ8_0x8>(src, dst, n_in, n_rows);
    case DType::Q4_K:
      return interleave<BlockQ4_K, BlockQ4_Kx8>(src, dst, n_in, n_rows);
    case DType::Q6_K:
      return interleave<BlockQ6_K, BlockQ6_Kx8>(src, dst, n_in, n_rows);
    case DType::F16:
    case DType::BF16:
      return interleave<Halves, BlockHalf16x8>(src, dst, n_in, n_rows);
    default:
      assert(false && "interleave_rows: type not interleavable");
  }
}

void deinterleave_row(DType type, const void* data, int64_t n_in, int64_t row, void* out) {
  switch (type) {
    case DType::Q4_0:
      return deinterleave<BlockQ4_0, BlockQ4_0x8>(data, n_in, row, out);
    case DType::Q5_0:
      return deinterleave<BlockQ5_0, BlockQ5_0x8>(data, n_in, row, out);
    case DType::Q8_0:
      return deinterleave<BlockQ8_0, BlockQ8_0x8>(data, n_in, row, out);
    case DType::Q4_K:
      return deinterleave<BlockQ4_K, BlockQ4_Kx8>(data, n_in, row, out);
    case DType::Q6_K:
      return deinterleave<BlockQ6_K, BlockQ6_Kx8>(data, n_in, row, out);
    case DType::F16:
    case DType::BF16:
      return deinterleave<Halves, BlockHalf16x8>(data, n_in, row, out);
    default:
      assert(false && "deinterleave_row: type not interleavable");
  }
}

}  // namespace omni
