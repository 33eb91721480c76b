#include "nn/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace omni::nn {

void attention(const KernelTable& k, const float* q, const AttentionSpan* spans, float* out,
               int64_t n_tokens, const AttentionShape& s, ThreadPool& pool) {
  const int64_t q_dim = int64_t(s.n_head) * s.head_dim;
  const int group = s.n_head / s.n_head_kv;
  const float scale = 1.0f / std::sqrt(float(s.head_dim));
  // Consecutive rows over the same cache (one sequence's tokens) go to the kernel together, about
  // kAttendQueries queries per call, so that they share each block of keys and values.
  const int64_t max_rows = std::max(1, kAttendQueries / group);
  std::vector<int64_t> lens(static_cast<size_t>(n_tokens));
  std::vector<int64_t> first_row;  // each call's first row; n_tokens closes the list
  for (int64_t t = 0; t < n_tokens; ++t) {
    lens[size_t(t)] = spans[t].len;
    const AttentionSpan& a = spans[t];
    const bool joins = !first_row.empty() && t - first_row.back() < max_rows && [&] {
      const AttentionSpan& b = spans[t - 1];
      return a.k == b.k && a.v == b.v && a.n_ctx == b.n_ctx && a.type == b.type;
    }();
    if (!joins) first_row.push_back(t);
  }
  const int64_t n_calls = int64_t(first_row.size());
  first_row.push_back(n_tokens);
  // Jobs are (call, kv head) pairs. Causal rows grow in cost with their position, so calls are
  // visited from both ends alternately (0, n-1, 1, n-2, ...): the contiguous ranges that threads
  // take then cost about the same.
  pool.parallel_for(size_t(n_calls * s.n_head_kv), [&](size_t begin, size_t end, int) {
    for (size_t job = begin; job < end; ++job) {
      const int64_t i = int64_t(job) / s.n_head_kv;
      const int g = int(int64_t(job) % s.n_head_kv);
      const int64_t call = (i % 2 == 0) ? i / 2 : n_calls - 1 - i / 2;
      const int64_t t0 = first_row[size_t(call)];
      const AttentionSpan& span = spans[t0];
      const int64_t first = t0 * q_dim + int64_t(g) * group * s.head_dim;
      AttendRows rows;
      rows.q = q + first;
      rows.out = out + first;
      rows.row_stride = size_t(q_dim);
      rows.len = lens.data() + t0;
      rows.n_rows = int(first_row[size_t(call) + 1] - t0);
      rows.n_q = group;
      const int64_t plane = int64_t(g) * span.n_ctx * s.head_dim;  // kv head g's positions
      if (span.type == DType::F16) {
        k.attend_f16(rows, static_cast<const uint16_t*>(span.k) + plane,
                     static_cast<const uint16_t*>(span.v) + plane, size_t(s.head_dim), s.head_dim,
                     scale);
      } else {
        k.attend(rows, static_cast<const float*>(span.k) + plane,
                 static_cast<const float*>(span.v) + plane, size_t(s.head_dim), s.head_dim, scale);
      }
    }
  });
}

}  // namespace omni::nn
