// Decoding one encoded Whisper window after its prompt: greedy (temperature 0, one beam), beam
// search (temperature 0, openai-whisper's BeamSearchDecoder with patience 1), or sampling at a
// temperature > 0 (best of N draws). Every step's logits go through the timestamp and
// suppression rules (whisper_rules.h) first.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "engine/whisper_rules.h"
#include "models/audio/whisper/whisper_decoder.h"

namespace omni {

struct WhisperWindowOptions {
  float temperature = 0.0f;
  int beam_size = 1;  // at temperature 0: 1 = greedy
  int best_of = 1;    // at temperature > 0: draws, the best kept
  int max_tokens = 224;
  uint64_t seed = 0;  // the sampler's stream at temperature > 0
};

struct WhisperWindowResult {
  std::vector<int32_t> tokens;  // after the prompt, without <|endoftext|>
  double sum_logprob = 0;       // of the chosen tokens and <|endoftext|> (when reached)
  double avg_logprob = 0;       // sum_logprob / (tokens + 1), as openai-whisper
  float temperature = 0;
};

// `prompt_state` has decoded the prompt; `first_logits` [n_vocab] are its last position's logits
// (the first step's). The state itself is not changed (the decoders work on copies).
StatusOr<WhisperWindowResult> whisper_decode_window(const WhisperModel& model,
                                                    const WhisperLogitRules& rules,
                                                    const WhisperDecoderState& prompt_state,
                                                    std::span<const float> first_logits,
                                                    const WhisperWindowOptions& options,
                                                    ThreadPool& pool);

}  // namespace omni

namespace omni {

// openai-whisper's beam search with `n_beams` beams (any n >= 1; 1 gives greedy's sequence):
// each step every beam's n + 1 best continuations compete by sum logprob; sequences that reach
// <|endoftext|> are finished until n are; the result is the finished (or, at the token limit,
// the unfinished) sequence with the best sum logprob / length.
StatusOr<WhisperWindowResult> whisper_beam_search(const WhisperModel& model,
                                                  const WhisperLogitRules& rules,
                                                  const WhisperDecoderState& prompt_state,
                                                  std::span<const float> first_logits, int n_beams,
                                                  int max_tokens, ThreadPool& pool);

// One segment of a window's tokens: tokens [begin, end) (timestamps included), from `start` to
// `end_s` seconds after the window's start.
struct WhisperPiece {
  size_t begin = 0, end = 0;
  double start = 0, end_s = 0;
};
struct WhisperSplit {
  std::vector<WhisperPiece> pieces;
  int64_t advance = 0;  // mel frames to the next window's start (> 0)
};

// openai-whisper's segmentation of a window's tokens (without <|endoftext|>): segments end
// where two timestamps meet; when the tokens end with a lone timestamp (or have no pair) the
// whole window (`segment_frames` mel frames of audio) is consumed, otherwise the next window
// starts at the last pair's timestamp. Without any pair, one segment covers the tokens, ending
// at the last timestamp when there is one past 0, else at the window's end.
WhisperSplit whisper_split_segments(std::span<const int32_t> tokens, int32_t timestamp_begin,
                                    int64_t segment_frames);

}  // namespace omni
