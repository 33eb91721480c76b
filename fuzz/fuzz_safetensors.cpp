// libFuzzer target: any byte string given to the safetensors parser yields a file or a Status,
// and every accepted tensor lies inside the input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  auto file = omni::SafetensorsFile::parse(bytes.data(), bytes.size(), "fuzz.safetensors");
  if (!file.ok()) return 0;
  volatile uint8_t sink = 0;
  for (const auto& t : file->tensors()) {
    const auto* p = static_cast<const uint8_t*>(t.view.data);
    const size_t n = t.view.n_bytes();
    if (n) sink = sink ^ p[0] ^ p[n - 1];  // first and last byte must be readable
  }
  return 0;
}
