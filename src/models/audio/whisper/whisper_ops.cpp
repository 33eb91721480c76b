#include "models/audio/whisper/whisper_ops.h"

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
  const VecDotFn dot_f32 = select_kernels().vec_dot[uint32_t(DType::F32)];
  pool.parallel_for(size_t(n_head * n_q), [&](size_t begin, size_t end, int) {
    std::vector<float> scores(static_cast<size_t>(n_kv));
    for (size_t item = begin; item < end; ++item) {
      const int64_t h = int64_t(item) / n_q, t = int64_t(item) % n_q;
      const int64_t n_seen = causal ? n_kv - n_q + t + 1 : n_kv;
      const float* qt = q + t * width + h * d;
      for (int64_t s = 0; s < n_seen; ++s) {
        scores[size_t(s)] = dot_f32(d, k + s * width + h * d, qt) * scale;
      }
      nn::softmax(scores.data(), n_seen);
      float* o = out + t * width + h * d;
      for (int64_t i = 0; i < d; ++i) o[i] = 0;
      for (int64_t s = 0; s < n_seen; ++s) {
        const float p = scores[size_t(s)];
        const float* vs = v + s * width + h * d;
        for (int64_t i = 0; i < d; ++i) o[i] += p * vs[i];
      }
    }
  });
}

}  // namespace omni::whisper
