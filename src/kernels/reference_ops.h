// Reference versions of the table's non-matmul kernels (kernels.h), in plain loops.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace omni {

// Attention (AttendFn): for each query, scores, a softmax with a double-precision sum, then the
// weighted sum of values. SIMD tables fall back to it for head sizes their kernels do not cover.
void attend_reference(const AttendRows& rows, const float* k, const float* v, size_t kv_stride,
                      int head_dim, float scale);
// AttendF16Fn: the keys and values widened to float, then attend_reference.
void attend_f16_reference(const AttendRows& rows, const uint16_t* k, const uint16_t* v,
                          size_t kv_stride, int head_dim, float scale);

// y[i] = silu(gate[i]) * up[i] with silu(z) = z / (1 + e^-z) (SiluMulFn).
void silu_mul_reference(const float* gate, const float* up, float* y, int64_t n);

}  // namespace omni
