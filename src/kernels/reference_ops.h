// Reference versions of the table's non-matmul kernels (kernels.h), in plain loops.
#pragma once

#include <cstddef>
#include <cstdint>

namespace omni {

// Attention (AttendFn): scores, a softmax with a double-precision sum, then the weighted sum of
// values. SIMD tables fall back to it for head sizes their kernels do not cover.
void attend_reference(const float* q, int n_q, const float* k, const float* v, size_t kv_stride,
                      int64_t len, int head_dim, float scale, float* out);
// AttendF16Fn: the keys and values widened to float, then attend_reference.
void attend_f16_reference(const float* q, int n_q, const uint16_t* k, const uint16_t* v,
                          size_t kv_stride, int64_t len, int head_dim, float scale, float* out);

// y[i] = silu(gate[i]) * up[i] with silu(z) = z / (1 + e^-z) (SiluMulFn).
void silu_mul_reference(const float* gate, const float* up, float* y, int64_t n);

}  // namespace omni
