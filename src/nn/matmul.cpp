#include "nn/matmul.h"

#include <cassert>

#include "tensor/quantize.h"

namespace omni::nn {

void matmul(const KernelTable& k, const TensorView& w, const float* x, int64_t n_tokens, float* y,
            ThreadPool& pool, MatmulScratch& scratch) {
  const int64_t n_in = w.ne[0], n_out = w.ne[1];
  const DType at = vec_dot_type(w.type);
  const VecDotFn dot = k.vec_dot[uint32_t(w.type)];
  assert(dot && "matmul: weight type without a dot kernel");
  const uint8_t* act = reinterpret_cast<const uint8_t*>(x);
  size_t act_stride = size_t(n_in) * sizeof(float);
  if (at != DType::F32) {
    act_stride = row_bytes(at, n_in);
    if (scratch.encoded.size() < act_stride * size_t(n_tokens))
      scratch.encoded.resize(act_stride * size_t(n_tokens));
    for (int64_t t = 0; t < n_tokens; ++t) {
      (void)quantize_row(at, x + t * n_in, scratch.encoded.data() + size_t(t) * act_stride, n_in);
    }
    act = scratch.encoded.data();
  }
  const uint8_t* wdata = static_cast<const uint8_t*>(w.data);
  const size_t wstride = w.nb[1];
  // Each thread takes a range of weight rows and multiplies every token by each row while it is
  // in cache.
  pool.parallel_for(size_t(n_out), [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      const uint8_t* row = wdata + r * wstride;
      for (int64_t t = 0; t < n_tokens; ++t)
        y[t * n_out + int64_t(r)] = dot(n_in, row, act + size_t(t) * act_stride);
    }
  });
}

void add_bias(float* y, const float* b, int64_t n_tokens, int64_t n) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[i];
  }
}

}  // namespace omni::nn
