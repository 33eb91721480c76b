// Byte layouts of GGUF's quantized blocks, identical to the files users download. Scales `d` and
// minimums `m`/`dmin` are IEEE half floats stored as uint16_t (Q8_K's d is a float32). All
// multi-byte fields are little-endian; so is every machine this project builds for.
//
// Legacy types hold 32 elements per block; the "K" types hold super-blocks of 256 elements split
// into sub-blocks of 16 or 32 with their own (quantized) scales.
#pragma once

#include <cstdint>

namespace omni {

inline constexpr int kQK4_0 = 32, kQK4_1 = 32, kQK5_0 = 32, kQK5_1 = 32, kQK8_0 = 32;
inline constexpr int kQK_K = 256;
inline constexpr int kKScaleBytes = 12;  // Q4_K / Q5_K: 8 six-bit scales + 8 six-bit mins

// x[i] = (q[i] - 8) * d;  q[i] = qs[i] & 15 for i < 16, qs[i-16] >> 4 for i >= 16.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK4_0 / 2];
};
// x[i] = q[i] * d + m; nibbles as Q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK4_1 / 2];
};
// x[i] = (q[i] - 16) * d; the fifth bit of element i is bit i of qh (little-endian uint32).
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK5_0 / 2];
};
// x[i] = q[i] * d + m; bits as Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
// x[i] = qs[i] * d.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK8_0];
};

// Block b of eight rows of a Q4_0 or Q5_0 matrix, interleaved column-wise (tensor/interleave.h):
// qs[k][r] is bytes 4k .. 4k+3 of row r's qs, so one 256-bit load holds 4 bytes of each row (one
// row per 32-bit lane): the levels of elements 4k .. 4k+3 (low nibbles) and 16+4k .. 16+4k+3
// (high nibbles). d[r] is row r's scale. Q5_0's fifth bits are regrouped per row so that each
// reaches bit 4 of its level's byte with one shift: bit k of byte j of qh[r] is element 4k + j's,
// bit 4 + k element 16 + 4k + j's (a permutation of the row's 32 bits).
struct BlockQ4_0x8 {
  uint16_t d[8];
  uint8_t qs[4][8][4];
};
struct BlockQ5_0x8 {
  uint16_t d[8];
  uint8_t qh[8][4];
  uint8_t qs[4][8][4];
};
// Block b of eight rows of a Q8_0 matrix, interleaved the same way: qs[k][r] is bytes 4k .. 4k+3
// of row r's qs (the levels of elements 4k .. 4k+3), d[r] row r's scale.
struct BlockQ8_0x8 {
  uint16_t d[8];
  int8_t qs[8][8][4];
};
// Elements 16b .. 16b+15 of eight rows of an F16 or BF16 matrix, interleaved row-wise
// (tensor/interleave.h): v[r] holds row r's 16 halves, contiguous, so the 8 rows stream from one
// place and each row's elements widen to float with one 512-bit or two 256-bit loads.
inline constexpr int kHalfGroupElements = 16;
struct BlockHalf16x8 {
  uint16_t v[8][kHalfGroupElements];
};
// Super-block b of eight rows of a Q4_K or Q6_K matrix, interleaved column-wise
// (tensor/interleave.h): a byte field of row r's block is cut into 4-byte words, and word k of
// the 8 rows is stored together (field[k][r]), so that one 256-bit load holds 4 bytes of each row
// (one row per 32-bit lane). d / dmin hold the 8 rows' scales in order.
struct BlockQ4_Kx8 {
  uint16_t d[8];
  uint16_t dmin[8];
  uint8_t scales[kKScaleBytes / 4][8][4];
  uint8_t qs[kQK_K / 8][8][4];
};
// Q6_K's 6-bit levels (ql and qh of a row, 192 bytes) are regrouped so that each level is one
// mask away: for half h (0, 1) and element l (0..31) of a 32, the levels L_k of elements
// 128h + 32k + l (k = 0..3) fill three bytes, byte p (0..2) = L_p | (bits 2p, 2p+1 of L_3) << 6,
// at word 3 * (8h + l / 4) + p, byte l % 4. Lossless and the same size, but not a permutation of
// the file's bytes.
struct BlockQ6_Kx8 {
  uint16_t d[8];
  int8_t scales[kQK_K / 64][8][4];
  uint8_t q[3 * kQK_K / 16][8][4];
};
// 16 sub-blocks of 16: x = d*(sc&15)*q - dmin*(sc>>4), q two bits.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d;
  uint16_t dmin;
};
// 16 sub-blocks of 16: x = d*(scale-32)*(q - (hmask bit ? 0 : 4)), q two low bits; 6-bit scales
// packed in 12 bytes.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};
// 8 sub-blocks of 32: x = d*sc*q - dmin*m, q four bits, 6-bit sc and m packed in 12 bytes.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kQK_K / 2];
};
// As Q4_K with a fifth bit per element in qh.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
// 16 sub-blocks of 16: x = d*scales[j]*(q - 32), q six bits (low four in ql, high two in qh).
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
// x[i] = qs[i] * d; bsums[j] = sum of qs[16j .. 16j+15]. Used for activations in K-quant dots.
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);
static_assert(sizeof(BlockQ4_Kx8) == 8 * sizeof(BlockQ4_K));
static_assert(sizeof(BlockQ6_Kx8) == 8 * sizeof(BlockQ6_K));

}  // namespace omni
