// Causal grouped-query attention over key/value caches.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "kernels/kernels.h"

namespace omni::nn {

struct AttentionShape {
  int n_head = 0;     // query heads
  int n_head_kv = 0;  // key/value heads; query head h reads kv head h / (n_head / n_head_kv)
  int head_dim = 0;
};

// What one query row attends to: the first `len` positions of a cache of n_ctx positions
// ([n_head_kv, n_ctx, head_dim] each for keys and values, of `type` F32 or F16: kv head g's key at
// position p is k[(g * n_ctx + p) * head_dim ...]).
struct AttentionSpan {
  const void* k = nullptr;
  const void* v = nullptr;
  int64_t len = 0;
  int64_t n_ctx = 0;
  DType type = DType::F32;
};

// For each of n_tokens query rows t:
//   out[t, h] = sum_{p < span[t].len} softmax_p(q[t, h] . k[p, g] / sqrt(head_dim)) v[p, g]
// q: [n_tokens, n_head * head_dim]; out: [n_tokens, n_head * head_dim]; every span's len >= 1.
// Runs the table's attend (or attend_f16) kernel on the pool, per kv head and run of consecutive
// rows over the same cache; no score matrix is formed. Each row's result is the same, bit for bit,
// whatever the other rows of the batch.
void attention(const KernelTable& k, const float* q, const AttentionSpan* spans, float* out,
               int64_t n_tokens, const AttentionShape& s, ThreadPool& pool);

}  // namespace omni::nn
