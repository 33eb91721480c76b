#include "engine/generate.h"

#include <algorithm>

#include "tokenizers/unicode.h"

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
  size_t max_stop = 0;
  for (const auto& s : o.stop) max_stop = std::max(max_stop, s.size());
  std::string text;    // everything generated so far
  size_t emitted = 0;  // bytes of `text` handed to the callback
  StreamingDecoder decoder(*tok);
  bool cancelled = false;
  auto emit_up_to = [&](size_t end, const TokenChoice& step) {
    if (end > emitted) {
      if (on_text && !on_text(std::string_view(text).substr(emitted, end - emitted), step))
        cancelled = true;
      emitted = end;
    }
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
    if (tok) text += decoder.push(step.id);
    // A stop string ends the text where it starts.
    size_t cut = std::string::npos;
    for (const auto& s : o.stop) {
      if (s.empty()) continue;
      const size_t from = emitted >= s.size() ? emitted - s.size() + 1 : 0;
      const size_t at = text.find(s, from);
      if (at != std::string::npos) cut = std::min(cut, at);
    }
    if (cut != std::string::npos) {
      text.resize(cut);
      emit_up_to(cut, step);
      r.finish_reason = "stop";
      break;
    }
    // Hold back what could still begin a stop string, without splitting a character.
    size_t safe = text.size() >= max_stop ? text.size() - (max_stop ? max_stop - 1 : 0) : 0;
    safe = unicode::complete_utf8_prefix(std::string_view(text).substr(0, safe));
    emit_up_to(std::max(safe, emitted), step);
    if (cancelled) {
      r.finish_reason = "stop";
      break;
    }
    const int32_t id = step.id;
    auto appended = session.append(std::span<const int32_t>(&id, 1));
    if (!appended.ok()) return appended.status();
  }
  if (tok && r.finish_reason == "length") text += decoder.flush();
  if (!r.steps.empty()) emit_up_to(text.size(), r.steps.back());
  r.text = text;
  return r;
}

}  // namespace omni
