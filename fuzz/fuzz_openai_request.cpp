// Fuzzes the OpenAI request parsers (chat and legacy completions): any bytes give a request or an
// error naming the problem, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/openai_requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto chat = omni::server::parse_chat_completion_request(body);
  if (auto* e = std::get_if<omni::server::ApiError>(&chat)) {
    if (e->message.empty()) __builtin_trap();  // every error says what is wrong
  }
  auto text = omni::server::parse_text_completion_request(body, 1000);
  if (auto* e = std::get_if<omni::server::ApiError>(&text)) {
    if (e->message.empty()) __builtin_trap();
  }
  return 0;
}
