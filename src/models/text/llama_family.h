// The llama family of decoder-only transformers as GGUF stores them: `llama` (Llama 2/3,
// Mistral), `qwen2` (adds q/k/v biases) and `qwen3` (adds per-head RMS norms on q and k).
// One record per architecture; shapes follow GGUF (ne[0] innermost).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace omni {

struct TextArch {
  const char* name;  // general.architecture
  bool qkv_bias;     // blk.N.attn_{q,k,v}.bias
  bool qk_norm;      // blk.N.attn_{q,k}_norm.weight
  bool neox_rope;    // RoPE pairs (j, j + n_rot/2); otherwise adjacent pairs (GGUF llama)
};

// nullptr for an architecture this family does not know.
const TextArch* find_text_arch(std::string_view name);
std::string text_arch_names();

struct TextHParams {
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;  // may differ from n_embd / n_head (Qwen3)
  int64_t n_ff = 0;
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  bool tied_embeddings = false;  // no output.weight: the token embedding is reused
  // Llama 3 RoPE frequency scaling (stored as the rope_freqs.weight tensor); factor 0 = none.
  float rope_scale_factor = 0.0f;
  float rope_low_freq_factor = 1.0f;
  float rope_high_freq_factor = 4.0f;
  int64_t rope_orig_ctx = 8192;
  int64_t n_rot = 0;  // rotated dimensions per head (0 = head_dim)
};

class GgufFile;
// Hyperparameters from a GGUF file's ARCH.* metadata, checked for consistency.
StatusOr<TextHParams> text_hparams_from_gguf(const GgufFile& file, const TextArch& arch);

struct TextPreset {
  const char* name;
  const char* arch;  // the architecture the preset's real model uses
  TextHParams hp;
};

const TextPreset* find_text_preset(std::string_view name);
std::string text_preset_names();

// One tensor of a model: GGUF name and shape. `is_matrix` tensors are the ones quantized; vectors
// (norms, biases, rope factors) always stay F32.
struct TextTensorSpec {
  std::string name;
  std::vector<int64_t> ne;
  bool is_matrix;
  int layer;  // -1 outside the blocks
};

// Every tensor of `arch` with hyperparameters `hp`, in file order.
std::vector<TextTensorSpec> text_tensor_specs(const TextArch& arch, const TextHParams& hp);

// The Llama 3 RoPE frequency factors, one per rotary pair: [head_dim / 2].
std::vector<float> llama3_rope_factors(const TextHParams& hp);

}  // namespace omni
