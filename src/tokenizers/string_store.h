// Strings stored end to end in one buffer and addressed by index: a vocabulary's texts in about a
// third of the memory of a std::vector<std::string>, whose 32-byte string objects outweigh the
// short texts of most tokens.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace omni {

class StringStore {
 public:
  // The most bytes a store holds: offsets are 32-bit.
  static constexpr size_t kMaxBytes = UINT32_MAX;

  void reserve(size_t n_strings, size_t n_bytes) {
    ends_.reserve(n_strings);
    blob_.reserve(n_bytes);
  }
  // Appends s as string size(). Views returned earlier may dangle afterwards (the buffer grows);
  // build the store first, then take views.
  void push_back(std::string_view s) {
    assert(blob_.size() + s.size() <= kMaxBytes && "StringStore: more than 4 GiB of text");
    blob_.append(s);
    ends_.push_back(uint32_t(blob_.size()));
  }
  std::string_view operator[](size_t i) const {
    const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(blob_.data() + begin, ends_[i] - begin);
  }
  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  size_t bytes() const { return blob_.size(); }
  // Releases the buffers' unused capacity (after the last push_back).
  void shrink_to_fit() {
    blob_.shrink_to_fit();
    ends_.shrink_to_fit();
  }

 private:
  std::string blob_;
  std::vector<uint32_t> ends_;  // string i is blob_[ends_[i - 1] .. ends_[i]) (from 0 for i = 0)
};

}  // namespace omni
