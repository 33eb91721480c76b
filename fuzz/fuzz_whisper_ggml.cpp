// libFuzzer target: any byte string given to the whisper.cpp ggml reader yields a file or a
// Status, and every accepted tensor, token and the mel filterbank lie inside the input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/whisper_ggml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  auto file = omni::WhisperGgmlFile::parse(bytes.data(), bytes.size(), "fuzz.bin");
  if (!file.ok()) return 0;
  volatile uint8_t sink = 0;
  for (const auto& t : file->tensors()) {
    const auto* p = static_cast<const uint8_t*>(t.view.data);
    const size_t n = t.view.n_bytes();
    if (n) sink = sink ^ p[0] ^ p[n - 1];  // first and last byte must be readable
  }
  for (const auto& token : file->tokens()) sink = sink ^ uint8_t(token.size());
  if (file->mel_filters().size() != size_t(file->mel_n_mels()) * size_t(file->mel_n_bins())) {
    __builtin_trap();
  }
  return 0;
}
