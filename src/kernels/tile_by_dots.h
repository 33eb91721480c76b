// The plain vec_dot_tile: one vec_dot call per element. The reference table uses it for every
// type, and SIMD tables for the types without a tiled micro-kernel; by construction each element
// is the table's vec_dot.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace omni {

template <VecDotFn Dot>
void tile_by_dots(int64_t n, const void* w, size_t w_stride, int nr, const void* a, size_t a_stride,
                  int nc, float* y, size_t y_stride) {
  const uint8_t* wp = static_cast<const uint8_t*>(w);
  const uint8_t* ap = static_cast<const uint8_t*>(a);
  for (int c = 0; c < nc; ++c) {
    for (int r = 0; r < nr; ++r)
      y[size_t(c) * y_stride + size_t(r)] =
          Dot(n, wp + size_t(r) * w_stride, ap + size_t(c) * a_stride);
  }
}

}  // namespace omni
