// libFuzzer target: any byte string given to the GGUF parser yields a file or a Status, and
// every tensor of an accepted file can be dequantized without reading outside the input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/gguf.h"
#include "kernels/kernels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy, so AddressSanitizer sees any read past the end.
  std::vector<uint8_t> bytes(data, data + size);
  auto file = omni::GgufFile::parse(bytes.data(), bytes.size(), "fuzz.gguf");
  if (!file.ok()) return 0;
  for (const auto& [key, value] : file->metadata()) (void)value.summary();
  const omni::KernelTable& k = omni::reference_kernels();
  std::vector<float> row;
  for (const auto& t : file->tensors()) {
    const auto dq = k.dequantize[uint32_t(t.view.type)];
    if (!dq || t.view.ne[0] > (1 << 20)) continue;
    row.resize(size_t(t.view.ne[0]));
    for (int64_t r = 0; r < t.view.n_rows() && r < 64; ++r) {
      dq(static_cast<const uint8_t*>(t.view.data) + size_t(r) * t.view.nb[1], row.data(),
         t.view.ne[0]);
    }
  }
  return 0;
}
