// `omni model synth --arch whisper`: a whisper.cpp ggml file with random weights in the shapes of
// a preset (whisper_preset()), f32 or f16 matrices, the Slaney filterbank, and the tokens of
// options.vocab_path (a whisper.cpp ggml file) or placeholder tokens.
#pragma once

#include "base/status.h"
#include "models/synth/synth.h"

namespace omni {

Status synth_whisper_model(const SynthOptions& options);

}  // namespace omni
