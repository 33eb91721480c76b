// Hugging Face safetensors: u64 header length N, N bytes of JSON
//   {"name": {"dtype": "F16", "shape": [rows, cols], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value"}}
// then the data; offsets are relative to the end of the header. Shapes in the file are
// outermost-first; views here follow the project's convention (ne[0] innermost), so a file's
// [4864, 896] becomes ne = {896, 4864}.
//
// A model directory holds model.safetensors, or shards listed in model.safetensors.index.json,
// plus config.json (kept as text here; parsing it is the model loader's job).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "tensor/tensor.h"

namespace omni {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;           // as written in the file: "F32", "F16", "BF16"
  std::vector<int64_t> shape;  // as written in the file, outermost first
  TensorView view;             // ne innermost-first, data in the mapped file
};

class SafetensorsFile {
 public:
  static StatusOr<SafetensorsFile> open(const std::string& path);
  // Parses caller-owned bytes that must outlive the result.
  static StatusOr<SafetensorsFile> parse(const uint8_t* data, size_t size,
                                         const std::string& label);

  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  // Gives the pages of a tensor's data in this file back to the page cache (after the data was
  // copied elsewhere); they read back from the file if touched again. No-op for parsed bytes.
  void release_data(const TensorView& t);
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& label() const { return label_; }

 private:
  MappedFile file_;
  std::string label_;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// All tensors of a model directory (or of a single .safetensors file) and its config.json.
class SafetensorsModel {
 public:
  // `path` is a directory (model.safetensors or model.safetensors.index.json inside) or a
  // .safetensors file; config.json is read from the same directory when present.
  static StatusOr<SafetensorsModel> open(const std::string& path);

  const std::string& config_json() const { return config_json_; }  // empty if none
  std::vector<const SafetensorsTensor*> tensors() const;
  const SafetensorsTensor* find(std::string_view name) const;
  // SafetensorsFile::release_data in whichever file holds t.
  void release_data(const TensorView& t);
  size_t n_files() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::string config_json_;
};

// One tensor to write: F32, F16 or BF16 data of `shape` (outermost first, as the file stores it).
struct SafetensorsTensorData {
  std::string name;
  DType type;
  std::vector<int64_t> shape;
  const void* data;
};

// Writes a .safetensors file (header padded to 8 bytes, tensors in the given order).
Status write_safetensors(const std::string& path, const std::vector<SafetensorsTensorData>& tensors,
                         const std::map<std::string, std::string>& metadata = {});

}  // namespace omni
