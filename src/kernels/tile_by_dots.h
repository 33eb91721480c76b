// The plain vec_dot_tile: one vec_dot call per element. The reference table uses it for every
// type, and SIMD tables for the types without a tiled micro-kernel; by construction each element
// is the table's vec_dot.
#pragma once

#include <cstddef>
#include <cstdint>

#include <vector>

#include "kernels/kernels.h"
#include "tensor/interleave.h"

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

// The same over a group of interleaved rows of `type`: each row is de-interleaved, then dotted.
template <DType type, VecDotFn Dot>
void tile8_by_dots(int64_t n, const void* group, const void* a, size_t a_stride,
                   const Q8_0BlockInfo*, int nc, float* y, size_t y_stride) {
  std::vector<uint8_t> row(row_bytes(type, n));
  const uint8_t* ap = static_cast<const uint8_t*>(a);
  for (int r = 0; r < kInterleaveRows; ++r) {
    deinterleave_row(type, group, n, r, row.data());
    for (int c = 0; c < nc; ++c)
      y[size_t(c) * y_stride + size_t(r)] = Dot(n, row.data(), ap + size_t(c) * a_stride);
  }
}

}  // namespace omni
