// Row kernels: dequantize a row to float32, and dot a weight row with an activation row.
//
// Dispatch: select_kernels() picks the best table for this CPU once; a caller fetches the table
// at the start of a coarse operation (a forward pass, a conversion) and calls through its
// function pointers. Every SIMD table is checked against the scalar reference table by tests.
//
// Dot products take the activation row already encoded as vec_dot_type(weight type):
//   F32, F16, BF16 weights      x  F32 activations
//   Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 x  Q8_0 activations  (integer block sums, one float per block)
//   Q2_K .. Q6_K, Q8_K           x  Q8_K activations
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/dtype.h"

namespace omni {

// kAvx512Vnni: AVX-512 with VNNI (vpdpbusd), whose integer tiles add four byte products per lane in
// one instruction. kAmx: that table with AMX-INT8 tiles for prompts (vec_dot_tile16).
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kAvx512Vnni = 3, kAmx = 4 };
const char* isa_name(Isa isa);

// dst[0..n) = values of the row at src; n a multiple of the block size.
using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
// Sum over i < n of w[i] * a[i]; w in the weight type, a in vec_dot_type(weight type).
using VecDotFn = float (*)(int64_t n, const void* w, const void* a);

// The largest tile of dot products one vec_dot_tile call computes: weight rows x activation rows.
constexpr int kTileRows = 4;
constexpr int kTileCols = 3;
// A tile of dot products (the micro-kernel of matrix products): for r < nr, c < nc,
//   y[c * y_stride + r] = vec_dot(n, w + r * w_stride, a + c * a_stride)
// with 1 <= nr <= kTileRows, 1 <= nc <= kTileCols, strides in bytes (y_stride in floats). Each
// element is bit-identical to the same table's vec_dot, whatever nr and nc: how a matrix product
// groups rows and tokens into tiles never changes its result. Each weight block is unpacked once
// per tile and reused for nc activation rows, each activation block reused for nr weight rows.
using VecDotTileFn = void (*)(int64_t n, const void* w, size_t w_stride, int nr, const void* a,
                              size_t a_stride, int nc, float* y, size_t y_stride);

// What the interleaved Q4_0 / Q5_0 tiles need of a Q8_0 activation block besides its levels,
// computed once per product instead of once per row group: the scale as a float (exactly the
// block's f16 d) and the sum of the 32 levels (for the weights' offset of 8 or 16).
struct Q8_0BlockInfo {
  float d;
  int32_t sum;
};

// The most activation rows one vec_dot_tile8 call takes: with one weight row per lane, a token
// costs an interleaved tile only one or two accumulators, so it takes more tokens than a plain
// tile.
constexpr int kTile8Cols = 6;
// The tile of one group of interleaved rows (tensor/interleave.h): for r < kInterleaveRows and
// c < nc (1 <= nc <= kTile8Cols),
//   y[c * y_stride + r] = vec_dot(n, row r of the group, a + c * a_stride)
// bit for bit, so an interleaved matrix multiplies to exactly the floats of the plain one.
// a_info: for Q8_0 activations, each block's Q8_0BlockInfo (q8_0_block_info), row c's at
// a_info + c * (n / 32); the Q4_0 / Q5_0 tiles read them, the other tiles ignore them.
using VecDotTile8Fn = void (*)(int64_t n, const void* group, const void* a, size_t a_stride,
                               const Q8_0BlockInfo* a_info, int nc, float* y, size_t y_stride);

// The info of each of the n / 32 Q8_0 blocks at `a` (n elements).
void q8_0_block_info(const void* a, int64_t n, Q8_0BlockInfo* info);

// Encodes n floats (a multiple of the block size) as the activation type: the same bytes as
// quantize_row (tensor/quantize.h).
using QuantizeActFn = void (*)(const float* x, void* dst, int64_t n);

// The tiles of two consecutive groups of interleaved rows (16 rows, group0 then the group after
// it) and nc activation rows, nc a multiple of kTile16Cols, for prompts: for r < 16 and c < nc,
//   y[c * y_stride + r] = vec_dot(n, row r of the two groups, a + c * a_stride)
// bit for bit, as vec_dot_tile8 gives them; a_info as there. Set only where a table has matrix
// units (AMX), for the types they serve; matmul uses vec_dot_tile8 elsewhere.
constexpr int kTile16Cols = 16;
using VecDotTile16Fn = void (*)(int64_t n, const void* group0, const void* a, size_t a_stride,
                                const Q8_0BlockInfo* a_info, int nc, float* y, size_t y_stride);

