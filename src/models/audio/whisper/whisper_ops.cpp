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
  // Without a mask every query of a head reads the same keys and values, so kQueries of them are
  // gathered into one call (contiguous rows, as attend takes grouped heads) and share each block
  // of keys and values. Causal queries see different lengths and go one by one.
  constexpr int64_t kQueries = 8;
  const int64_t per_head = causal ? n_q : (n_q + kQueries - 1) / kQueries;
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
    std::vector<float> qs(size_t(kQueries * d)), os(size_t(kQueries * d));
    for (size_t job = begin; job < end; ++job) {
      const int64_t h = int64_t(job) / per_head, j = int64_t(job) % per_head;
      const float* kh = planes ? k_planes + h * n_kv * d : k + h * d;
      const float* vh = planes ? v_planes + h * n_kv * d : v + h * d;
      if (causal) {
        const int64_t row = j * width + h * d;
        kt.attend(q + row, 1, kh, vh, kv_stride, n_kv - n_q + j + 1, int(d), scale, out + row);
        continue;
      }
      const int64_t t0 = j * kQueries, nq = std::min(kQueries, n_q - t0);
      for (int64_t i = 0; i < nq; ++i)
        std::copy_n(q + (t0 + i) * width + h * d, d, qs.data() + i * d);
      kt.attend(qs.data(), int(nq), kh, vh, kv_stride, n_kv, int(d), scale, os.data());
      for (int64_t i = 0; i < nq; ++i)
        std::copy_n(os.data() + i * d, d, out + (t0 + i) * width + h * d);
    }
  });
}

}  // namespace omni::whisper
