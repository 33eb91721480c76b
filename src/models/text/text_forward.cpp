#include "models/text/text_forward.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/kernels.h"
#include "nn/ops.h"
#include "tensor/fp16.h"
#include "tensor/interleave.h"

namespace omni {

KvCache make_kv_cache(const TextModel& model, int64_t n_ctx, DType type) {
  assert((type == DType::F16 || type == DType::F32) && "make_kv_cache: F16 or F32");
  const TextHParams& hp = model.hparams();
  const size_t bytes = row_bytes(type, n_ctx * hp.n_head_kv * hp.head_dim);
  KvCache c;
  c.type = type;
  c.n_ctx = n_ctx;
  c.k.assign(size_t(hp.n_layer), std::vector<uint8_t>(bytes));
  c.v.assign(size_t(hp.n_layer), std::vector<uint8_t>(bytes));
  return c;
}

namespace {
// Stores n floats as the cache's element type at element `at` of `plane`.
void store_kv(DType type, const float* x, int64_t n, std::vector<uint8_t>& plane, int64_t at) {
  if (type == DType::F32) {
    std::memcpy(plane.data() + size_t(at) * sizeof(float), x, sizeof(float) * size_t(n));
    return;
  }
  uint16_t* h = reinterpret_cast<uint16_t*>(plane.data()) + at;
  for (int64_t i = 0; i < n; ++i) h[i] = f32_to_fp16(x[i]);
}

// For each of the n tokens: x[t] += add[t] where add is given (a block's output joining the
// residual stream), then h[t] = rms_norm(x[t]) * w; x, add, h: [n, d]. Tokens are split over the
// pool.
void add_and_norm(float* x, const float* add, const float* w, float* h, int64_t n, int64_t d,
                  float eps, ThreadPool& pool) {
  pool.parallel_for(size_t(n), [&](size_t t0, size_t t1, int) {
    const int64_t i0 = int64_t(t0) * d, i1 = int64_t(t1) * d;
    if (add) {
      for (int64_t i = i0; i < i1; ++i) x[i] += add[i];
    }
    nn::rms_norm(x + i0, w, h + i0, int64_t(t1 - t0), d, eps);
  });
}
}  // namespace

TextScratch make_text_scratch(const TextModel& model, int64_t n_batch, int64_t max_ctx) {
  const TextHParams& hp = model.hparams();
  const int64_t q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  TextScratch s;
  s.n_batch = n_batch;
  s.max_ctx = max_ctx;
  s.x.resize(size_t(n_batch * hp.n_embd));
  s.h.resize(size_t(n_batch * hp.n_embd));
  s.q.resize(size_t(n_batch * q_dim));
  s.k.resize(size_t(n_batch * kv_dim));
  s.v.resize(size_t(n_batch * kv_dim));
  s.attn.resize(size_t(n_batch * q_dim));
  s.proj.resize(size_t(n_batch * hp.n_embd));
  s.gate.resize(size_t(std::min(n_batch, kFfnRows) * hp.n_ff));
  s.up.resize(size_t(std::min(n_batch, kFfnRows) * hp.n_ff));
  s.rope_angles.resize(size_t(n_batch * hp.n_rot));
  s.logit_rows.reserve(size_t(n_batch));
  s.spans.resize(size_t(n_batch));
  return s;
}

void text_forward_batch(const TextModel& model, TextScratch& s, std::span<const BatchToken> batch,
                        std::span<KvCache* const> caches, float* logits, ThreadPool& pool) {
  const TextHParams& hp = model.hparams();
  const KernelTable& k = select_kernels();  // dispatch once per forward pass
  const int64_t n = int64_t(batch.size());
  const int64_t d = hp.n_embd, q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  const nn::AttentionShape shape{int(hp.n_head), int(hp.n_head_kv), int(hp.head_dim)};
  nn::RopeParams rope;
  rope.style = model.neox_rope() ? nn::RopeStyle::kNeox : nn::RopeStyle::kNormal;
  rope.n_rot = int(hp.n_rot);
  rope.freq_base = hp.rope_freq_base;
  rope.freq_factors = model.rope_factors().empty() ? nullptr : model.rope_factors().data();
  std::vector<double> rope_freq(size_t(hp.n_rot / 2));
  nn::rope_freqs(rope, rope_freq.data());

  // x: [n, d] token embeddings; each token's rotation angles, which every layer uses.
  const TensorView& embd = model.token_embedding();
  std::vector<uint8_t> plain_row(embd.rows_interleaved ? row_bytes(embd.type, d) : 0);
  for (int64_t t = 0; t < n; ++t) {
    const int64_t id = batch[size_t(t)].id;
    const void* row = embd.row(id);
    if (embd.rows_interleaved) {
      deinterleave_row(embd.type, embd.data, d, id, plain_row.data());
      row = plain_row.data();
    }
    k.dequantize[uint32_t(embd.type)](row, s.x.data() + t * d, d);
  }
  pool.parallel_for(size_t(n), [&](size_t t0, size_t t1, int) {
    for (size_t t = t0; t < t1; ++t) {
      nn::rope_angles(batch[t].pos, rope_freq.data(), rope, s.rope_angles.data() + t * hp.n_rot);
    }
  });

  // The previous block's output, joining the residual stream x at the next norm.
  const float* pending = nullptr;

  for (size_t il = 0; il < model.layers().size(); ++il) {
    const TextLayer& L = model.layers()[il];
    // Attention block.
    add_and_norm(s.x.data(), pending, L.attn_norm.data(), s.h.data(), n, d, hp.rms_eps, pool);
    const nn::MatmulJob qkv[] = {
        {&L.wq, s.q.data()},  // [n, q_dim]
        {&L.wk, s.k.data()},  // [n, kv_dim]
        {&L.wv, s.v.data()},  // [n, kv_dim]
    };
    nn::matmuls(k, qkv, s.h.data(), n, pool, s.matmul);
    // Per token, split over the pool: biases, the per-head norms of q and k (Qwen3), rotation,
    // then k and v stored at the token's position (no two tokens of a batch share a sequence
    // and a position, so no two write the same cache row).
    pool.parallel_for(size_t(n), [&](size_t t0, size_t t1, int) {
      for (size_t t = t0; t < t1; ++t) {
        float* q = s.q.data() + t * q_dim;
        float* kt = s.k.data() + t * kv_dim;
        float* vt = s.v.data() + t * kv_dim;
        if (!L.bq.empty()) {
          nn::add_bias(q, L.bq.data(), 1, q_dim);
          nn::add_bias(kt, L.bk.data(), 1, kv_dim);
          nn::add_bias(vt, L.bv.data(), 1, kv_dim);
        }
        if (!L.q_norm.empty()) {
          nn::rms_norm(q, L.q_norm.data(), q, hp.n_head, hp.head_dim, hp.rms_eps);
          nn::rms_norm(kt, L.k_norm.data(), kt, hp.n_head_kv, hp.head_dim, hp.rms_eps);
        }
        const float* angles = s.rope_angles.data() + t * hp.n_rot;
        nn::rope(q, int(hp.n_head), int(hp.head_dim), angles, rope);
        nn::rope(kt, int(hp.n_head_kv), int(hp.head_dim), angles, rope);
        const BatchToken& b = batch[t];
        KvCache& c = *caches[size_t(b.seq)];
        for (int64_t g = 0; g < hp.n_head_kv; ++g) {
          const int64_t at = (g * c.n_ctx + b.pos) * hp.head_dim;
          store_kv(c.type, kt + g * hp.head_dim, hp.head_dim, c.k[il], at);
          store_kv(c.type, vt + g * hp.head_dim, hp.head_dim, c.v[il], at);
        }
        s.spans[t] = {c.k[il].data(), c.v[il].data(), b.pos + 1, c.n_ctx, c.type};  // causal
      }
    });
    nn::attention(k, s.q.data(), s.spans.data(), s.attn.data(), n, shape, pool);
    nn::matmul(k, L.wo, s.attn.data(), n, s.proj.data(), pool, s.matmul);  // [n, d]

    // Feed-forward block (SwiGLU), kFfnRows tokens at a time.
    add_and_norm(s.x.data(), s.proj.data(), L.ffn_norm.data(), s.h.data(), n, d, hp.rms_eps, pool);
    const nn::MatmulJob gate_up[] = {
        {&L.w_gate, s.gate.data()},  // [m, n_ff]
        {&L.w_up, s.up.data()},      // [m, n_ff]
    };
    for (int64_t t0 = 0; t0 < n; t0 += kFfnRows) {
      const int64_t m = std::min(kFfnRows, n - t0);
      nn::matmuls(k, gate_up, s.h.data() + t0 * d, m, pool, s.matmul);
      pool.parallel_for(size_t(m), [&](size_t r0, size_t r1, int) {
        float* g = s.gate.data() + r0 * size_t(hp.n_ff);
        k.silu_mul(g, s.up.data() + r0 * size_t(hp.n_ff), g, int64_t(r1 - r0) * hp.n_ff);
      });
      nn::matmul(k, L.w_down, s.gate.data(), m, s.proj.data() + t0 * d, pool, s.matmul);
    }
    pending = s.proj.data();
  }

  // Output: only the rows that ask for logits, gathered into h.
  int64_t count = 0;
  for (int64_t t = 0; t < n; ++t) {
    if (!batch[size_t(t)].logits) continue;
    if (pending) {
      for (int64_t i = t * d; i < (t + 1) * d; ++i) s.x[size_t(i)] += pending[i];
    }
    nn::rms_norm(s.x.data() + t * d, model.output_norm().data(), s.h.data() + count * d, 1, d,
                 hp.rms_eps);
    ++count;
  }
  if (count > 0) nn::matmul(k, model.output(), s.h.data(), count, logits, pool, s.matmul);
}

TextState make_text_state(const TextModel& model, int64_t n_ctx, int64_t n_batch, DType kv_type) {
  TextState s;
  s.kv = make_kv_cache(model, n_ctx, kv_type);
  s.scratch = make_text_scratch(model, n_batch, n_ctx);
  s.batch.reserve(size_t(n_batch));
  s.logits.resize(size_t(model.n_vocab()));
  return s;
}

void text_forward(const TextModel& model, TextState& s, const int32_t* tokens, int64_t n,
                  int64_t pos0, float* all_logits, ThreadPool& pool) {
  s.batch.clear();
  for (int64_t t = 0; t < n; ++t) {
    s.batch.push_back({tokens[t], 0, pos0 + t, all_logits != nullptr || t == n - 1});
  }
  KvCache* cache = &s.kv;
  const size_t n_vocab = size_t(model.n_vocab());
  if (all_logits) {
    text_forward_batch(model, s.scratch, s.batch, std::span<KvCache* const>(&cache, 1), all_logits,
                       pool);
    std::memcpy(s.logits.data(), all_logits + size_t(n - 1) * n_vocab, sizeof(float) * n_vocab);
  } else {
    text_forward_batch(model, s.scratch, s.batch, std::span<KvCache* const>(&cache, 1),
                       s.logits.data(), pool);
  }
}

}  // namespace omni
