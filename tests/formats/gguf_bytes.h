// Builds GGUF byte images by hand, field by field, so tests can write exactly the malformed
// files they need (the project's writer only writes valid ones).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace omni::test {

struct GgufBytes {
  std::vector<uint8_t> b;
  template <typename T>
  GgufBytes& pod(T v) {
    const size_t at = b.size();
    b.resize(at + sizeof(T));
    std::memcpy(&b[at], &v, sizeof(T));
    return *this;
  }
  GgufBytes& str(const std::string& s) {
    pod<uint64_t>(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  GgufBytes& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    b.insert(b.end(), {'G', 'G', 'U', 'F'});
    return pod<uint32_t>(version).pod<uint64_t>(n_tensors).pod<uint64_t>(n_kv);
  }
  GgufBytes& kv_u32(const std::string& key, uint32_t v) {
    return str(key).pod<uint32_t>(4).pod<uint32_t>(v);
  }
  GgufBytes& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type,
                    uint64_t offset) {
    str(name).pod<uint32_t>(uint32_t(ne.size()));
    for (uint64_t n : ne) pod<uint64_t>(n);
    return pod<uint32_t>(type).pod<uint64_t>(offset);
  }
  GgufBytes& align(size_t a = 32) {
    while (b.size() % a) b.push_back(0);
    return *this;
  }
  GgufBytes& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

}  // namespace omni::test
