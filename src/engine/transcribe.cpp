#include "engine/transcribe.h"

#include <algorithm>

#include "audio/audio.h"
#include "models/audio/whisper/whisper_decoder.h"
#include "models/audio/whisper/whisper_encoder.h"

namespace omni {

StatusOr<Transcript> transcribe(const WhisperModel& model, std::span<const float> samples,
                                const TranscribeOptions& o, ThreadPool& pool,
                                const TranscribeCallbacks& cb) {
  if (samples.empty()) return InvalidArgument("the audio has no samples");
  if (o.translate) return Unsupported("translation is not implemented yet");
  if (!o.language.empty() && o.language != "en")
    return Unsupported("only English ('en') is implemented yet, not '%s'", o.language.c_str());
  Transcript t;
  t.task = "transcribe";
  t.language = "en";
  t.duration = double(samples.size()) / kWhisperSampleRate;
  MelOptions mel_options;
  mel_options.pool = &pool;
  OMNI_ASSIGN_OR_RETURN(LogMel mel, whisper_log_mel(samples, model.mel_filters(), mel_options));
  const int64_t window_frames = 2 * int64_t(model.hparams().n_audio_ctx);
  const int64_t content_frames =
      (int64_t(samples.size()) + kWhisperHop - 1) / kWhisperHop;  // frames holding audio
  for (int64_t seek = 0; seek < content_frames; seek += window_frames) {
    const LogMel window = mel_window(mel, seek, window_frames);
    OMNI_ASSIGN_OR_RETURN(std::vector<float> encoded, whisper_encode(model, window, pool));
    OMNI_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                          whisper_greedy(model, encoded, o.max_tokens_per_window, pool));
    TranscriptSegment s;
    s.id = int(t.segments.size());
    s.seek = seek;
    s.start = double(seek) * kWhisperHop / kWhisperSampleRate;
    s.end =
        double(std::min(seek + window_frames, content_frames)) * kWhisperHop / kWhisperSampleRate;
    s.text = whisper_detokenize(model, ids);
    s.tokens = std::move(ids);
    s.temperature = o.temperature;
    t.text += s.text;
    t.segments.push_back(s);
    if (cb.on_progress)
      cb.on_progress(double(std::min(seek + window_frames, content_frames)) / content_frames);
    if (cb.on_segment && !cb.on_segment(t.segments.back())) break;
  }
  return t;
}

}  // namespace omni
