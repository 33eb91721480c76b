#include "models/audio/whisper/whisper_decoder.h"

#include <algorithm>

#include "models/audio/whisper/whisper_ops.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

using whisper::attention;
using whisper::Compute;
using whisper::gelu;
using whisper::layer_norm;
using whisper::linear;
using whisper::rows_to_planes;

}  // namespace

WhisperSpecialTokens whisper_special_tokens(const WhisperHparams& h) {
  const bool multilingual = h.n_vocab >= 51865;
  const int32_t n_languages = h.n_vocab - 51765 - (multilingual ? 1 : 0);
  WhisperSpecialTokens t;
  t.eot = multilingual ? 50257 : 50256;
  t.sot = t.eot + 1;
  t.translate = t.sot + 1 + n_languages;
  t.transcribe = t.translate + 1;
  t.no_timestamps = t.translate + 5;
  t.timestamp_begin = t.translate + 6;
  t.prev = t.translate + 3;
  t.no_speech = t.translate + 4;
  t.n_languages = n_languages;
  t.multilingual = multilingual;
  return t;
}

WhisperDecoderState::WhisperDecoderState(const WhisperModel& model) {
  const WhisperHparams& h = model.hparams();
  const size_t n = size_t(h.n_text_state);
  width_ = h.n_text_state;
  self_k_.assign(size_t(h.n_text_layer), std::vector<float>(size_t(h.n_text_ctx) * n));
  self_v_ = self_k_;
}

void WhisperDecoderState::copy_context_from(const WhisperDecoderState& other) {
  if (&other == this) return;
  const size_t used = size_t(other.n_past_) * size_t(width_);
  for (size_t l = 0; l < self_k_.size(); ++l) {
    std::copy_n(other.self_k_[l].data(), used, self_k_[l].data());
    std::copy_n(other.self_v_[l].data(), used, self_v_[l].data());
  }
  n_past_ = other.n_past_;
  has_audio_ = other.has_audio_;
  cross_ = other.cross_;
}

Status whisper_decoder_set_audio(const WhisperModel& model, const std::vector<float>& encoded,
                                 WhisperDecoderState& state, ThreadPool& pool) {
  const WhisperHparams& h = model.hparams();
  if (h.n_audio_state != h.n_text_state) {
    return Unsupported("audio width %d differs from text width %d", h.n_audio_state,
                       h.n_text_state);
  }
  if (encoded.size() != size_t(h.n_audio_ctx) * size_t(h.n_audio_state)) {
    return InvalidArgument("encoder output of %zu values, expected %d x %d", encoded.size(),
                           h.n_audio_ctx, h.n_audio_state);
  }
  Compute c{select_kernels(), pool, {}};
  auto cross = std::make_shared<WhisperDecoderState::Cross>();
  const size_t size = size_t(h.n_audio_ctx) * size_t(h.n_text_state);
  cross->k.assign(model.decoder.size(), std::vector<float>(size));
  cross->v = cross->k;
  std::vector<float> rows(size);  // [n_audio_ctx, n_text_state]
  const int64_t d = h.n_text_state / h.n_text_head;
  for (size_t l = 0; l < model.decoder.size(); ++l) {
    const WhisperLayer& layer = model.decoder[l];
    linear(c, layer.ck_w, nullptr, encoded.data(), h.n_audio_ctx, rows.data());
    rows_to_planes(pool, rows.data(), h.n_audio_ctx, h.n_text_head, d, cross->k[l].data());
    linear(c, layer.cv_w, &layer.cv_b, encoded.data(), h.n_audio_ctx, rows.data());
    rows_to_planes(pool, rows.data(), h.n_audio_ctx, h.n_text_head, d, cross->v[l].data());
  }
  state.cross_ = std::move(cross);
  state.n_past_ = 0;
  state.has_audio_ = true;
  return Status::Ok();
}

