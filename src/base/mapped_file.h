// A read-only memory map of a whole file. Model weights are viewed in place, never copied (or
// copied once into a faster layout, after which their pages are released).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace omni {

class MappedFile {
 public:
  static StatusOr<MappedFile> open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }  // nullptr for an empty file
  // Gives back the memory of the whole pages within [offset, offset + n), bytes the caller is done
  // with: they leave the process's resident set (and are read from the file again if touched).
  void release(size_t offset, size_t n);
  // release() of n bytes at p; nothing when they do not lie within this map.
  void release_bytes(const void* p, size_t n);
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole (small) file into a string: config.json, text fixtures.
StatusOr<std::string> read_file_to_string(const std::string& path);
// Writes bytes to `path` via a temporary file renamed into place, so that a failed write never
// leaves a half-written file under the final name.
Status write_file_atomic(const std::string& path, const void* data, size_t size);

}  // namespace omni
