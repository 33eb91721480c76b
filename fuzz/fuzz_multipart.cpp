// Fuzzes the multipart/form-data parser: the first line of the input is the Content-Type header,
// the rest the body. Any bytes give parts inside the body or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  const std::string_view type = eol == std::string_view::npos ? input : input.substr(0, eol);
  const std::string_view body =
      eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  auto parts = omni::server::parse_multipart(type, body);
  if (parts.ok()) {
    for (const auto& p : *parts) {
      // Every part lies inside the body.
      if (p.data.data() < body.data() || p.data.data() + p.data.size() > body.data() + body.size())
        __builtin_trap();
    }
  } else if (parts.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