StatusOr<std::vector<float>> whisper_decode(const WhisperModel& model, WhisperDecoderState& state,
                                            const std::vector<int32_t>& tokens, ThreadPool& pool) {
  const WhisperHparams& h = model.hparams();
  const int64_t n = h.n_text_state, n_tok = int64_t(tokens.size());
  if (!state.has_audio_) return InvalidArgument("the decoder has no encoded audio");
  if (n_tok == 0) return InvalidArgument("no tokens to decode");
  if (state.n_past_ + n_tok > h.n_text_ctx) {
    return OutOfRange("%lld tokens do not fit in the decoder's context of %d",
                      (long long)(state.n_past_ + n_tok), h.n_text_ctx);
  }
  for (int32_t t : tokens) {
    if (t < 0 || t >= h.n_vocab) return InvalidArgument("token %d is outside the vocabulary", t);
  }
  Compute c{select_kernels(), pool, {}};
  const TensorView& emb = model.token_embedding;
  std::vector<float> x(size_t(n_tok * n)), a(x.size()), q(x.size()), o(x.size());
  std::vector<float> mlp(size_t(n_tok * 4 * n));
  const float* pos = static_cast<const float*>(model.dec_pos.data);
  for (int64_t i = 0; i < n_tok; ++i) {
    float* xi = x.data() + i * n;
    dequantize_row_ref(emb.type, emb.row(tokens[size_t(i)]), xi, n);
    for (int64_t j = 0; j < n; ++j) xi[j] += pos[(state.n_past_ + i) * n + j];
  }
  const int64_t d = n / h.n_text_head;
  const int64_t n_kv = state.n_past_ + n_tok;
  for (size_t l = 0; l < model.decoder.size(); ++l) {
    const WhisperLayer& layer = model.decoder[l];
    float* k_cache = state.self_k_[l].data();
    float* v_cache = state.self_v_[l].data();
    layer_norm(x.data(), layer.attn_ln_w, layer.attn_ln_b, a.data(), n_tok, n);
    linear(c, layer.q_w, &layer.q_b, a.data(), n_tok, q.data());
    linear(c, layer.k_w, nullptr, a.data(), n_tok, k_cache + state.n_past_ * n);
    linear(c, layer.v_w, &layer.v_b, a.data(), n_tok, v_cache + state.n_past_ * n);
    attention(pool, q.data(), k_cache, v_cache, o.data(), n_tok, n_kv, h.n_text_head, d, true);
    linear(c, layer.o_w, &layer.o_b, o.data(), n_tok, a.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += a[i];

    layer_norm(x.data(), layer.cross_ln_w, layer.cross_ln_b, a.data(), n_tok, n);
    linear(c, layer.cq_w, &layer.cq_b, a.data(), n_tok, q.data());
    attention(pool, q.data(), state.cross_->k[l].data(), state.cross_->v[l].data(), o.data(), n_tok,
              h.n_audio_ctx, h.n_text_head, d, false, /*kv_planes=*/true);
    linear(c, layer.co_w, &layer.co_b, o.data(), n_tok, a.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += a[i];

    layer_norm(x.data(), layer.mlp_ln_w, layer.mlp_ln_b, a.data(), n_tok, n);
    linear(c, layer.mlp0_w, &layer.mlp0_b, a.data(), n_tok, mlp.data());
    gelu(mlp.data(), int64_t(mlp.size()));
    linear(c, layer.mlp2_w, &layer.mlp2_b, mlp.data(), n_tok, a.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += a[i];
  }
  layer_norm(x.data(), model.dec_ln_w, model.dec_ln_b, x.data(), n_tok, n);
  std::vector<float> logits(size_t(n_tok) * size_t(h.n_vocab));
  linear(c, emb, nullptr, x.data(), n_tok, logits.data());
  state.n_past_ += n_tok;
  return logits;
}

StatusOr<std::vector<int32_t>> whisper_greedy(const WhisperModel& model,
                                              const std::vector<float>& encoded, int max_tokens,
                                              ThreadPool& pool) {
  const WhisperSpecialTokens sp = whisper_special_tokens(model.hparams());
  WhisperDecoderState state(model);
  OMNI_RETURN_IF_ERROR(whisper_decoder_set_audio(model, encoded, state, pool));
  std::vector<int32_t> next = {sp.sot, sp.language(0), sp.transcribe, sp.no_timestamps};
  std::vector<int32_t> out;
  const int64_t room = model.hparams().n_text_ctx / 2;  // whisper's sample_len
  while (int(out.size()) < max_tokens && state.n_past() + int64_t(next.size()) <= room) {
    OMNI_ASSIGN_OR_RETURN(std::vector<float> logits, whisper_decode(model, state, next, pool));
    const float* last = logits.data() + (next.size() - 1) * size_t(model.hparams().n_vocab);
    // Text tokens and <|endoftext|> only (the other special tokens are suppressed).
    const int32_t best = int32_t(std::max_element(last, last + sp.eot + 1) - last);
    if (best == sp.eot) break;
    out.push_back(best);
    next = {best};
  }
  return out;
}

std::string whisper_detokenize(const WhisperModel& model, const std::vector<int32_t>& ids) {
  std::string text;
  for (int32_t id : ids) {
    if (id >= 0 && size_t(id) < model.tokens().size()) text += model.tokens()[size_t(id)];
  }
  return text;
}

}  // namespace omni
