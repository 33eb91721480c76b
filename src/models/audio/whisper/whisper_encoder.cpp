#include "models/audio/whisper/whisper_encoder.h"

#include <cmath>

#include "models/audio/whisper/whisper_ops.h"

namespace omni {
namespace {

using whisper::attention;
using whisper::Compute;
using whisper::gelu;
using whisper::layer_norm;
using whisper::linear;

const float* f32(const TensorView& t) {
  return static_cast<const float*>(t.data);
}

// A 2-D view [rows of n_in, n_out] over a contiguous weight of any rank.
TensorView as_matrix(const TensorView& t, int64_t n_in) {
  const int64_t ne[2] = {n_in, t.n_elements() / n_in};
  return make_contiguous_view(t.type, 2, ne, t.data);
}

// Conv1d, kernel 3, padding 1: in [t_in, c_in] rows -> out [t_out, c_out], t_out = t_in / stride.
// The weight [3, c_in, c_out] is a matrix whose rows are (c_in, k) with k innermost, so each
// output step is one dot product against the unfolded input patch.
void conv3(Compute& c, const TensorView& w, const TensorView& b, const float* in, int64_t t_in,
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
  Compute c{select_kernels(), pool, {}};
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
    attention(pool, q.data(), k.data(), v.data(), o.data(), n_ctx, n_ctx, h.n_audio_head, d, false);
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
