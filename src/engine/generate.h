// The generation loop: evaluate a prompt in a session (reusing its cached prefix), then sample and
// append tokens until an end-of-generation token, a stop string, or the token limit. Text is
// streamed through a callback as it becomes final: never part of a UTF-8 character, and never
// text that might still turn out to be the start of a stop string.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sampler.h"
#include "engine/session.h"

namespace omni {

struct GenerateOptions {
  int max_tokens = 256;           // < 0: until the context is full
  std::vector<std::string> stop;  // generation ends before the first occurrence (not emitted)
  bool stop_at_end_of_generation = true;
};

struct GenerateResult {
  std::vector<TokenChoice> steps;
  std::string text;
  std::string finish_reason;  // "stop" (end token or stop string) or "length"
  EvalStats prompt;           // prefix reuse of the prompt evaluation
};

// Called with each piece of final text; return false to stop (the result then says "stop").
using TokenCallback = std::function<bool(std::string_view text, const TokenChoice& step)>;

StatusOr<GenerateResult> generate(TextSession& session, std::span<const int32_t> prompt,
                                  Sampler& sampler, const GenerateOptions& options,
                                  const TokenCallback& on_text = nullptr);

// Whether `id` ends a reply: the vocabulary's EOS or a control token that templates use to close
// a turn (<|im_end|>, <|eot_id|>, <|end|>, <end_of_turn>, <|endoftext|>, ...).
bool is_end_of_generation(const Tokenizer& tokenizer, int32_t id);

}  // namespace omni
