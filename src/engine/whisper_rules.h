// Whisper's logit rules while decoding one 30 s window (openai-whisper's SuppressBlank,
// SuppressTokens and ApplyTimestampRules, whisper.cpp's whisper_process_logits):
//   always:      the special tokens other than <|endoftext|> and the timestamps, and the
//                `suppress` list (non-speech symbols), get -inf;
//   first step:  blank tokens and <|endoftext|> get -inf (suppress_blank);
//   timestamps:  <|notimestamps|> never; the first token is a timestamp of at most
//                max_initial_timestamp; timestamps come in pairs (after a lone timestamp that
//                closes text, the next is a timestamp or <|endoftext|>; after a pair, text);
//                they never decrease and a segment is never empty (a timestamp after text is
//                greater than the last one); none past max_timestamp (the window's length);
//                when the timestamps together are more probable than any one text token, a
//                timestamp must come.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/audio/whisper/whisper_decoder.h"
#include "models/audio/whisper/whisper_model.h"

namespace omni {

struct WhisperLogitRules {
  WhisperSpecialTokens sp{};
  int32_t n_vocab = 0;
  bool timestamps = true;              // false: the prompt ends with <|notimestamps|>
  int32_t max_timestamp = 1500;        // timestamp_begin + max_timestamp is the last allowed
  int32_t max_initial_timestamp = 50;  // 1.0 s
  bool suppress_blank = true;
  std::vector<int32_t> blank;     // tokens that are only whitespace (" " in GPT-2's vocabulary)
  std::vector<int32_t> suppress;  // text tokens suppressed at every step
};

// The rules for `model`: windows of n_audio_ctx timestamps (1500 = 30 s for real models),
// blanks found by token text, and (when suppress_non_speech) openai-whisper's non-speech
// symbols (tokens whose text, with or without a leading space, is one of them).
WhisperLogitRules whisper_logit_rules(const WhisperModel& model, bool timestamps,
                                      bool suppress_non_speech);

// Applies the rules to one step's `logits` [n_vocab] in place. `sampled` holds the tokens chosen
// so far in this window, after the prompt (without <|endoftext|>).
void apply_whisper_rules(const WhisperLogitRules& rules, std::span<const int32_t> sampled,
                         std::span<float> logits);

// log_softmax of `logits` (-inf stays -inf).
std::vector<float> whisper_log_softmax(std::span<const float> logits);

}  // namespace omni
