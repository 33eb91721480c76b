// `omni model synth --arch whisper`: a whisper.cpp ggml file with random weights in the shapes of
// a preset (whisper_preset()), f32 or f16 matrices, the Slaney filterbank, and the tokens of
// options.vocab_path (a whisper.cpp ggml file) or placeholder tokens.
#pragma once

#include "base/status.h"
#include "models/synth/synth.h"

namespace omni {

// `format` "ggml" writes options.out_path as a whisper.cpp file; "safetensors" makes
// options.out_path a Hugging Face checkpoint directory (config.json, model.safetensors) with the
// same values (vectors f32, matrices of options.type).
Status synth_whisper_model(const SynthOptions& options, const std::string& format = "ggml");

}  // namespace omni
