// Whisper's audio encoder (openai-whisper's AudioEncoder), float32 activations:
//   x = gelu(conv1(mel) + b1)              conv1d k=3 pad 1:       [2*n_ctx, n_mels] -> [2*n_ctx,
//   n] x = gelu(conv2(x) + b2)                conv1d k=3 pad 1 s 2:   -> [n_ctx, n] x = x +
//   positional_embedding per block: x += out(attn(ln(x))); x += mlp.2(gelu(mlp.0(ln(x)))) x =
//   ln_post(x)
// Layer norms use eps 1e-5; GELU is the exact (erf) form; attention is full (no mask) with
// scores scaled by 1/sqrt(head_dim).
#pragma once

#include <vector>

#include "audio/mel.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "models/audio/whisper/whisper_model.h"

namespace omni {

// `window` holds n_mels x (2 * n_audio_ctx) frames (mel_window of the log-mel). Returns
// [n_audio_ctx, n_audio_state]: n_audio_ctx rows of n_audio_state floats.
StatusOr<std::vector<float>> whisper_encode(const WhisperModel& model, const LogMel& window,
                                            ThreadPool& pool);

}  // namespace omni
