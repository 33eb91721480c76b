#include "models/text/text_forward.h"

#include <cstring>

#include "kernels/kernels.h"
#include "nn/attention.h"
#include "nn/ops.h"

namespace omni {

TextState make_text_state(const TextModel& model, int64_t n_ctx, int64_t n_batch, int n_threads) {
  const TextHParams& hp = model.hparams();
  const int64_t q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  TextState s;
  s.n_ctx = n_ctx;
  s.n_batch = n_batch;
  s.k_cache.assign(size_t(hp.n_layer), std::vector<float>(size_t(n_ctx * kv_dim)));
  s.v_cache.assign(size_t(hp.n_layer), std::vector<float>(size_t(n_ctx * kv_dim)));
  s.x.resize(size_t(n_batch * hp.n_embd));
  s.h.resize(size_t(n_batch * hp.n_embd));
  s.q.resize(size_t(n_batch * q_dim));
  s.k.resize(size_t(n_batch * kv_dim));
  s.v.resize(size_t(n_batch * kv_dim));
  s.attn.resize(size_t(n_batch * q_dim));
  s.proj.resize(size_t(n_batch * hp.n_embd));
  s.gate.resize(size_t(n_batch * hp.n_ff));
  s.up.resize(size_t(n_batch * hp.n_ff));
  s.scores.resize(size_t(n_threads) * size_t(n_ctx));
  s.logits.resize(size_t(model.n_vocab()));
  return s;
}

void text_forward(const TextModel& model, TextState& s, const int32_t* tokens, int64_t n,
                  int64_t pos0, float* all_logits, ThreadPool& pool) {
  const TextHParams& hp = model.hparams();
  const KernelTable& k = select_kernels();  // dispatch once per forward pass
  const int64_t d = hp.n_embd, q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  const nn::AttentionShape shape{int(hp.n_head), int(hp.n_head_kv), int(hp.head_dim)};
  nn::RopeParams rope;
  rope.style = model.neox_rope() ? nn::RopeStyle::kNeox : nn::RopeStyle::kNormal;
  rope.n_rot = int(hp.n_rot);
  rope.freq_base = hp.rope_freq_base;
  rope.freq_factors = model.rope_factors().empty() ? nullptr : model.rope_factors().data();

  // x: [n, d] token embeddings.
  const TensorView& embd = model.token_embedding();
  for (int64_t t = 0; t < n; ++t) {
    k.dequantize[uint32_t(embd.type)](embd.row(tokens[t]), s.x.data() + t * d, d);
  }

  for (size_t il = 0; il < model.layers().size(); ++il) {
    const TextLayer& L = model.layers()[il];
    // Attention block.
    nn::rms_norm(s.x.data(), L.attn_norm.data(), s.h.data(), n, d, hp.rms_eps);
    nn::matmul(k, L.wq, s.h.data(), n, s.q.data(), pool, s.matmul);  // [n, q_dim]
    nn::matmul(k, L.wk, s.h.data(), n, s.k.data(), pool, s.matmul);  // [n, kv_dim]
    nn::matmul(k, L.wv, s.h.data(), n, s.v.data(), pool, s.matmul);  // [n, kv_dim]
    if (!L.bq.empty()) {
      nn::add_bias(s.q.data(), L.bq.data(), n, q_dim);
      nn::add_bias(s.k.data(), L.bk.data(), n, kv_dim);
      nn::add_bias(s.v.data(), L.bv.data(), n, kv_dim);
    }
    if (!L.q_norm.empty()) {  // per-head RMS norm of q and k (Qwen3)
      nn::rms_norm(s.q.data(), L.q_norm.data(), s.q.data(), n * hp.n_head, hp.head_dim, hp.rms_eps);
      nn::rms_norm(s.k.data(), L.k_norm.data(), s.k.data(), n * hp.n_head_kv, hp.head_dim,
                   hp.rms_eps);
    }
    float* kc = s.k_cache[il].data();
    float* vc = s.v_cache[il].data();
    for (int64_t t = 0; t < n; ++t) {
      nn::rope(s.q.data() + t * q_dim, int(hp.n_head), int(hp.head_dim), pos0 + t, rope);
      nn::rope(s.k.data() + t * kv_dim, int(hp.n_head_kv), int(hp.head_dim), pos0 + t, rope);
    }
    std::memcpy(kc + pos0 * kv_dim, s.k.data(), sizeof(float) * size_t(n * kv_dim));
    std::memcpy(vc + pos0 * kv_dim, s.v.data(), sizeof(float) * size_t(n * kv_dim));
    nn::attention(s.q.data(), kc, vc, s.attn.data(), n, pos0, shape, s.scores.data(), pool);
    nn::matmul(k, L.wo, s.attn.data(), n, s.proj.data(), pool, s.matmul);  // [n, d]
    for (int64_t i = 0; i < n * d; ++i) s.x[size_t(i)] += s.proj[size_t(i)];

    // Feed-forward block (SwiGLU).
    nn::rms_norm(s.x.data(), L.ffn_norm.data(), s.h.data(), n, d, hp.rms_eps);
    nn::matmul(k, L.w_gate, s.h.data(), n, s.gate.data(), pool, s.matmul);  // [n, n_ff]
    nn::matmul(k, L.w_up, s.h.data(), n, s.up.data(), pool, s.matmul);      // [n, n_ff]
    nn::silu_mul(s.gate.data(), s.up.data(), s.gate.data(), n * hp.n_ff);
    nn::matmul(k, L.w_down, s.gate.data(), n, s.proj.data(), pool, s.matmul);  // [n, d]
    for (int64_t i = 0; i < n * d; ++i) s.x[size_t(i)] += s.proj[size_t(i)];
  }

  // Output: all positions on request, otherwise only the last.
  const int64_t first = all_logits ? 0 : n - 1;
  const int64_t count = n - first;
  nn::rms_norm(s.x.data() + first * d, model.output_norm().data(), s.h.data(), count, d,
               hp.rms_eps);
  if (all_logits) {
    nn::matmul(k, model.output(), s.h.data(), count, all_logits, pool, s.matmul);
    std::memcpy(s.logits.data(), all_logits + (count - 1) * model.n_vocab(),
                sizeof(float) * size_t(model.n_vocab()));
  } else {
    nn::matmul(k, model.output(), s.h.data(), 1, s.logits.data(), pool, s.matmul);
  }
}

}  // namespace omni
