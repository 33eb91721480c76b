#include "nn/attention.h"

#include <cmath>
#include <cstring>

#include "nn/ops.h"

namespace omni::nn {

void attention(const float* q, const AttentionSpan* spans, float* out, int64_t n_tokens,
               const AttentionShape& s, float* scores, int64_t max_len, ThreadPool& pool) {
  const int64_t q_dim = int64_t(s.n_head) * s.head_dim, kv_dim = int64_t(s.n_head_kv) * s.head_dim;
  const int group = s.n_head / s.n_head_kv;
  const float scale = 1.0f / std::sqrt(float(s.head_dim));
  pool.parallel_for(size_t(n_tokens * s.n_head), [&](size_t begin, size_t end, int thread) {
    float* sc = scores + int64_t(thread) * max_len;
    for (size_t job = begin; job < end; ++job) {
      const int64_t t = int64_t(job) / s.n_head;
      const int h = int(int64_t(job) % s.n_head);
      const int g = h / group;
      const AttentionSpan& span = spans[t];
      const int64_t len = span.len;
      const float* qh = q + t * q_dim + int64_t(h) * s.head_dim;
      for (int64_t p = 0; p < len; ++p) {
        const float* kp = span.k + p * kv_dim + int64_t(g) * s.head_dim;
        float dot = 0.0f;
        for (int d = 0; d < s.head_dim; ++d) dot += qh[d] * kp[d];
        sc[p] = dot * scale;
      }
      softmax(sc, len);
      float* o = out + t * q_dim + int64_t(h) * s.head_dim;
      std::memset(o, 0, sizeof(float) * size_t(s.head_dim));
      for (int64_t p = 0; p < len; ++p) {
        const float* vp = span.v + p * kv_dim + int64_t(g) * s.head_dim;
        const float w = sc[p];
        for (int d = 0; d < s.head_dim; ++d) o[d] += w * vp[d];
      }
    }
  });
}

}  // namespace omni::nn
