// y = W x for a batch of activation rows, with W in any storage type.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "tensor/tensor.h"

namespace omni::nn {

// Scratch for the activations encoded as the weight type's dot-product type; sized once.
struct MatmulScratch {
  std::vector<uint8_t> encoded;
  std::vector<Q8_0BlockInfo> block_info;  // Q8_0 activations: each block's (q8_0_block_info)
};

// W: [n_in, n_out] (n_out rows of n_in), x: [n_tokens, n_in], y: [n_tokens, n_out].
// Each output element is one kernel dot product, so the result does not depend on the number of
// threads. The activations are first encoded as vec_dot_type(W.type) (Q8_0 / Q8_K for quantized
// weights, as llama.cpp does).
void matmul(const KernelTable& k, const TensorView& w, const float* x, int64_t n_tokens, float* y,
            ThreadPool& pool, MatmulScratch& scratch);

// Several products of the same input, y_i = W_i x (q, k and v; gate and up): the activations
// are encoded once and all products' rows are shared among the threads in one parallel loop.
// Each result is what matmul(W_i) gives. At most 4 products; all W_i have the same n_in.
struct MatmulJob {
  const TensorView* w;
  float* y;  // [n_tokens, w->ne[1]]
};
void matmuls(const KernelTable& k, std::span<const MatmulJob> jobs, const float* x,
             int64_t n_tokens, ThreadPool& pool, MatmulScratch& scratch);

// y[t] += b for each of n_tokens rows of n.
void add_bias(float* y, const float* b, int64_t n_tokens, int64_t n);

}  // namespace omni::nn