// One activation row (decode) against n_groups >= 1 consecutive groups of interleaved rows
// (kInterleaveRows rows each, group_bytes apart, back to back): for r < kInterleaveRows * n_groups,
//   y[r] = vec_dot(n, row r of the groups, a)
// bit for bit, as vec_dot_tile8 gives them; a_info as there. One call walks a thread's share of
// a product, so the weights stream without a return to matmul between groups. Set in the SIMD
// tables for every interleavable type; matmul calls vec_dot_tile8 per group where it is not set.
using VecDotGroupsFn = void (*)(int64_t n, const void* groups, size_t group_bytes, int64_t n_groups,
                                const void* a, const Q8_0BlockInfo* a_info, float* y);

// The query rows of one attend call: n_rows rows of n_q query heads that share one key/value
// head. Row r's heads are q + r * row_stride (n_q rows of head_dim floats, contiguous); they
// attend to the first len[r] >= 1 cached positions, and their outputs go to out + r * row_stride,
// laid out as q.
struct AttendRows {
  const float* q = nullptr;
  float* out = nullptr;
  size_t row_stride = 0;  // floats
  const int64_t* len = nullptr;
  int n_rows = 0;
  int n_q = 0;
};

// The queries an attend call of the SIMD tables takes together: callers that have many rows
// (prefill, the whisper encoder) pass about this many queries per call.
constexpr int kAttendQueries = 32;

// Attention over cached keys and values k, v (len rows of head_dim floats, kv_stride floats apart):
//   out[r][i] = sum_{p < len[r]} softmax_p(scale * q[r][i] . k[p]) v[p]
// The SIMD tables read keys and values once per block of positions for all the call's queries,
// with a running (online) softmax, and keep no score row: memory does not grow with the context.
// Each (row, head) result depends only on its query, its len and the positions below it, bit for
// bit: not on the other rows of the call, so callers may group rows as they like. Positions below
// the call's longest len must hold finite values (a row with a shorter span weights them by 0).
using AttendFn = void (*)(const AttendRows& rows, const float* k, const float* v, size_t kv_stride,
                          int head_dim, float scale);
// The same over keys and values stored as IEEE half (binary16), kv_stride halves apart: each is
// widened to float exactly, so the result is AttendFn's on the widened cache.
using AttendF16Fn = void (*)(const AttendRows& rows, const uint16_t* k, const uint16_t* v,
                             size_t kv_stride, int head_dim, float scale);

// y[i] = silu(gate[i]) * up[i], silu(z) = z / (1 + e^-z), for i < n; y may alias gate or up.
using SiluMulFn = void (*)(const float* gate, const float* up, float* y, int64_t n);

struct KernelTable {
  Isa isa;
  DequantizeRowFn dequantize[kDTypeIdLimit];  // indexed by DType id; nullptr = not supported
  VecDotFn vec_dot[kDTypeIdLimit];
  VecDotTileFn vec_dot_tile[kDTypeIdLimit];      // set wherever vec_dot is
  VecDotTile8Fn vec_dot_tile8[kDTypeIdLimit];    // set for every interleavable type
  VecDotTile16Fn vec_dot_tile16[kDTypeIdLimit];  // set for some of them, or none
  VecDotGroupsFn vec_dot_groups[kDTypeIdLimit];  // set for every interleavable type, or none
  QuantizeActFn quantize_act[kDTypeIdLimit];     // set for the activation types Q8_0 and Q8_K
  AttendFn attend;
  AttendF16Fn attend_f16;
  SiluMulFn silu_mul;
};

// The activation encoding that vec_dot expects for weights of type `weight`.
DType vec_dot_type(DType weight);

// The reference: plain scalar loops, the definition SIMD tables must reproduce.
const KernelTable& reference_kernels();
// nullptr when the build does not contain `isa`.
const KernelTable* kernel_table(Isa isa);
// Whether this CPU (and OS) can run `isa`.
bool isa_supported(Isa isa);
// Every ISA compiled into this build, scalar first.
std::vector<Isa> compiled_isas();
// The best supported table; the environment variable OMNI_ISA (scalar, avx2, avx512,
// avx512vnni, amx) lowers the
// choice, for testing and for comparing paths in benchmarks.
const KernelTable& select_kernels();

}  // namespace omni
