// Reference conversions between float32 rows and every storage type. These plain loops define
// the numbers; SIMD kernels in kernels/ must reproduce dequantize_row_ref bit for bit.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "tensor/dtype.h"

namespace omni {

// dst[0..n) = the values stored in `src` (row_bytes(type, n) bytes). n must be a multiple of the
// type's block size and the type must have can_dequantize.
void dequantize_row_ref(DType type, const void* src, float* dst, int64_t n);

// Encodes n floats into row_bytes(type, n) bytes at `dst`. Fails with a message when the type
// cannot be produced by this build or n is not a multiple of its block size.
Status quantize_row(DType type, const float* src, void* dst, int64_t n);

// Per-type encoders (n a multiple of the block size).
void quantize_row_q4_0(const float* x, void* dst, int64_t n);
void quantize_row_q4_1(const float* x, void* dst, int64_t n);
void quantize_row_q5_0(const float* x, void* dst, int64_t n);
void quantize_row_q5_1(const float* x, void* dst, int64_t n);
void quantize_row_q8_0(const float* x, void* dst, int64_t n);
void quantize_row_q4_k(const float* x, void* dst, int64_t n);
void quantize_row_q6_k(const float* x, void* dst, int64_t n);
void quantize_row_q8_k(const float* x, void* dst, int64_t n);

}  // namespace omni
