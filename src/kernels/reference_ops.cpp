#include "kernels/reference_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "tensor/fp16.h"

namespace omni {

namespace {

// One row's n_q heads (q, out: n_q rows of head_dim floats) over the first len positions.
void attend_row(const float* q, int n_q, const float* k, const float* v, size_t kv_stride,
                int64_t len, int head_dim, float scale, float* out) {
  thread_local std::vector<float> scores;
  scores.resize(size_t(len));
  for (int i = 0; i < n_q; ++i) {
    const float* qi = q + size_t(i) * size_t(head_dim);
    for (int64_t p = 0; p < len; ++p) {
      const float* kp = k + size_t(p) * kv_stride;
      float dot = 0.0f;
      for (int d = 0; d < head_dim; ++d) dot += qi[d] * kp[d];
      scores[size_t(p)] = dot * scale;
    }
    const float max = *std::max_element(scores.begin(), scores.end());
    double sum = 0.0;
    for (float& s : scores) {
      s = std::exp(s - max);
      sum += s;
    }
    const float inv = float(1.0 / sum);
    float* o = out + size_t(i) * size_t(head_dim);
    std::memset(o, 0, sizeof(float) * size_t(head_dim));
    for (int64_t p = 0; p < len; ++p) {
      const float* vp = v + size_t(p) * kv_stride;
      const float w = scores[size_t(p)] * inv;
      for (int d = 0; d < head_dim; ++d) o[d] += w * vp[d];
    }
  }
}

}  // namespace

void attend_reference(const AttendRows& rows, const float* k, const float* v, size_t kv_stride,
                      int head_dim, float scale) {
  for (int r = 0; r < rows.n_rows; ++r) {
    const size_t at = size_t(r) * rows.row_stride;
    attend_row(rows.q + at, rows.n_q, k, v, kv_stride, rows.len[r], head_dim, scale, rows.out + at);
  }
}

void attend_f16_reference(const AttendRows& rows, const uint16_t* k, const uint16_t* v,
                          size_t kv_stride, int head_dim, float scale) {
  int64_t len = 0;
  for (int r = 0; r < rows.n_rows; ++r) len = std::max(len, rows.len[r]);
  thread_local std::vector<float> kf, vf;  // [len, head_dim]
  kf.resize(size_t(len) * size_t(head_dim));
  vf.resize(kf.size());
  for (int64_t p = 0; p < len; ++p) {
    for (int d = 0; d < head_dim; ++d) {
      kf[size_t(p) * size_t(head_dim) + size_t(d)] =
          fp16_to_f32(k[size_t(p) * kv_stride + size_t(d)]);
      vf[size_t(p) * size_t(head_dim) + size_t(d)] =
          fp16_to_f32(v[size_t(p) * kv_stride + size_t(d)]);
    }
  }
  attend_reference(rows, kf.data(), vf.data(), size_t(head_dim), head_dim, scale);
}

void silu_mul_reference(const float* gate, const float* up, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace omni
