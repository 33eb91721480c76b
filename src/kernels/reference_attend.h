// The reference attention (AttendFn, kernels.h): scores, a softmax with a double-precision sum,
// then the weighted sum of values, in plain loops. SIMD tables fall back to it for head sizes
// their kernels do not cover.
#pragma once

#include <cstddef>
#include <cstdint>

namespace omni {

void attend_reference(const float* q, int n_q, const float* k, const float* v, size_t kv_stride,
                      int64_t len, int head_dim, float scale, float* out);

}  // namespace omni
