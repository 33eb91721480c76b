// Helpers shared by the unit tests.
#pragma once

#include <unistd.h>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "models/synth/synth.h"
#include "tensor/dtype.h"
#include "tensor/quantize.h"

namespace omni::test {

inline std::string tmp_path(const std::string& name) {
  return std::string(OMNI_TEST_TMP) + "/" + name;
}
// A path no other test process uses (ctest runs tests in parallel processes).
inline std::string process_tmp_path(const std::string& name) {
  return tmp_path(std::to_string(getpid()) + "-" + name);
}
inline std::string shared_data(const std::string& rel) {
  return std::string(OMNI_SHARED_DATA) + "/" + rel;
}

inline std::vector<float> random_floats(size_t n, uint64_t seed, float scale = 1.0f) {
  SynthRng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = scale * rng.normal();
  return v;
}

// n elements of `type` made by quantizing random floats (so every field is valid).
inline std::vector<uint8_t> random_row(DType type, int64_t n, uint64_t seed, float scale = 1.0f) {
  std::vector<float> x = random_floats(size_t(n), seed, scale);
  std::vector<uint8_t> out(row_bytes(type, n));
  Status s = quantize_row(type, x.data(), out.data(), n);
  if (!s.ok()) out.clear();
  return out;
}

inline uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

}  // namespace omni::test
