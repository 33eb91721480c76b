#include <cstdio>
#include <iostream>

#include "chat_format.h"

namespace omni::cli {

int run_interactive_chat(const TextModel& model, TextSession& session, const SamplingParams& sp,
                         const GenerateOptions& go) {
  std::vector<ChatMessage> messages;
  Sampler sampler(sp);
  std::string line;
  std::fprintf(stderr, "chat: type a message and press enter; end with Ctrl-D\n");
  while (true) {
    std::fprintf(stderr, "> ");
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    messages.push_back({"user", line});
    auto rendered = render_chat(model, messages, true);
    if (!rendered.ok()) {
      std::fprintf(stderr, "omni: error: %s\n", rendered.status().to_string().c_str());
      return 1;
    }
    const std::vector<int32_t> prompt = encode_prompt(*model.tokenizer(), *rendered, true);
    auto result =
        generate(session, prompt, sampler, go, [](std::string_view text, const TokenChoice&) {
          std::fwrite(text.data(), 1, text.size(), stdout);
          std::fflush(stdout);
          return true;
        });
    if (!result.ok()) {
      std::fprintf(stderr, "\nomni: error: %s\n", result.status().to_string().c_str());
      return 1;
    }
    std::printf("\n");
    std::fprintf(stderr,
                 "[turn: %lld tokens reused from the session, %lld evaluated, %zu generated]\n",
                 (long long)result->prompt.reused, (long long)result->prompt.evaluated,
                 result->steps.size());
    messages.push_back({"assistant", result->text});
  }
  return 0;
}

}  // namespace omni::cli
