// Whisper in Hugging Face form (transformers' WhisperForConditionalGeneration): tensor names,
// config.json, and the GPT-2 byte alphabet of vocab.json.
#pragma once

#include <string>

#include "base/status.h"
#include "formats/whisper_ggml.h"

namespace omni {

// The Hugging Face name of a whisper.cpp tensor name: "encoder.blocks.0.attn.query.weight" ->
// "model.encoder.layers.0.self_attn.q_proj.weight". Shapes agree once reversed, except the conv
// biases (whisper.cpp [1, n], Hugging Face [n]).
std::string whisper_hf_name(const std::string& ggml_name);

// Hyperparameters from config.json (d_model, encoder_layers, encoder_attention_heads,
// decoder_layers, decoder_attention_heads, num_mel_bins, vocab_size, max_source_positions,
// max_target_positions).
StatusOr<WhisperHparams> whisper_hparams_from_config(const std::string& json_text);
// The config.json of `h` (the keys above plus model_type and architectures).
std::string whisper_config_json(const WhisperHparams& h);

}  // namespace omni
