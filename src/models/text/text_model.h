// A decoder-only text model of the llama family (llama, qwen2, qwen3) loaded from GGUF or a
// Hugging Face checkpoint: the immutable weights shared by every session. Weights stay in the
// mapped file, except the matrices that decode reads faster interleaved (Q4_0, Q5_0, Q8_0, Q4_K,
// Q6_K, and F16 / BF16 ones with short rows: decode_prefers_interleaved), copied once with their
// rows interleaved (tensor/interleave.h); the small vectors (norms, biases, rope factors) are
// copied out as float32.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/weight_memory.h"
#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "models/text/llama_family.h"
#include "tokenizers/tokenizer.h"

namespace omni {

struct TextLayer {
  std::vector<float> attn_norm;       // [n_embd]
  TensorView wq;                      // [n_embd, n_head * head_dim]
  TensorView wk, wv;                  // [n_embd, n_head_kv * head_dim]
  std::vector<float> bq, bk, bv;      // qwen2: [n_head * head_dim], [n_head_kv * head_dim] x2
  std::vector<float> q_norm, k_norm;  // qwen3: [head_dim]
  TensorView wo;                      // [n_head * head_dim, n_embd]
  std::vector<float> ffn_norm;        // [n_embd]
  TensorView w_gate, w_up;            // [n_embd, n_ff]
  TensorView w_down;                  // [n_ff, n_embd]
};

class TextModel {
 public:
  // Loads and validates every tensor's presence, shape and type; errors name the file and tensor.
  // `path` is a GGUF file, or a Hugging Face model directory (config.json, *.safetensors,
  // tokenizer.json) or .safetensors file.
  static StatusOr<std::unique_ptr<TextModel>> load(const std::string& path);

  const TextArch& arch() const { return *arch_; }
  const TextHParams& hparams() const { return hp_; }
  int64_t n_vocab() const { return tok_embd_.ne[1]; }
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }  // nullptr if the file has none
  const std::string& chat_template() const { return chat_template_; }

  const TensorView& token_embedding() const { return tok_embd_; }  // [n_embd, n_vocab]
  const TensorView& output() const { return output_; }  // [n_embd, n_vocab] (tied: tok_embd)
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<float>& rope_factors() const { return rope_factors_; }  // empty = none
  const std::vector<TextLayer>& layers() const { return layers_; }
  // RoPE pairing: NeoX for qwen2/qwen3 and for every Hugging Face checkpoint (GGUF llama files
  // store q/k permuted for adjacent pairs instead).
  bool neox_rope() const { return neox_rope_; }

 private:
  friend StatusOr<std::unique_ptr<TextModel>> load_hf_text_model_impl(const std::string& path);
  TextModel() = default;
  // Copies the matrices (embedding, output, every layer's) that decode reads faster interleaved
  // into interleaved_, points their views there, and hands each copied tensor's mapped data to
  // `release`.
  Status interleave_matrices(const std::function<void(const TensorView&)>& release);

  GgufFile file_;
  WeightMemory interleaved_;  // the matrices with interleaved rows (tensor/interleave.h)
  std::unique_ptr<SafetensorsModel> safetensors_;
  const TextArch* arch_ = nullptr;
  bool neox_rope_ = false;
  TextHParams hp_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string chat_template_;
  TensorView tok_embd_, output_;
  std::vector<float> output_norm_, rope_factors_;
  std::vector<TextLayer> layers_;
};

// Hugging Face layout (text_model_hf.cpp).
StatusOr<std::unique_ptr<TextModel>> load_hf_text_model(const std::string& path);

}  // namespace omni
