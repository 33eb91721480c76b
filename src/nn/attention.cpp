#include "nn/attention.h"

#include <cmath>

namespace omni::nn {

void attention(const KernelTable& k, const float* q, const AttentionSpan* spans, float* out,
               int64_t n_tokens, const AttentionShape& s, ThreadPool& pool) {
  const int64_t q_dim = int64_t(s.n_head) * s.head_dim;
  const int group = s.n_head / s.n_head_kv;
  const float scale = 1.0f / std::sqrt(float(s.head_dim));
  // Jobs are (row, kv head) pairs. Causal rows grow in cost with their position, so rows are
  // visited from both ends alternately (0, n-1, 1, n-2, ...): the contiguous ranges that threads
  // take then cost about the same.
  pool.parallel_for(size_t(n_tokens * s.n_head_kv), [&](size_t begin, size_t end, int) {
    for (size_t job = begin; job < end; ++job) {
      const int64_t i = int64_t(job) / s.n_head_kv;
      const int g = int(int64_t(job) % s.n_head_kv);
      const int64_t t = (i % 2 == 0) ? i / 2 : n_tokens - 1 - i / 2;
      const AttentionSpan& span = spans[t];
      const int64_t first = t * q_dim + int64_t(g) * group * s.head_dim;
      const int64_t plane = int64_t(g) * span.n_ctx * s.head_dim;  // kv head g's positions
      if (span.type == DType::F16) {
        k.attend_f16(q + first, group, static_cast<const uint16_t*>(span.k) + plane,
                     static_cast<const uint16_t*>(span.v) + plane, size_t(s.head_dim), span.len,
                     s.head_dim, scale, out + first);
      } else {
        k.attend(q + first, group, static_cast<const float*>(span.k) + plane,
                 static_cast<const float*>(span.v) + plane, size_t(s.head_dim), span.len,
                 s.head_dim, scale, out + first);
      }
    }
  });
}

}  // namespace omni::nn
