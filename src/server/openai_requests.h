// OpenAI request bodies parsed into native types, at the edge: nothing below the server sees
// JSON. Errors name the offending parameter as the API does ("messages[1].content",
// "temperature", ...). Fields this server does not act on (metadata, store, service_tier, user,
// ...) are accepted and ignored, as unknown fields are, so newer SDKs keep working.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/chat.h"
#include "engine/sampler.h"
#include "server/api_error.h"

namespace omni::server {

// What chat and legacy completions share.
struct CompletionParams {
  std::string model;
  SamplingParams sampling;  // temperature, top_p, penalties, logit_bias, seed
  bool seed_given = false;
  int max_tokens = -1;            // -1: until the context is full
  std::vector<std::string> stop;  // at most 4
  int n = 1;
  bool logprobs = false;
  int top_logprobs = 0;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ChatCompletionRequest {
  CompletionParams params;
  std::vector<ChatMessage> messages;
};

struct TextCompletionRequest {
  CompletionParams params;
  // Each prompt is text or token ids.
  std::vector<std::variant<std::string, std::vector<int32_t>>> prompts;
  bool echo = false;
};

// Both return the request or the error to send (400, naming `param`).
std::variant<ChatCompletionRequest, ApiError> parse_chat_completion_request(
    const std::string& body);
std::variant<TextCompletionRequest, ApiError> parse_text_completion_request(const std::string& body,
                                                                            int32_t n_vocab);

}  // namespace omni::server
