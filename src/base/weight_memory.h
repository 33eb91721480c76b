// Anonymous memory for weights rewritten after loading (tensor/interleave.h): page-aligned,
// backed by transparent huge pages where the system allows (fewer page faults while it is
// filled, fewer TLB misses while decode streams through it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"

namespace omni {

class WeightMemory {
 public:
  static StatusOr<WeightMemory> allocate(size_t bytes);
  WeightMemory() = default;
  WeightMemory(WeightMemory&& other) noexcept;
  WeightMemory& operator=(WeightMemory&& other) noexcept;
  WeightMemory(const WeightMemory&) = delete;
  WeightMemory& operator=(const WeightMemory&) = delete;
  ~WeightMemory();

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;  // as mapped: a multiple of the huge page size
};

}  // namespace omni
