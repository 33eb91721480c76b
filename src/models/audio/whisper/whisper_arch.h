// Whisper's shapes and tensor names (whisper.cpp's ggml names; ne innermost-first).
//   encoder: conv1 [3, n_mels, n_audio_state], conv2 [3, n_audio_state, n_audio_state] (kernel
//   innermost), positional_embedding [n_audio_state, n_audio_ctx], n_audio_layer pre-norm blocks
//   (attn_ln, attn.{query,key,value,out}, mlp_ln, mlp.0 [n, 4n], mlp.2 [4n, n]), ln_post.
//   decoder: token_embedding [n_text_state, n_vocab], positional_embedding [n_text_state,
//   n_text_ctx], n_text_layer blocks (self attention, cross_attn_ln + cross_attn.*, mlp), ln.
// Key projections have no bias; every other projection has one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "formats/whisper_ggml.h"

namespace omni {

struct WhisperTensorSpec {
  std::string name;
  std::vector<int64_t> ne;
  bool is_matrix;  // a projection or embedding matrix (f16/quantized in whisper.cpp's files);
                   // otherwise biases, norms and positional embeddings (always f32)
};

// Every tensor a whisper.cpp model file holds, in whisper.cpp's order.
std::vector<WhisperTensorSpec> whisper_tensor_specs(const WhisperHparams& h);

// tiny, base, small, medium, large-v3, large-v3-turbo (multilingual, ftype f16), and "test":
// 2+2 layers of width 64 over 64 audio positions (128 mel frames), for fast tests.
StatusOr<WhisperHparams> whisper_preset(const std::string& name);
const char* whisper_preset_names();

}  // namespace omni
