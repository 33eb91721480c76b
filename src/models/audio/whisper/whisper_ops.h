// Building blocks shared by Whisper's encoder and decoder (float32 activations, rows contiguous).
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "nn/matmul.h"
#include "tensor/tensor.h"

namespace omni::whisper {

// y = (x - mean) / sqrt(var + 1e-5) * w + b per row of n (w, b f32 [n]); y may alias x.
void layer_norm(const float* x, const TensorView& w, const TensorView& b, float* y, int64_t n_rows,
                int64_t n);

// The exact GELU, x * Phi(x), in place.
void gelu(float* x, int64_t n);

struct Compute {
  const KernelTable& k;
  ThreadPool& pool;
  nn::MatmulScratch scratch;
};

// y [n_tokens, n_out] = x [n_tokens, n_in] W^T (+ b), W [n_in, n_out].
void linear(Compute& c, const TensorView& w, const TensorView* b, const float* x, int64_t n_tokens,
            float* y);

// Attention of n_q queries over n_kv keys/values per head; q, out: [n_q, n_head * d] rows; k, v:
// [n_kv, n_head * d] rows, or with kv_planes [n_head, n_kv, d] (each head's positions
// contiguous, as rows_to_planes writes them). Query i sees keys [0, n_kv - n_q + i] when
// `causal`, all keys otherwise; scores are scaled by 1/sqrt(d). Runs the kernel table's attend
// (no score matrix); each query's result depends on its own row only, so not on the thread count
// or the layout.
void attention(ThreadPool& pool, const float* q, const float* k, const float* v, float* out,
               int64_t n_q, int64_t n_kv, int n_head, int64_t d, bool causal,
               bool kv_planes = false);

// planes [n_head, n_kv, d] = rows [n_kv, n_head * d], regrouped by head.
void rows_to_planes(ThreadPool& pool, const float* rows, int64_t n_kv, int n_head, int64_t d,
                    float* planes);

}  // namespace omni::whisper
