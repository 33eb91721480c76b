#include "engine/transcribe.h"

#include <algorithm>
#include <cmath>

#include "audio/audio.h"
#include "engine/whisper_rules.h"
#include "engine/whisper_text.h"
#include "engine/whisper_window.h"
#include "models/audio/whisper/whisper_decoder.h"
#include "models/audio/whisper/whisper_encoder.h"

namespace omni {
namespace {

constexpr double kSecondsPerFrame = double(kWhisperHop) / kWhisperSampleRate;  // 0.01

Status check_options(const TranscribeOptions& o, const WhisperSpecialTokens& sp) {
  if (o.beam_size < 1 || o.beam_size > 16) return InvalidArgument("beam size must be 1..16");
  if (o.best_of < 1 || o.best_of > 16) return InvalidArgument("best_of must be 1..16");
  if (!(o.temperature >= 0.0f && o.temperature <= 1.0f)) {
    return InvalidArgument("temperature must be within 0..1, not %g", double(o.temperature));
  }
  if (!(o.temperature_increment >= 0.0f)) {
    return InvalidArgument("temperature increment must be >= 0");
  }
  if (o.max_tokens_per_window < 1) return InvalidArgument("max tokens per window must be >= 1");
  if (!sp.multilingual) {
    if (o.translate) return InvalidArgument("this model is English-only: it cannot translate");
    if (!o.language.empty() && o.language != "en") {
      return InvalidArgument("this model is English-only: language '%s' is not available",
                             o.language.c_str());
    }
  } else if (!o.language.empty() && whisper_language_index(o.language, sp.n_languages) < 0) {
    return InvalidArgument(
        "unknown language '%s': give an ISO-639-1 code such as en, de, fr, zh, ja, or none to "
        "detect it",
        o.language.c_str());
  }
  return Status::Ok();
}

// The most probable language token after <|startoftranscript|>, as an index into the codes.
StatusOr<int> detect_language(const WhisperModel& model, const WhisperSpecialTokens& sp,
                              const WhisperDecoderState& audio_state, ThreadPool& pool) {
  WhisperDecoderState state = audio_state;
  OMNI_ASSIGN_OR_RETURN(std::vector<float> logits, whisper_decode(model, state, {sp.sot}, pool));
  const int n = std::min<int>(sp.n_languages, int(whisper_language_codes().size()));
  int best = 0;
  for (int i = 1; i < n; ++i) {
    if (logits[size_t(sp.language(i))] > logits[size_t(sp.language(best))]) best = i;
  }
  return best;
}

double softmax_prob(const float* row, int64_t n, int32_t id) {
  float mx = row[0];
  for (int64_t i = 1; i < n; ++i) mx = std::max(mx, row[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(double(row[i]) - mx);
  return std::exp(double(row[id]) - mx) / sum;
}

bool has_text(const std::string& s) {
  return s.find_first_not_of(" \t\n") != std::string::npos;
}

}  // namespace

StatusOr<Transcript> transcribe(const WhisperModel& model, std::span<const float> samples,
                                const TranscribeOptions& o, ThreadPool& pool,
                                const TranscribeCallbacks& cb) {
  if (samples.empty()) return InvalidArgument("the audio has no samples");
  const WhisperHparams& h = model.hparams();
  const WhisperSpecialTokens sp = whisper_special_tokens(h);
  OMNI_RETURN_IF_ERROR(check_options(o, sp));
  WhisperLogitRules rules = whisper_logit_rules(model, o.timestamps, o.suppress_non_speech);
  rules.suppress_blank = o.suppress_blank;

  Transcript t;
  t.task = o.translate ? "translate" : "transcribe";
  t.duration = double(samples.size()) / kWhisperSampleRate;
  int language = 0;
  if (!sp.multilingual) {
    t.language = "en";
  } else if (!o.language.empty()) {
    language = whisper_language_index(o.language, sp.n_languages);
    t.language = o.language;
  }

  MelOptions mel_options;
  mel_options.pool = &pool;
  OMNI_ASSIGN_OR_RETURN(LogMel mel, whisper_log_mel(samples, model.mel_filters(), mel_options));
  const int64_t window_frames = 2 * int64_t(h.n_audio_ctx);
  const int64_t content_frames = (int64_t(samples.size()) + kWhisperHop - 1) / kWhisperHop;

  // Tokens that prompt the next window: the initial prompt, then what earlier windows decoded.
  std::vector<int32_t> context;
  if (has_text(o.prompt)) {
    const size_t b = o.prompt.find_first_not_of(" \t\n");
    const size_t e = o.prompt.find_last_not_of(" \t\n");
    context = whisper_tokenize(model, " " + o.prompt.substr(b, e - b + 1));
  }

  int64_t seek = 0;
  while (seek < content_frames) {
    const int64_t segment_size = std::min(window_frames, content_frames - seek);
    const double time_offset = double(seek) * kSecondsPerFrame;
    const LogMel window = mel_window(mel, seek, window_frames);
    OMNI_ASSIGN_OR_RETURN(std::vector<float> encoded, whisper_encode(model, window, pool));
    WhisperDecoderState state(model);
    OMNI_RETURN_IF_ERROR(whisper_decoder_set_audio(model, encoded, state, pool));
    if (t.language.empty()) {
      OMNI_ASSIGN_OR_RETURN(language, detect_language(model, sp, state, pool));
      t.language = whisper_language_codes()[size_t(language)];
    }

    std::vector<int32_t> prompt;
    if (!context.empty()) {
      const size_t keep = std::min(context.size(), size_t(h.n_text_ctx / 2 - 1));
      prompt.push_back(sp.prev);
      prompt.insert(prompt.end(), context.end() - ptrdiff_t(keep), context.end());
    }
    const size_t sot_index = prompt.size();
    prompt.push_back(sp.sot);
    if (sp.multilingual) {
      prompt.push_back(sp.language(language));
      prompt.push_back(o.translate ? sp.translate : sp.transcribe);
    }
    if (!o.timestamps) prompt.push_back(sp.no_timestamps);
    OMNI_ASSIGN_OR_RETURN(std::vector<float> prompt_logits,
                          whisper_decode(model, state, prompt, pool));
    const int64_t nv = h.n_vocab;
    const double no_speech_prob =
        softmax_prob(prompt_logits.data() + sot_index * size_t(nv), nv, sp.no_speech);
    const std::span<const float> first_logits(
        prompt_logits.data() + (prompt.size() - 1) * size_t(nv), size_t(nv));

    // Temperature fallback.
    WhisperWindowResult result;
    double compression_ratio = 0;
    for (int attempt = 0;; ++attempt) {
      WhisperWindowOptions wo;
      wo.temperature = o.temperature + float(attempt) * o.temperature_increment;
      wo.beam_size = o.beam_size;
      wo.best_of = o.best_of;
      wo.max_tokens = o.max_tokens_per_window;
      wo.seed = o.seed ^ (uint64_t(seek) * 0x9e3779b97f4a7c15ull + uint64_t(attempt));
      OMNI_ASSIGN_OR_RETURN(result,
                            whisper_decode_window(model, rules, state, first_logits, wo, pool));
      compression_ratio = whisper_compression_ratio(whisper_detokenize(model, result.tokens));
      bool fallback = compression_ratio > o.compression_ratio_threshold ||
                      result.avg_logprob < o.logprob_threshold;
      if (no_speech_prob > o.no_speech_threshold) fallback = false;  // silence: no retry
      const float next = o.temperature + float(attempt + 1) * o.temperature_increment;
      if (!fallback || o.temperature_increment <= 0.0f || next > 1.0f + 1e-4f) break;
    }

    const bool silent =
        no_speech_prob > o.no_speech_threshold && result.avg_logprob < o.logprob_threshold;
    int64_t advance = segment_size;
    std::vector<TranscriptSegment> found;
    if (!silent) {
      const std::vector<int32_t>& tok = result.tokens;
      const WhisperSplit split = whisper_split_segments(tok, sp.timestamp_begin, segment_size);
      for (const WhisperPiece& p : split.pieces) {
        TranscriptSegment s;
        s.seek = seek;
        s.start = std::clamp(time_offset + p.start, 0.0, t.duration);
        s.end = std::clamp(time_offset + p.end_s, s.start, t.duration);
        s.tokens.assign(tok.begin() + ptrdiff_t(p.begin), tok.begin() + ptrdiff_t(p.end));
        s.text = whisper_detokenize(model, s.tokens);
        s.temperature = result.temperature;
        s.avg_logprob = result.avg_logprob;
        s.compression_ratio = compression_ratio;
        s.no_speech_prob = no_speech_prob;
        if (has_text(s.text)) found.push_back(std::move(s));
      }
      advance = split.advance;
      context.insert(context.end(), tok.begin(), tok.end());
      if (!o.condition_on_previous_text || result.temperature > 0.5f) context.clear();
    }
    if (advance <= 0) advance = segment_size;  // always move forwards
    seek += advance;
    bool stop = false;
    for (TranscriptSegment& s : found) {
      s.id = int(t.segments.size());
      t.text += s.text;
      t.segments.push_back(std::move(s));
      if (cb.on_segment && !cb.on_segment(t.segments.back())) stop = true;
      if (stop) break;
    }
    if (cb.on_progress) cb.on_progress(std::min(1.0, double(seek) / double(content_frames)));
    if (stop) break;
  }
  return t;
}

}  // namespace omni
