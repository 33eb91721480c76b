// TensorView: a typed, shaped window onto bytes owned elsewhere (an mmapped file, a buffer).
//
// Axis convention (the whole project): ne[0] is the innermost, contiguous axis — the length of a
// row — and ne[1], ne[2], ne[3] are successively outer. This is GGUF's order, so a weight whose
// comment says `// [n_embd, n_vocab] q8_0` has rows of n_embd elements and n_vocab rows. nb[i] is
// the stride of axis i in bytes; for quantized types a row is a whole number of blocks.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "tensor/dtype.h"

namespace omni {

inline constexpr int kMaxDims = 4;

struct TensorView {
  DType type = DType::F32;
  int n_dims = 0;
  std::array<int64_t, kMaxDims> ne{1, 1, 1, 1};  // elements per axis
  std::array<size_t, kMaxDims> nb{0, 0, 0, 0};   // bytes per step along each axis
  const void* data = nullptr;
  // A matrix whose rows are stored in interleaved groups (tensor/interleave.h): row() does not
  // apply; nn::matmul reads it whole, deinterleave_row one row at a time.
  bool rows_interleaved = false;

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
  size_t n_bytes() const { return row_bytes(type, ne[0]) * size_t(n_rows()); }
  const void* row(int64_t i1, int64_t i2 = 0, int64_t i3 = 0) const {
    return static_cast<const uint8_t*>(data) + i1 * nb[1] + i2 * nb[2] + i3 * nb[3];
  }
};

// A contiguous view of `data` with shape ne[0..n_dims).
TensorView make_contiguous_view(DType type, int n_dims, const int64_t* ne, const void* data);

// "[896, 151936]"
std::string shape_string(const TensorView& t);

}  // namespace omni
