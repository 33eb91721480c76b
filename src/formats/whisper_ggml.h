// whisper.cpp's ggml model format (ggml-tiny.bin, ggml-base.en-q5_1.bin, ...). Layout, all
// little-endian, no padding anywhere:
//   u32 magic 0x67676d6c ("ggml" read as a little-endian u32; the bytes are "lmgg")
//   i32 hparams x 11: n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer n_text_ctx
//                     n_text_state n_text_head n_text_layer n_mels ftype
//       (ftype = weight type + 1000 * quantization version)
//   i32 n_mel, i32 n_bins, f32 mel filters [n_bins, n_mel] (row m: mel bin m over FFT bins)
//   i32 n_tokens, n_tokens x { u32 length, bytes }   (the text tokens; the special tokens
//       <|endoftext|> .. timestamps follow implicitly up to n_vocab)
//   tensors until the end of the file: i32 n_dims, i32 name length, i32 ggml type,
//       i32 ne[n_dims] (innermost first, as in this project), name bytes, then the data
//       (row_bytes(type, ne[0]) * rows bytes).
//
// The reader validates everything: a malformed file gives a Status naming the file, the problem
// and the byte offset, never a crash or a read outside the file. Tensor data is viewed in place.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "tensor/tensor.h"

namespace omni {

inline constexpr uint32_t kWhisperGgmlMagic = 0x67676d6c;

struct WhisperHparams {
  int32_t n_vocab = 0;
  int32_t n_audio_ctx = 0;
  int32_t n_audio_state = 0;
  int32_t n_audio_head = 0;
  int32_t n_audio_layer = 0;
  int32_t n_text_ctx = 0;
  int32_t n_text_state = 0;
  int32_t n_text_head = 0;
  int32_t n_text_layer = 0;
  int32_t n_mels = 0;
  int32_t ftype = 0;        // weight type of the 2-D tensors (0 f32, 1 f16, 2 q4_0, ...)
  int32_t qnt_version = 0;  // quantization format version (ftype / 1000 in the file)
};

struct WhisperGgmlTensor {
  std::string name;     // "encoder.blocks.0.attn.query.weight"
  uint64_t offset = 0;  // of the data, from the start of the file
  TensorView view;      // shape, type, and data in the mapped file
};

class WhisperGgmlFile {
 public:
  static StatusOr<WhisperGgmlFile> open(const std::string& path);
  // Parses caller-owned bytes that must outlive the result; `label` names them in errors.
  static StatusOr<WhisperGgmlFile> parse(const uint8_t* data, size_t size,
                                         const std::string& label);

  const std::string& label() const { return label_; }
  const WhisperHparams& hparams() const { return hparams_; }
  int mel_n_mels() const { return mel_n_mels_; }
  int mel_n_bins() const { return mel_n_bins_; }
  const std::vector<float>& mel_filters() const { return mel_filters_; }  // [n_bins, n_mels]
  const std::vector<std::string>& tokens() const { return tokens_; }      // token bytes by id
  const std::vector<WhisperGgmlTensor>& tensors() const { return tensors_; }
  const WhisperGgmlTensor* find_tensor(std::string_view name) const;  // nullptr if absent

 private:
  MappedFile file_;
  std::string label_;
  WhisperHparams hparams_;
  int mel_n_mels_ = 0;
  int mel_n_bins_ = 0;
  std::vector<float> mel_filters_;
  std::vector<std::string> tokens_;
  std::vector<WhisperGgmlTensor> tensors_;
};

// Builds a whisper.cpp ggml file; tensor bytes come from a callback, one tensor at a time, so a
// large model never sits in memory whole.
class WhisperGgmlWriter {
 public:
  // Fills exactly row_bytes(type, ne[0]) * rows bytes.
  using Producer = std::function<Status(uint8_t* out, size_t n_bytes)>;

  WhisperHparams hparams;  // ftype and qnt_version are written as ftype + 1000 * qnt
  int mel_n_mels = 0;      // the filterbank: [mel_n_bins, mel_n_mels]
  int mel_n_bins = 0;
  std::vector<float> mel_filters;
  std::vector<std::string> tokens;

  // ne is innermost-first, 1 to 4 dimensions.
  Status add_tensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                    Producer produce);
  // Writes to `path` through a temporary file renamed into place.
  Status write(const std::string& path) const;

 private:
  struct Pending {
    std::string name;
    DType type;
    std::vector<int64_t> ne;
    Producer produce;
  };
  std::vector<Pending> tensors_;
};

}  // namespace omni
