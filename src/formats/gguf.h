// GGUF: the model file format of the ggml ecosystem (llama.cpp, whisper.cpp). Layout:
//   "GGUF" u32 version  u64 n_tensors  u64 n_kv
//   n_kv       x { string key, u32 value type, value }
//   n_tensors  x { string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset }
//   padding to general.alignment (default 32), then the data section; each tensor's data starts
//   at data_start + offset, offsets being multiples of the alignment.
// Strings are u64 length + bytes (no terminator). Everything is little-endian.
//
// The reader validates everything before use: a malformed file gives a Status naming the file and
// the problem, never a crash or a read outside the file. Tensor data is viewed in the mmap.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "formats/gguf_value.h"
#include "tensor/tensor.h"

namespace omni {

inline constexpr uint32_t kGgufDefaultAlignment = 32;

struct GgufTensorInfo {
  std::string name;
  uint64_t offset = 0;  // from the start of the data section
  TensorView view;      // shape, type, and data pointing into the file
};

class GgufFile {
 public:
  // Maps the file and parses it.
  static StatusOr<GgufFile> open(const std::string& path);
  // Parses bytes owned by the caller (they must outlive the result). `label` names the input in
  // error messages.
  static StatusOr<GgufFile> parse(const uint8_t* data, size_t size, const std::string& label);

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the data section in the file
  const std::string& label() const { return label_; }

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* find(std::string_view key) const;  // nullptr if absent
  // Typed lookups with errors that name the file and key.
  StatusOr<std::string> get_string(std::string_view key) const;
  StatusOr<int64_t> get_int(std::string_view key) const;   // any integer type
  StatusOr<double> get_float(std::string_view key) const;  // float32/64 (or an integer)
  int64_t get_int_or(std::string_view key, int64_t fallback) const;
  double get_float_or(std::string_view key, double fallback) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  // Releases the mapped pages under `t`, a view of one of this file's tensors whose bytes have
  // been copied elsewhere (tensor/interleave.h): they leave the resident set. No-op for parse()d
  // bytes.
  void release_data(const TensorView& t);

  // Frees the parsed metadata (a vocabulary's token and merge arrays run to tens of MiB), and
  // the mapped pages it was parsed from, once a loader has taken what it needs; the tensors stay
  // mapped and described.
  void release_metadata();

 private:
  MappedFile file_;
  std::string label_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<GgufTensorInfo> tensors_;
};

// Builds a GGUF file: metadata in insertion order, then tensors whose bytes are produced one at a
// time by a callback (so a multi-gigabyte model never has to sit in memory whole).
class GgufWriter {
 public:
  // Fills exactly row_bytes(type, ne[0]) * rows bytes.
  using Producer = std::function<Status(uint8_t* out, size_t n_bytes)>;

  void set(const std::string& key, GgufValue value);  // replaces an existing key in place
  void erase(const std::string& key);
  const GgufValue* find(std::string_view key) const;
  // A power of two; written as general.alignment unless it is the default.
  void set_alignment(uint32_t alignment) { alignment_ = alignment; }

  // ne is innermost-first (ne[0] = row length), as everywhere in this project.
  Status add_tensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                    Producer produce);
  size_t n_tensors() const { return tensors_.size(); }

  // Writes to `path` (through a temporary file renamed into place). Progress is logged when
  // `progress_label` is not empty.
  Status write(const std::string& path, const char* progress_label = nullptr) const;

 private:
  struct Pending {
    std::string name;
    DType type;
    std::vector<int64_t> ne;
    size_t n_bytes;
    Producer produce;
  };
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Pending> tensors_;
  uint32_t alignment_ = kGgufDefaultAlignment;
};

}  // namespace omni
