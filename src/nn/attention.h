// Causal grouped-query attention over a key/value cache.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace omni::nn {

struct AttentionShape {
  int n_head = 0;     // query heads
  int n_head_kv = 0;  // key/value heads; query head h reads kv head h / (n_head / n_head_kv)
  int head_dim = 0;
};

// For each of n_tokens new tokens at positions pos0 .. pos0 + n_tokens - 1:
//   out[t, h] = sum_p softmax_p(q[t, h] . k[p, g] / sqrt(head_dim)) v[p, g],  p <= pos0 + t
// q: [n_tokens, n_head * head_dim]; k_cache, v_cache: [n_ctx, n_head_kv * head_dim] holding
// positions 0 .. pos0 + n_tokens - 1; out: [n_tokens, n_head * head_dim];
// scores: scratch of n_threads * (pos0 + n_tokens) floats.
void attention(const float* q, const float* k_cache, const float* v_cache, float* out,
               int64_t n_tokens, int64_t pos0, const AttentionShape& s, float* scores,
               ThreadPool& pool);

}  // namespace omni::nn
