#include "engine/generate.h"

#include <algorithm>

#include "engine/text_stream.h"

namespace omni {

bool is_end_of_generation(const Tokenizer& t, int32_t id) {
  if (id == t.spec().eos_id) return true;
  if (id < 0 || id >= t.n_vocab() || t.spec().types[size_t(id)] != TokenType::kControl)
    return false;
  static const char* const kEnds[] = {
      "<|im_end|>",      "<|eot_id|>", "<|end|>",    "<end_of_turn>", "<|endoftext|>",
      "<|end_of_text|>", "</s>",       "<|return|>", "<|call|>",      "<｜end▁of▁sentence｜>"};
  const std::string_view text = t.token_bytes(id);
  return std::any_of(std::begin(kEnds), std::end(kEnds), [&](const char* e) { return text == e; });
}

StatusOr<GenerateResult> generate(TextSession& session, std::span<const int32_t> prompt,
                                  Sampler& sampler, const GenerateOptions& o,
                                  const TokenCallback& on_text) {
  GenerateResult r;
  OMNI_ASSIGN_OR_RETURN(r.prompt, session.set_tokens(prompt));
  const Tokenizer* tok = session.model().tokenizer();
  TextStream stream(tok, o.stop);
  bool cancelled = false, stop_string = false;
  std::string piece;
  auto deliver = [&](const TokenChoice& step) {
    if (!piece.empty() && on_text && !on_text(piece, step)) cancelled = true;
    piece.clear();
  };
  r.finish_reason = "length";
  for (int i = 0; o.max_tokens < 0 || i < o.max_tokens; ++i) {
    if (int64_t(session.tokens().size()) >= session.n_ctx()) break;  // context full: "length"
    const TokenChoice step = sampler.sample(session.logits(), session.tokens());
    r.steps.push_back(step);
    if (o.stop_at_end_of_generation && tok && is_end_of_generation(*tok, step.id)) {
      r.finish_reason = "stop";
      break;
    }
    stop_string = stream.push(step.id, &piece);
    deliver(step);
    if (stop_string || cancelled) {
      r.finish_reason = "stop";
      break;
    }
    const int32_t id = step.id;
    auto appended = session.append(std::span<const int32_t>(&id, 1));
    if (!appended.ok()) return appended.status();
  }
  // Nothing more will come: release what was held for a possible stop string or character.
  if (!stop_string && !cancelled && !r.steps.empty()) {
    stream.finish(&piece);
    deliver(r.steps.back());
  }
  r.text = stream.text();
  return r;
}

}  // namespace omni
