#include "models/audio/whisper/whisper_encoder.h"

#include <cmath>

#include "kernels/kernels.h"
#include "nn/matmul.h"
#include "nn/ops.h"

namespace omni {
namespace {

constexpr float kLayerNormEps = 1e-5f;

// y = (x - mean) / sqrt(var + eps) * w + b per row of n; y may alias x.
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
    const float inv = float(1.0 / std::sqrt(sum_sq / double(n) + kLayerNormEps));
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - float(mean)) * inv * wv[i] + bv[i];
  }
}

void gelu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
}

const float* f32(const TensorView& t) {
  return static_cast<const float*>(t.data);
}

// A 2-D view [rows of n_in, n_out] over a contiguous weight of any rank.
TensorView as_matrix(const TensorView& t, int64_t n_in) {
  const int64_t ne[2] = {n_in, t.n_elements() / n_in};
  return make_contiguous_view(t.type, 2, ne, t.data);
}

struct Ctx {
  const KernelTable& k;
  ThreadPool& pool;
  nn::MatmulScratch scratch;
};

// y [n_tokens, n_out] = x [n_tokens, n_in] W^T (+ b).
void linear(Ctx& c, const TensorView& w, const TensorView* b, const float* x, int64_t n_tokens,
            float* y) {
  nn::matmul(c.k, w, x, n_tokens, y, c.pool, c.scratch);
  if (b) nn::add_bias(y, f32(*b), n_tokens, w.ne[1]);
}

// Conv1d, kernel 3, padding 1: in [t_in, c_in] rows -> out [t_out, c_out], t_out = t_in / stride.
// The weight [3, c_in, c_out] is a matrix whose rows are (c_in, k) with k innermost, so each
// output step is one dot product against the unfolded input patch.
void conv3(Ctx& c, const TensorView& w, const TensorView& b, const float* in, int64_t t_in,
           int64_t c_in, int stride, float* out, std::vector<float>& patches) {
  const int64_t t_out = t_in / stride;
  patches.assign(size_t(t_out * c_in * 3), 0.0f);
  for (int64_t t = 0; t < t_out; ++t) {
    float* p = patches.data() + t * c_in * 3;
    for (int64_t k = 0; k < 3; ++k) {
      const int64_t src = t * stride + k - 1;
      if (src < 0 || src >= t_in) continue;
      for (int64_t i = 0; i < c_in; ++i) p[i * 3 + k] = in[src * c_in + i];
    }
  }
  const TensorView wm = as_matrix(w, 3 * c_in);
  linear(c, wm, nullptr, patches.data(), t_out, out);
  const int64_t c_out = wm.ne[1];
  const float* bias = f32(b);
  for (int64_t t = 0; t < t_out; ++t) {
    for (int64_t o = 0; o < c_out; ++o) out[t * c_out + o] += bias[o];
  }
}

// Full attention of n tokens: q, k, v and out are [n, n_head * d] rows.
void attention(ThreadPool& pool, const float* q, const float* k, const float* v, float* out,
               int64_t n, int n_head, int64_t d) {
  const int64_t width = n_head * d;
  const float scale = 1.0f / std::sqrt(float(d));
  pool.parallel_for(size_t(n_head * n), [&](size_t begin, size_t end, int) {
    std::vector<float> scores(static_cast<size_t>(n));
    for (size_t item = begin; item < end; ++item) {
      const int64_t h = int64_t(item) / n, t = int64_t(item) % n;
      const float* qt = q + t * width + h * d;
      for (int64_t s = 0; s < n; ++s) {
        const float* ks = k + s * width + h * d;
        float dot = 0;
        for (int64_t i = 0; i < d; ++i) dot += qt[i] * ks[i];
        scores[size_t(s)] = dot * scale;
      }
      nn::softmax(scores.data(), n);
      float* o = out + t * width + h * d;
      for (int64_t i = 0; i < d; ++i) o[i] = 0;
      for (int64_t s = 0; s < n; ++s) {
        const float p = scores[size_t(s)];
        const float* vs = v + s * width + h * d;
        for (int64_t i = 0; i < d; ++i) o[i] += p * vs[i];
      }
    }
  });
}

}  // namespace

StatusOr<std::vector<float>> whisper_encode(const WhisperModel& model, const LogMel& window,
                                            ThreadPool& pool) {
  const WhisperHparams& h = model.hparams();
  const int64_t n_ctx = h.n_audio_ctx, n = h.n_audio_state, n_mels = h.n_mels;
  if (window.n_mels != n_mels || window.n_frames != 2 * n_ctx) {
    return InvalidArgument("the encoder takes %lld x %lld mel frames, not %d x %lld",
                           (long long)n_mels, (long long)(2 * n_ctx), window.n_mels,
                           (long long)window.n_frames);
  }
  Ctx c{select_kernels(), pool, {}};
  std::vector<float> patches;

  // The mel is [n_mels rows of frames]; the convolution wants [frames rows of n_mels].
  std::vector<float> mel_t(size_t(2 * n_ctx * n_mels));
  for (int64_t m = 0; m < n_mels; ++m) {
    for (int64_t t = 0; t < 2 * n_ctx; ++t) {
      mel_t[size_t(t * n_mels + m)] = window.data[size_t(m * 2 * n_ctx + t)];
    }
  }
  std::vector<float> h1(size_t(2 * n_ctx * n));
  conv3(c, model.conv1_w, model.conv1_b, mel_t.data(), 2 * n_ctx, n_mels, 1, h1.data(), patches);
  gelu(h1.data(), int64_t(h1.size()));
  std::vector<float> x(size_t(n_ctx * n));
  conv3(c, model.conv2_w, model.conv2_b, h1.data(), 2 * n_ctx, n, 2, x.data(), patches);
  gelu(x.data(), int64_t(x.size()));
  const float* pos = f32(model.enc_pos);
  for (size_t i = 0; i < x.size(); ++i) x[i] += pos[i];

  const int64_t d = n / h.n_audio_head;
  std::vector<float> a(x.size()), q(x.size()), k(x.size()), v(x.size()), o(x.size());
  std::vector<float> mlp(size_t(n_ctx * 4 * n));
  for (const WhisperLayer& l : model.encoder) {
    layer_norm(x.data(), l.attn_ln_w, l.attn_ln_b, a.data(), n_ctx, n);
    linear(c, l.q_w, &l.q_b, a.data(), n_ctx, q.data());
    linear(c, l.k_w, nullptr, a.data(), n_ctx, k.data());
    linear(c, l.v_w, &l.v_b, a.data(), n_ctx, v.data());
    attention(pool, q.data(), k.data(), v.data(), o.data(), n_ctx, h.n_audio_head, d);
    linear(c, l.o_w, &l.o_b, o.data(), n_ctx, a.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += a[i];

    layer_norm(x.data(), l.mlp_ln_w, l.mlp_ln_b, a.data(), n_ctx, n);
    linear(c, l.mlp0_w, &l.mlp0_b, a.data(), n_ctx, mlp.data());
    gelu(mlp.data(), int64_t(mlp.size()));
    linear(c, l.mlp2_w, &l.mlp2_b, mlp.data(), n_ctx, a.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += a[i];
  }
  layer_norm(x.data(), model.enc_ln_w, model.enc_ln_b, x.data(), n_ctx, n);
  return x;
}

}  // namespace omni
