// Speech to text with a Whisper model over audio of any length: the log-mel of the whole input,
// then 30 s windows, each encoded once and decoded into segments with start and end times.
// What the command line (omni transcribe) and the server (/v1/audio/transcriptions) call.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "base/status.h"
#include "base/thread_pool.h"
#include "engine/transcript.h"
#include "models/audio/whisper/whisper_model.h"

namespace omni {

struct TranscribeOptions {
  std::string language;      // ISO-639-1 ("en", "ko", ...); empty: detect it
  bool translate = false;    // into English
  std::string prompt;        // initial prompt: earlier text, spelling and style hints
  float temperature = 0.0f;  // 0: deterministic, raised on failure (temperature fallback)
  int max_tokens_per_window = 224;
  // Decoding (openai-whisper's defaults). At temperature 0: beam search with beam_size beams
  // (1 = greedy); at a temperature > 0: best_of draws with a sampler seeded from `seed`.
  int beam_size = 5;
  int best_of = 5;
  uint64_t seed = 0;
  // Temperature fallback: a window is decoded again at temperature + k * increment (up to 1.0)
  // while its compression ratio is above the threshold or its average logprob below the
  // threshold; increment 0: no fallback. A window whose no-speech probability is above its
  // threshold and whose average logprob is below the logprob threshold is silent (skipped).
  float temperature_increment = 0.2f;
  float compression_ratio_threshold = 2.4f;
  float logprob_threshold = -1.0f;
  float no_speech_threshold = 0.6f;
  bool timestamps = true;                  // false: <|notimestamps|>, one segment per window
  bool condition_on_previous_text = true;  // earlier windows' tokens prompt the next one
  bool suppress_blank = true;              // no blank or <|endoftext|> first
  bool suppress_non_speech = true;         // openai-whisper's non-speech symbols
};

// Called with each segment as soon as it is final; return false to stop (the transcription then
// ends with what it has). `progress` is the fraction of the audio done, 0..1.
struct TranscribeCallbacks {
  std::function<bool(const TranscriptSegment&)> on_segment;
  std::function<void(double progress)> on_progress;
};

// `samples` are mono at 16 kHz (audio::load_audio with kWhisperSampleRate gives them).
// Per window (2 * n_audio_ctx mel frames, 30 s for real models): the prompt
// [<|startofprev|> previous tokens] <|startoftranscript|> <|lang|> <|transcribe|translate|>,
// decoded with timestamps; segments run between timestamp pairs, and the next window starts at
// the last complete segment's end (or this window's end). The language, when not given, is the
// most probable language token after <|startoftranscript|> on the first window.
StatusOr<Transcript> transcribe(const WhisperModel& model, std::span<const float> samples,
                                const TranscribeOptions& options, ThreadPool& pool,
                                const TranscribeCallbacks& callbacks = {});

}  // namespace omni
