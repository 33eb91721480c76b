// A loaded Whisper model: hyperparameters, the mel filterbank, the token strings, and a view of
// every weight. Immutable once loaded; sessions share it. whisper.cpp's files do not align
// tensor data, so a tensor whose data is not 64-byte aligned in the mapped file is copied into
// owned aligned storage (elements are read as float/uint16 through typed pointers).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audio/mel.h"
#include "base/aligned_buffer.h"
#include "base/status.h"
#include "formats/safetensors.h"
#include "formats/whisper_ggml.h"
#include "models/audio/whisper/whisper_arch.h"
#include "tensor/tensor.h"

namespace omni {

struct WhisperLayer {
  // Self attention (all blocks) and cross attention (decoder blocks only).
  TensorView attn_ln_w, attn_ln_b;                      // [n]
  TensorView q_w, q_b, k_w, v_w, v_b, o_w, o_b;         // [n, n] / [n]
  TensorView cross_ln_w, cross_ln_b;                    // [n]
  TensorView cq_w, cq_b, ck_w, cv_w, cv_b, co_w, co_b;  // [n, n] / [n]
  TensorView mlp_ln_w, mlp_ln_b;                        // [n]
  TensorView mlp0_w, mlp0_b, mlp2_w, mlp2_b;            // [n, 4n] [4n] [4n, n] [n]
};

class WhisperModel {
 public:
  // Loads a whisper.cpp ggml file; every tensor must be present with its exact shape.
  static StatusOr<WhisperModel> load_ggml(const std::string& path);
  // Loads a Hugging Face checkpoint (a directory with config.json and model.safetensors, or
  // sharded safetensors); the filterbank is the Slaney one, the tokens come from vocab.json
  // when present.
  static StatusOr<WhisperModel> load_hf(const std::string& path);
  // A directory is a Hugging Face checkpoint, a file a whisper.cpp ggml file.
  static StatusOr<WhisperModel> load(const std::string& path);

  const WhisperHparams& hparams() const { return h_; }
  const MelFilterbank& mel_filters() const { return mel_; }
  const std::vector<std::string>& tokens() const { return tokens_; }

  TensorView enc_pos;                 // [n_audio_state, n_audio_ctx] f32
  TensorView conv1_w, conv1_b;        // [3, n_mels, n] ; [1, n]
  TensorView conv2_w, conv2_b;        // [3, n, n] ; [1, n]
  TensorView enc_ln_w, enc_ln_b;      // [n]
  std::vector<WhisperLayer> encoder;  // n_audio_layer
  TensorView dec_pos;                 // [n_text_state, n_text_ctx] f32
  TensorView token_embedding;         // [n_text_state, n_vocab]
  TensorView dec_ln_w, dec_ln_b;      // [n]
  std::vector<WhisperLayer> decoder;  // n_text_layer

 private:
  // Fills the views from `find` (by whisper.cpp tensor name), checking shapes and types.
  using Finder = std::function<StatusOr<TensorView>(const WhisperTensorSpec&)>;
  Status assemble(const Finder& find, const std::string& label);

  std::shared_ptr<WhisperGgmlFile> file_;
  std::shared_ptr<SafetensorsModel> hf_;
  std::vector<std::shared_ptr<AlignedBuffer<uint8_t>>> copies_;  // realigned tensor data
  WhisperHparams h_;
  MelFilterbank mel_;
  std::vector<std::string> tokens_;
};

}  // namespace omni
