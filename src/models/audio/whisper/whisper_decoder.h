// Whisper's text decoder (openai-whisper's TextDecoder), float32 activations, with a per-session
// state: the self-attention keys/values of the tokens seen so far and the cross-attention
// keys/values of one encoder output.
//   x = token_embedding[tokens] + positional_embedding[n_past ...]
//   per block: x += attn(attn_ln(x)) (causal, over the cache); x += cross_attn(cross_attn_ln(x),
//              encoder output); x += mlp.2(gelu(mlp.0(mlp_ln(x))))
//   logits = ln(x) token_embedding^T
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "models/audio/whisper/whisper_model.h"

namespace omni {

// Special token ids of a model's vocabulary (whisper.cpp's arithmetic from n_vocab: 51864 for
// English-only models, 51865 multilingual, 51866 for large-v3's extra language).
// After the languages: translate, transcribe, <|startoflm|>, <|startofprev|>, <|nospeech|>,
// <|notimestamps|>, then the timestamps <|0.00|> .. (timestamp_begin + k is k * 0.02 s).
struct WhisperSpecialTokens {
  int32_t eot, sot, translate, transcribe, no_timestamps, timestamp_begin;
  int32_t prev = 0, no_speech = 0;  // <|startofprev|>, <|nospeech|>
  int32_t n_languages = 0;          // language tokens sot + 1 .. sot + n_languages
  bool multilingual = false;        // English-only models have no language or task tokens
  int32_t language(int index) const { return sot + 1 + index; }  // 0 = en
};
WhisperSpecialTokens whisper_special_tokens(const WhisperHparams& h);

class WhisperDecoderState {
 public:
  // Sizes the caches for `model` (n_text_ctx tokens, n_audio_ctx encoder positions).
  explicit WhisperDecoderState(const WhisperModel& model);
  // Copies share the cross-attention keys/values (read-only once set) and own their token cache.
  WhisperDecoderState(const WhisperDecoderState&) = default;
  WhisperDecoderState& operator=(const WhisperDecoderState&) = default;
  int64_t n_past() const { return n_past_; }
  // Makes this state's token cache equal to `other`'s (its n_past rows only) and shares its
  // audio: what beam search does when a beam continues another beam's sequence. Both states must
  // come from the same model.
  void copy_context_from(const WhisperDecoderState& other);

 private:
  friend Status whisper_decoder_set_audio(const WhisperModel&, const std::vector<float>&,
                                          WhisperDecoderState&, ThreadPool&);
  friend StatusOr<std::vector<float>> whisper_decode(const WhisperModel&, WhisperDecoderState&,
                                                     const std::vector<int32_t>&, ThreadPool&);
  int64_t n_past_ = 0;
  int64_t width_ = 0;  // n_text_state
  bool has_audio_ = false;
  std::vector<std::vector<float>> self_k_, self_v_;  // per layer [n_text_ctx, n]
  struct Cross {
    // Per layer [n_text_head, n_audio_ctx, d]: each head's positions contiguous, so a token's
    // cross attention reads dense blocks (rows of all heads would put a head's positions n
    // floats apart, where a block maps onto a few cache sets).
    std::vector<std::vector<float>> k, v;
  };
  std::shared_ptr<const Cross> cross_;  // replaced (never written) by whisper_decoder_set_audio
};

// Projects an encoder output [n_audio_ctx, n_audio_state] into every layer's cross-attention
// keys and values, and empties the token cache.
Status whisper_decoder_set_audio(const WhisperModel& model, const std::vector<float>& encoded,
                                 WhisperDecoderState& state, ThreadPool& pool);

// Appends `tokens` after the cached ones and returns their logits, [tokens.size(), n_vocab].
StatusOr<std::vector<float>> whisper_decode(const WhisperModel& model, WhisperDecoderState& state,
                                            const std::vector<int32_t>& tokens, ThreadPool& pool);

// Greedy transcription of one encoded window: the prompt <|startoftranscript|><|en|>
// <|transcribe|><|notimestamps|>, then the most likely text token (or <|endoftext|>) until
// <|endoftext|> or max_tokens. Returns the token ids after the prompt, without <|endoftext|>.
StatusOr<std::vector<int32_t>> whisper_greedy(const WhisperModel& model,
                                              const std::vector<float>& encoded, int max_tokens,
                                              ThreadPool& pool);

// The text of token ids (their bytes; special tokens give nothing).
std::string whisper_detokenize(const WhisperModel& model, const std::vector<int32_t>& ids);

}  // namespace omni
