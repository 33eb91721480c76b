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

void attention(ThreadPool& pool, const float* q, const float* k, const float* v, float* out,
               int64_t n_q, int64_t n_kv, int n_head, int64_t d, bool causal) {
  const int64_t width = n_head * d;
  const float scale = 1.0f / std::sqrt(float(d));
  const KernelTable& kt = select_kernels();
  nn::MatmulScratch scratch;
  // Per head, contiguous copies: Q_h [n_q, d], K_h [n_kv, d] (a weight of n_kv rows of d),
  // V_h^T [d, n_kv] (a weight of d rows of n_kv); scores [n_q, n_kv]; out_h [n_q, d].
  std::vector<float> qh(size_t(n_q * d)), kh(size_t(n_kv * d)), vt(size_t(d * n_kv));
  std::vector<float> scores(size_t(n_q * n_kv)), oh(size_t(n_q * d));
  for (int h = 0; h < n_head; ++h) {
    for (int64_t t = 0; t < n_q; ++t) {
      std::copy_n(q + t * width + h * d, d, qh.data() + t * d);
    }
    for (int64_t s = 0; s < n_kv; ++s) {
      std::copy_n(k + s * width + h * d, d, kh.data() + s * d);
      for (int64_t i = 0; i < d; ++i) vt[size_t(i * n_kv + s)] = v[s * width + h * d + i];
    }
    const int64_t k_ne[2] = {d, n_kv};
    nn::matmul(kt, make_contiguous_view(DType::F32, 2, k_ne, kh.data()), qh.data(), n_q,
               scores.data(), pool, scratch);
    pool.parallel_for(size_t(n_q), [&](size_t begin, size_t end, int) {
      for (size_t t = begin; t < end; ++t) {
        float* row = scores.data() + t * size_t(n_kv);
        const int64_t n_seen = causal ? n_kv - n_q + int64_t(t) + 1 : n_kv;
        for (int64_t s = 0; s < n_seen; ++s) row[s] *= scale;
        nn::softmax(row, n_seen);
        for (int64_t s = n_seen; s < n_kv; ++s) row[s] = 0.0f;
      }
    });
    const int64_t v_ne[2] = {n_kv, d};
    nn::matmul(kt, make_contiguous_view(DType::F32, 2, v_ne, vt.data()), scores.data(), n_q,
               oh.data(), pool, scratch);
    for (int64_t t = 0; t < n_q; ++t) {
      std::copy_n(oh.data() + t * d, d, out + t * width + h * d);
    }
  }
}

}  // namespace omni::whisper
