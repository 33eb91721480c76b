#include "engine/whisper_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_set>

namespace omni {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

void fill(std::span<float> logits, int64_t begin, int64_t end) {
  begin = std::clamp<int64_t>(begin, 0, int64_t(logits.size()));
  end = std::clamp<int64_t>(end, begin, int64_t(logits.size()));
  std::fill(logits.begin() + begin, logits.begin() + end, kNegInf);
}

// openai-whisper's non-speech symbols: punctuation that stands for sounds, music and speaker
// marks rather than words.
const char* const kNonSpeech[] = {
    "\"", "#",   "(",   ")",  "*",   "+",  "/",  ":",  ";",   "<",  "=",  ">",   "@",   "[",
    "\\", "]",   "^",   "_",  "`",   "{",  "|",  "}",  "~",   "「", "」", "『",  "』",  "<<",
    ">>", "<<<", ">>>", "--", "---", "-(", "-[", "('", "(\"", "((", "))", "(((", ")))", "[[",
    "]]", "{{",  "}}",  "♪♪", "♪♪♪", "♩",  "♪",  "♫",  "♬",   "♭",  "♮",  "♯",   " -",  " '"};

}  // namespace

WhisperLogitRules whisper_logit_rules(const WhisperModel& model, bool timestamps,
                                      bool suppress_non_speech) {
  WhisperLogitRules r;
  r.sp = whisper_special_tokens(model.hparams());
  r.n_vocab = model.hparams().n_vocab;
  r.timestamps = timestamps;
  r.max_timestamp = std::min(model.hparams().n_audio_ctx, r.n_vocab - 1 - r.sp.timestamp_begin);
  std::unordered_set<std::string> symbols;
  if (suppress_non_speech) {
    for (const char* s : kNonSpeech) {
      symbols.insert(s);
      if (s[0] != ' ') symbols.insert(std::string(" ") + s);
    }
  }
  const std::vector<std::string>& tokens = model.tokens();
  const int32_t n_text = std::min<int32_t>(r.sp.eot, int32_t(tokens.size()));
  for (int32_t id = 0; id < n_text; ++id) {
    const std::string& t = tokens[size_t(id)];
    if (t == " ") r.blank.push_back(id);
    if (symbols.count(t)) r.suppress.push_back(id);
  }
  return r;
}

void apply_whisper_rules(const WhisperLogitRules& r, std::span<const int32_t> sampled,
                         std::span<float> logits) {
  const int32_t ts = r.sp.timestamp_begin;
  // Special tokens other than <|endoftext|> and the timestamps; the suppressed text tokens.
  fill(logits, r.sp.eot + 1, ts);
  for (int32_t id : r.suppress) fill(logits, id, id + 1);
  fill(logits, ts + r.max_timestamp + 1, int64_t(logits.size()));
  if (sampled.empty() && r.suppress_blank) {
    for (int32_t id : r.blank) fill(logits, id, id + 1);
    fill(logits, r.sp.eot, r.sp.eot + 1);
  }
  if (!r.timestamps) {
    fill(logits, ts, int64_t(logits.size()));
    return;
  }
  const size_t n = sampled.size();
  const bool last_ts = n >= 1 && sampled[n - 1] >= ts;
  const bool penultimate_ts = n < 2 || sampled[n - 2] >= ts;
  if (last_ts) {
    if (penultimate_ts) {
      fill(logits, ts, int64_t(logits.size()));  // a pair is complete: text (or the end) next
    } else {
      fill(logits, 0, r.sp.eot);  // a timestamp closed text: another timestamp or the end
    }
  }
  int32_t last_timestamp = -1;
  for (size_t i = n; i-- > 0;) {
    if (sampled[i] >= ts) {
      last_timestamp = sampled[i];
      break;
    }
  }
  if (last_timestamp >= 0) {
    // Never backwards; after text, strictly forwards (no empty segments).
    const int32_t lowest = last_ts && !penultimate_ts ? last_timestamp : last_timestamp + 1;
    fill(logits, ts, lowest);
  }
  if (n == 0) {
    fill(logits, 0, ts);  // the window opens with a timestamp
    fill(logits, ts + r.max_initial_timestamp + 1, int64_t(logits.size()));
  }
  // When the timestamps together outweigh every single text token, a timestamp must come.
  const std::vector<float> lp = whisper_log_softmax(logits);
  const float max_text = *std::max_element(lp.begin(), lp.begin() + ts);
  double ts_max = kNegInf;
  for (size_t i = size_t(ts); i < lp.size(); ++i) ts_max = std::max<double>(ts_max, lp[i]);
  if (ts_max != double(kNegInf)) {
    double sum = 0;
    for (size_t i = size_t(ts); i < lp.size(); ++i) sum += std::exp(double(lp[i]) - ts_max);
    const double ts_logsumexp = ts_max + std::log(sum);
    if (ts_logsumexp > double(max_text)) fill(logits, 0, ts);
  }
}

std::vector<float> whisper_log_softmax(std::span<const float> logits) {
  float mx = kNegInf;
  for (float x : logits) mx = std::max(mx, x);
  std::vector<float> out(logits.size(), kNegInf);
  if (mx == kNegInf) return out;
  double sum = 0;
  for (float x : logits) sum += std::exp(double(x) - mx);
  const double lse = double(mx) + std::log(sum);
  for (size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] != kNegInf) out[i] = float(double(logits[i]) - lse);
  }
  return out;
}

}  // namespace omni
