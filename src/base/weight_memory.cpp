#include "base/weight_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace omni {

StatusOr<WeightMemory> WeightMemory::allocate(size_t bytes) {
  WeightMemory m;
  if (bytes == 0) return m;
  constexpr size_t kHugePage = size_t(2) << 20;
  const size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  // Map one huge page more and trim, so that the memory starts on a huge-page boundary.
  void* p =
      mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return IoError("cannot map %zu bytes for weights: %s", bytes, std::strerror(errno));
  }
  uint8_t* base = static_cast<uint8_t*>(p);
  const size_t lead = (kHugePage - reinterpret_cast<uintptr_t>(base) % kHugePage) % kHugePage;
  if (lead > 0) munmap(base, lead);
  if (kHugePage - lead > 0) munmap(base + lead + size, kHugePage - lead);
  m.data_ = base + lead;
  m.size_ = size;
  madvise(m.data_, m.size_, MADV_HUGEPAGE);  // advice: without it, ordinary pages
  return m;
}

WeightMemory::WeightMemory(WeightMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

WeightMemory& WeightMemory::operator=(WeightMemory&& other) noexcept {
  if (this != &other) {
    if (data_) munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

WeightMemory::~WeightMemory() {
  if (data_) munmap(data_, size_);
}

}  // namespace omni
