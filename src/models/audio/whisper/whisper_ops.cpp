#include "models/audio/whisper/whisper_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/ops.h"

namespace omni::whisper {

void layer_norm(const float* x, const TensorView& w, const TensorView& b, float* y, int64_t n_rows,
                int64_t n) {
  const float* wv = static_cast<const float*>(w.data);
  const float* bv = static_cast<const float*>(b.data);
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    double sum = 0, sum_sq = 0;
    for (int64_t i = 0; i < n; ++i) sum += xr[i];
    const double mean = sum / double(n);
    for (int64_t i = 0; i < n; ++i) sum_sq += (xr[i] - mean) * (xr[i] - mean);
    const float inv = float(1.0 / std::sqrt(sum_sq / double(n) + 1e-5));
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - float(mean)) * inv * wv[i] + bv[i];
  }
}

void gelu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
}

void linear(Compute& c, const TensorView& w, const TensorView* b, const float* x, int64_t n_tokens,
            float* y) {
  nn::matmul(c.k, w, x, n_tokens, y, c.pool, c.scratch);
  if (b) nn::add_bias(y, static_cast<const float*>(b->data), n_tokens, w.ne[1]);
}

void rows_to_planes(ThreadPool& pool, const float* rows, int64_t n_kv, int n_head, int64_t d,
                    float* planes) {
  const int64_t width = n_head * d;
  pool.parallel_for(size_t(n_kv), [&](size_t p0, size_t p1, int) {
    for (size_t p = p0; p < p1; ++p) {
      for (int h = 0; h < n_head; ++h) {
        std::copy_n(rows + int64_t(p) * width + h * d, d, planes + (h * n_kv + int64_t(p)) * d);
      }
    }
  });
}

void attention(ThreadPool& pool, const float* q, const float* k, const float* v, float* out,
               int64_t n_q, int64_t n_kv, int n_head, int64_t d, bool causal, bool kv_planes) {
  const int64_t width = n_head * d;
  const float scale = 1.0f / std::sqrt(float(d));
  const KernelTable& kt = select_kernels();
  // kAttendQueries queries of a head go to the kernel together and share each block of keys and
  // values; causal ones each stop at their own position.
  constexpr int64_t kQueries = kAttendQueries;
  const int64_t per_head = (n_q + kQueries - 1) / kQueries;
  // Rows of all heads side by side put one head's positions `width` floats apart, a stride at
  // which a block of them maps onto a few cache sets only. When enough queries share them, the
  // keys and values are first copied into one dense [n_kv, d] plane per head.
  constexpr int64_t kPlanesFrom = 64;  // queries per head at which the copy pays for itself
  const bool copy = !kv_planes && n_q >= kPlanesFrom && n_head > 1;
  std::vector<float> k_copy, v_copy;
  if (copy) {
    k_copy.resize(size_t(n_kv * width));
    v_copy.resize(size_t(n_kv * width));
    rows_to_planes(pool, k, n_kv, n_head, d, k_copy.data());
    rows_to_planes(pool, v, n_kv, n_head, d, v_copy.data());
  }
  const bool planes = kv_planes || copy;
  const float* k_planes = copy ? k_copy.data() : k;
  const float* v_planes = copy ? v_copy.data() : v;
  const size_t kv_stride = size_t(planes ? d : width);
  pool.parallel_for(size_t(per_head * n_head), [&](size_t begin, size_t end, int) {
    int64_t lens[kQueries];
    for (size_t job = begin; job < end; ++job) {
      const int64_t h = int64_t(job) / per_head, t0 = int64_t(job) % per_head * kQueries;
      const float* kh = planes ? k_planes + h * n_kv * d : k + h * d;
      const float* vh = planes ? v_planes + h * n_kv * d : v + h * d;
      AttendRows rows;
      rows.q = q + t0 * width + h * d;
      rows.out = out + t0 * width + h * d;
      rows.row_stride = size_t(width);
      rows.len = lens;
      rows.n_rows = int(std::min(kQueries, n_q - t0));
      rows.n_q = 1;
      for (int i = 0; i < rows.n_rows; ++i) lens[i] = causal ? n_kv - n_q + t0 + i + 1 : n_kv;
      kt.attend(rows, kh, vh, kv_stride, int(d), scale);
    }
  });
}

}  // namespace omni::whisper
