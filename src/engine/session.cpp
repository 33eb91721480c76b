#include "engine/session.h"

#include <algorithm>

namespace omni {

TextSession::TextSession(const TextModel& model, const SessionOptions& o, ThreadPool& pool)
    : model_(model), pool_(pool) {
  const int64_t n_ctx = std::max<int64_t>(1, std::min(o.n_ctx, model.hparams().n_ctx_train));
  state_ =
      make_text_state(model, n_ctx, std::max<int64_t>(1, std::min(o.n_batch, n_ctx)), o.kv_type);
}

Status TextSession::evaluate(std::span<const int32_t> tokens, int64_t pos0,
                             std::vector<float>* all_logits) {
  const int64_t n_vocab = model_.n_vocab();
  for (int32_t t : tokens) {
    if (t < 0 || t >= n_vocab)
      return InvalidArgument("token id %d is outside the vocabulary (0..%lld)", t,
                             (long long)n_vocab - 1);
  }
  for (size_t done = 0; done < tokens.size();) {
    const size_t n = std::min<size_t>(size_t(state_.n_batch()), tokens.size() - done);
    float* out = nullptr;
    if (all_logits) {
      const size_t at = all_logits->size();
      all_logits->resize(at + n * size_t(n_vocab));
      out = all_logits->data() + at;
    }
    text_forward(model_, state_, tokens.data() + done, int64_t(n), pos0 + int64_t(done), out,
                 pool_);
    done += n;
  }
  return Status::Ok();
}

StatusOr<EvalStats> TextSession::set_tokens(std::span<const int32_t> tokens,
                                            std::vector<float>* all_logits) {
  if (tokens.empty()) return InvalidArgument("no tokens to evaluate");
  if (int64_t(tokens.size()) > state_.n_ctx()) {
    return OutOfRange(
        "context_length_exceeded: %zu tokens do not fit in the context of %lld tokens; shorten the "
        "conversation or "
        "start the session with a larger context",
        tokens.size(), (long long)state_.n_ctx());
  }
  size_t keep = 0;
  while (keep < tokens_.size() && keep < tokens.size() && tokens_[keep] == tokens[keep]) ++keep;
  if (keep == tokens.size()) --keep;  // re-evaluate the last token for its logits
  OMNI_RETURN_IF_ERROR(evaluate(tokens.subspan(keep), int64_t(keep), all_logits));
  tokens_.assign(tokens.begin(), tokens.end());
  return EvalStats{int64_t(keep), int64_t(tokens.size() - keep)};
}

StatusOr<EvalStats> TextSession::append(std::span<const int32_t> tokens) {
  if (tokens.empty()) return EvalStats{int64_t(tokens_.size()), 0};
  if (int64_t(tokens_.size() + tokens.size()) > state_.n_ctx()) {
    return OutOfRange(
        "context_length_exceeded: %zu more tokens do not fit after %zu in the context of %lld "
        "tokens",
        tokens.size(), tokens_.size(), (long long)state_.n_ctx());
  }
  OMNI_RETURN_IF_ERROR(evaluate(tokens, int64_t(tokens_.size()), nullptr));
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  return EvalStats{int64_t(tokens_.size() - tokens.size()), int64_t(tokens.size())};
}

}  // namespace omni
