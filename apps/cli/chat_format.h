// Helpers of `omni run --chat`.
#pragma once

#include <string>
#include <vector>

#include "engine/chat.h"
#include "engine/generate.h"

namespace omni::cli {

inline StatusOr<std::string> render_chat_prompt(const TextModel& model,
                                                const std::vector<ChatMessage>& messages) {
  return render_chat(model, messages, true);
}

// Reads user turns from standard input until end of file; the session keeps the conversation, so
// each turn evaluates only its new tokens (reported on stderr).
int run_interactive_chat(const TextModel& model, TextSession& session, const SamplingParams& sp,
                         const GenerateOptions& go);

}  // namespace omni::cli
