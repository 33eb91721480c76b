// Speech to text with a Whisper model over audio of any length: the log-mel of the whole input,
// then 30 s windows, each encoded once and decoded into segments with start and end times.
// What the command line (omni transcribe) and the server (/v1/audio/transcriptions) call.
#pragma once

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
};

// Called with each segment as soon as it is final; return false to stop (the transcription then
// ends with what it has). `progress` is the fraction of the audio done, 0..1.
struct TranscribeCallbacks {
  std::function<bool(const TranscriptSegment&)> on_segment;
  std::function<void(double progress)> on_progress;
};

// `samples` are mono at 16 kHz (audio::load_audio with kWhisperSampleRate gives them).
StatusOr<Transcript> transcribe(const WhisperModel& model, std::span<const float> samples,
                                const TranscribeOptions& options, ThreadPool& pool,
                                const TranscribeCallbacks& callbacks = {});

}  // namespace omni
