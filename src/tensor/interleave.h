// Row interleaving: an in-memory layout of Q4_0, Q5_0, Q8_0, Q4_K, Q6_K, F16 and BF16 matrices
// that decode reads faster.
//
// A matrix of n_rows rows (a multiple of kInterleaveRows) of n_in elements is stored as groups of
// kInterleaveRows consecutive rows. Group g takes exactly as many bytes as rows 8g .. 8g+7 take in
// a file (the same bytes, permuted; Q5_0's fifth bits and Q6_K's levels regrouped bit-wise), and
// holds their blocks block index by block index: BlockQ4_0x8 / BlockQ5_0x8 / BlockQ8_0x8
// (quant_blocks.h), one per 32 elements, BlockQ4_Kx8 / BlockQ6_Kx8, one per 256, or BlockHalf16x8
// (F16, BF16), one per 16. A kernel then reads one contiguous stream per 8 rows: for the quantized
// types the 8 scales in one load and 4 bytes of every row in each 256-bit load, one row per 32-bit
// lane; for F16 and BF16 16 elements of each row in turn. Rows are no longer contiguous: a
// view of such a matrix says so (TensorView::rows_interleaved) and its rows are read with
// deinterleave_row. Files never hold this layout; it is made after loading, in memory.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace omni {

inline constexpr int kInterleaveRows = 8;

// Whether interleave_rows handles rows of n_in elements of `type` (F16 and BF16 rows need whole
// groups of kHalfGroupElements; a quantized row is always whole blocks).
bool interleavable(DType type, int64_t n_in);

// Whether decode reads a matrix with rows of n_in elements of `type` faster interleaved, where
// interleavable: always for the quantized types; for F16 and BF16 only rows shorter than
// kHalfPlainRowBytes, whose 4-row tiles end before the hardware prefetcher catches up with their
// four streams (longer rows stream as fast plain, and prefill runs faster on them plain).
inline constexpr int64_t kHalfPlainRowBytes = 4096;
bool decode_prefers_interleaved(DType type, int64_t n_in);

// Writes the n_rows (a multiple of kInterleaveRows) rows of n_in elements (interleavable) at `src`,
// contiguous rows of `type`, to `dst` (the same size, not overlapping) as groups of interleaved
// rows.
void interleave_rows(DType type, const void* src, void* dst, int64_t n_in, int64_t n_rows);

// Copies row `row` of an interleaved matrix (n_in elements per row) to `out` as a plain row of
// `type` (row_bytes(type, n_in) bytes).
void deinterleave_row(DType type, const void* data, int64_t n_in, int64_t row, void* out);

}  // namespace omni
