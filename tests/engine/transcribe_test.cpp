// Whisper transcription over random-weight models: the logit rules on hand-made logits, the
// segmentation of hand-made token sequences, and whole transcriptions checked for structure
// (times, seeking, languages, determinism) — never for words, the weights being random.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "audio/audio.h"
#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "engine/transcribe.h"
#include "engine/whisper_rules.h"
#include "engine/whisper_text.h"
#include "engine/whisper_window.h"
#include "models/audio/whisper/whisper_arch.h"
#include "models/audio/whisper/whisper_decoder.h"
#include "models/audio/whisper/whisper_encoder.h"
#include "models/synth/synth_whisper.h"
#include "test_util.h"

namespace omni {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Rules for a multilingual vocabulary of 51865 tokens without a model.
WhisperLogitRules hand_rules() {
  WhisperHparams h;
  h.n_vocab = 51865;
  WhisperLogitRules r;
  r.sp = whisper_special_tokens(h);
  r.n_vocab = h.n_vocab;
  r.max_timestamp = 1500;
  r.blank = {220};
  r.suppress = {1};
  return r;
}

TEST(WhisperRules, FirstTokenIsAnEarlyTimestamp) {
  const WhisperLogitRules r = hand_rules();
  const int32_t ts = r.sp.timestamp_begin;
  EXPECT_EQ(ts, 50364);
  EXPECT_EQ(r.sp.no_speech, 50362);
  EXPECT_EQ(r.sp.prev, 50361);
  std::vector<float> l(size_t(r.n_vocab), 0.0f);
  l[100] = 30.0f;  // a text token the model "wants" most
  l[size_t(ts + 60)] = 20.0f;
  apply_whisper_rules(r, {}, l);
  EXPECT_EQ(l[100], -kInf);               // text cannot open a window
  EXPECT_EQ(l[220], -kInf);               // blank
  EXPECT_EQ(l[size_t(r.sp.eot)], -kInf);  // nor can the end
  EXPECT_EQ(l[size_t(ts + 60)], -kInf);   // past 1.0 s
  EXPECT_EQ(l[size_t(ts + 51)], -kInf);
  EXPECT_EQ(l[size_t(ts + 50)], 0.0f);  // 1.0 s itself is allowed
  EXPECT_EQ(l[size_t(ts)], 0.0f);
  EXPECT_EQ(l[size_t(r.sp.no_timestamps)], -kInf);
  EXPECT_EQ(l[size_t(r.sp.language(3))], -kInf);
  EXPECT_EQ(l[size_t(r.sp.sot)], -kInf);
}

TEST(WhisperRules, TimestampsComeInPairsAndNeverGoBack) {
  const WhisperLogitRules r = hand_rules();
  const int32_t ts = r.sp.timestamp_begin;
  const int32_t text = 500;
  // After text that followed <|0.20|>: a timestamp must be past 0.20 s (no empty segment).
  // (Text at 10 outweighs the 1490 remaining timestamps at 0, so text stays allowed.)
  std::vector<float> l(size_t(r.n_vocab), 0.0f);
  l[size_t(ts + 5)] = 50.0f;  // forced up: still earlier than the open timestamp
  l[size_t(text)] = 10.0f;
  const std::vector<int32_t> open = {ts + 10, text};
  apply_whisper_rules(r, open, l);
  EXPECT_EQ(l[size_t(ts + 5)], -kInf);
  EXPECT_EQ(l[size_t(ts + 10)], -kInf);
  EXPECT_EQ(l[size_t(ts + 11)], 0.0f);
  EXPECT_EQ(l[size_t(text)], 10.0f);
  EXPECT_EQ(l[1], -kInf);  // the suppress list holds at every step
  // After a timestamp that closed text: another timestamp (>= it) or the end, no text.
  std::fill(l.begin(), l.end(), 0.0f);
  l[size_t(text)] = 50.0f;
  l[size_t(r.sp.eot)] = 10.0f;
  const std::vector<int32_t> closed = {ts + 10, text, ts + 20};
  apply_whisper_rules(r, closed, l);
  EXPECT_EQ(l[size_t(text)], -kInf);
  EXPECT_EQ(l[size_t(ts + 19)], -kInf);
  EXPECT_EQ(l[size_t(ts + 20)], 0.0f);
  EXPECT_EQ(l[size_t(r.sp.eot)], 10.0f);
  // After a pair: text or the end, no timestamp.
  std::fill(l.begin(), l.end(), 0.0f);
  l[size_t(ts + 30)] = 50.0f;
  const std::vector<int32_t> pair = {ts + 10, text, ts + 20, ts + 20};
  apply_whisper_rules(r, pair, l);
  EXPECT_EQ(l[size_t(ts + 30)], -kInf);
  EXPECT_EQ(l[size_t(ts + 1000)], -kInf);
  EXPECT_EQ(l[size_t(text)], 0.0f);
  // A shorter window (the test shape's 64 positions): no timestamp past its end.
  WhisperLogitRules short_window = r;
  short_window.max_timestamp = 64;
  std::fill(l.begin(), l.end(), 0.0f);
  l[size_t(text)] = 10.0f;
  apply_whisper_rules(short_window, open, l);
  EXPECT_EQ(l[size_t(ts + 64)], 0.0f);
  EXPECT_EQ(l[size_t(ts + 65)], -kInf);
}

TEST(WhisperRules, ProbableTimestampsOutweighText) {
  const WhisperLogitRules r = hand_rules();
  const int32_t ts = r.sp.timestamp_begin;
  const std::vector<int32_t> sampled = {ts, 500, 501};
  // Each timestamp less likely than the best text token, together more likely: text is out.
  std::vector<float> l(size_t(r.n_vocab), -20.0f);
  l[700] = 3.0f;
  for (int i = 1; i <= 1500; ++i) l[size_t(ts + i)] = 0.0f;
  apply_whisper_rules(r, sampled, l);
  EXPECT_EQ(l[700], -kInf);
  EXPECT_EQ(l[size_t(ts + 5)], 0.0f);
  // One timestamp only as likely as before: text stays.
  std::fill(l.begin(), l.end(), -20.0f);
  l[700] = 3.0f;
  l[size_t(ts + 5)] = 0.0f;
  apply_whisper_rules(r, sampled, l);
  EXPECT_EQ(l[700], 3.0f);
}

TEST(WhisperRules, WithoutTimestampsNoneIsAllowed) {
  WhisperLogitRules r = hand_rules();
  r.timestamps = false;
  std::vector<float> l(size_t(r.n_vocab), 0.0f);
  apply_whisper_rules(r, {}, l);
  EXPECT_EQ(l[size_t(r.sp.timestamp_begin)], -kInf);
  EXPECT_EQ(l[500], 0.0f);  // text may open the window
  EXPECT_EQ(l[size_t(r.sp.eot)], -kInf);
}

TEST(WhisperSplit, SegmentsBetweenTimestampPairs) {
  const int32_t ts = 50364, a = 10, b = 11;
  // Ends with a lone timestamp: two segments, the whole window consumed.
  WhisperSplit s = whisper_split_segments(
      std::vector<int32_t>{ts, a, b, ts + 50, ts + 50, a, ts + 100}, ts, 3000);
  ASSERT_EQ(s.pieces.size(), 2u);
  EXPECT_EQ(s.pieces[0].begin, 0u);
  EXPECT_EQ(s.pieces[0].end, 4u);
  EXPECT_DOUBLE_EQ(s.pieces[0].start, 0.0);
  EXPECT_DOUBLE_EQ(s.pieces[0].end_s, 1.0);
  EXPECT_DOUBLE_EQ(s.pieces[1].start, 1.0);
  EXPECT_DOUBLE_EQ(s.pieces[1].end_s, 2.0);
  EXPECT_EQ(s.advance, 3000);
  // Ends with unfinished text: the next window starts at the last pair (1.0 s = 100 frames).
  s = whisper_split_segments(std::vector<int32_t>{ts, a, ts + 50, ts + 50, b}, ts, 3000);
  ASSERT_EQ(s.pieces.size(), 1u);
  EXPECT_EQ(s.pieces[0].end, 3u);
  EXPECT_EQ(s.advance, 100);
  // No pair: one segment to the last timestamp, or to the window's end.
  s = whisper_split_segments(std::vector<int32_t>{ts + 7, a, b}, ts, 1200);
  ASSERT_EQ(s.pieces.size(), 1u);
  EXPECT_DOUBLE_EQ(s.pieces[0].end_s, 0.14);
  EXPECT_EQ(s.advance, 1200);
  s = whisper_split_segments(std::vector<int32_t>{a, b}, ts, 1200);
  EXPECT_DOUBLE_EQ(s.pieces[0].end_s, 12.0);
}

TEST(WhisperText, LanguagesAndCompression) {
  EXPECT_EQ(whisper_language_codes().size(), 100u);
  EXPECT_EQ(whisper_language_index("en", 99), 0);
  EXPECT_EQ(whisper_language_index("ko", 99), 5);
  EXPECT_EQ(whisper_language_index("yue", 99), -1);  // large-v3's 100th language
  EXPECT_EQ(whisper_language_index("yue", 100), 99);
  EXPECT_EQ(whisper_language_index("xx", 100), -1);
  std::string repeated;
  for (int i = 0; i < 40; ++i) repeated += "the same words again ";
  EXPECT_GT(whisper_compression_ratio(repeated), 2.4);
  EXPECT_LT(whisper_compression_ratio("And so my fellow Americans"), 2.4);
  EXPECT_EQ(whisper_compression_ratio(""), 0.0);
}

// A random-weight model of the "test" shape (64 audio positions: 1.28 s windows). A larger
// weight scale than the default makes the distributions peaky enough to end segments.
const WhisperModel& test_model() {
  static WhisperModel* model = [] {
    SynthOptions o;
    o.preset = "test";
    o.type = "f32";
    o.seed = 7;
    o.scale = 0.3f;
    o.out_path = test::process_tmp_path("transcribe-test.bin");
    Status s = synth_whisper_model(o);
    EXPECT_TRUE(s.ok()) << s.to_string();
    auto m = WhisperModel::load(o.out_path);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    return new WhisperModel(std::move(*m));
  }();
  return *model;
}

std::vector<float> jfk(double seconds) {
  auto file = MappedFile::open(test::shared_data("audio/jfk.wav"));
  EXPECT_TRUE(file.ok());
  auto audio = load_audio(file->data(), file->size(), "jfk.wav", kWhisperSampleRate);
  EXPECT_TRUE(audio.ok());
  std::vector<float> out;
  const size_t n = size_t(seconds * kWhisperSampleRate);
  while (out.size() < n) {
    out.insert(out.end(), audio->samples.begin(),
               audio->samples.begin() + ptrdiff_t(std::min(audio->samples.size(), n - out.size())));
  }
  return out;
}

TranscribeOptions fast_options() {
  TranscribeOptions o;
  o.beam_size = 1;
  o.temperature_increment = 0.0f;
  o.max_tokens_per_window = 12;
  return o;
}

void expect_well_formed(const Transcript& t) {
  double last_start = 0;
  for (size_t i = 0; i < t.segments.size(); ++i) {
    const TranscriptSegment& s = t.segments[i];
    EXPECT_EQ(s.id, int(i));
    EXPECT_GE(s.start, last_start) << "segment " << i;
    EXPECT_LE(s.start, s.end) << "segment " << i;
    EXPECT_LE(s.end, t.duration + 1e-9) << "segment " << i;
    EXPECT_GE(s.no_speech_prob, 0.0);
    EXPECT_LE(s.no_speech_prob, 1.0);
    EXPECT_LE(s.avg_logprob, 0.0);
    EXPECT_FALSE(s.tokens.empty());
    last_start = s.start;
  }
}

TEST(Transcribe, SegmentsAreOrderedAndInsideTheAudio) {
  ThreadPool pool(1);
  const std::vector<float> audio = jfk(6.0);
  TranscribeOptions o = fast_options();
  o.language = "en";
  auto t = transcribe(test_model(), audio, o, pool);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->language, "en");
  EXPECT_EQ(t->task, "transcribe");
  EXPECT_DOUBLE_EQ(t->duration, 6.0);
  EXPECT_FALSE(t->segments.empty());
  expect_well_formed(*t);
  // Timestamps in the tokens: every segment of a timestamped decode opens with one.
  const int32_t ts = whisper_special_tokens(test_model().hparams()).timestamp_begin;
  for (const TranscriptSegment& s : t->segments) EXPECT_GE(s.tokens.front(), ts);
}

TEST(Transcribe, SeekingCoversLongAudio) {
  ThreadPool pool(2);
  const std::vector<float> audio = jfk(75.0);
  const int64_t content = (int64_t(audio.size()) + kWhisperHop - 1) / kWhisperHop;  // 7500
  const int64_t window = 2 * test_model().hparams().n_audio_ctx;
  std::vector<double> progress;
  TranscribeCallbacks cb;
  cb.on_progress = [&](double p) { progress.push_back(p); };
  TranscribeOptions o = fast_options();
  o.max_tokens_per_window = 6;
  auto t = transcribe(test_model(), audio, o, pool, cb);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  // One progress report per window: each moves forwards by at most a window, the last at 1.
  ASSERT_GE(progress.size(), size_t(content / window));
  double last = 0;
  for (double p : progress) {
    EXPECT_GT(p, last);
    EXPECT_LE((p - last) * double(content), double(window) + 1e-6);
    last = p;
  }
  EXPECT_DOUBLE_EQ(progress.back(), 1.0);
  expect_well_formed(*t);
  int64_t last_seek = -1;
  for (const TranscriptSegment& s : t->segments) {
    EXPECT_GE(s.seek, last_seek);
    EXPECT_LT(s.seek, content);
    last_seek = s.seek;
  }
  EXPECT_GT(t->segments.back().end, 70.0);
}

TEST(Transcribe, DetectsALanguageAndTranslates) {
  ThreadPool pool(1);
  const std::vector<float> audio = jfk(2.0);
  TranscribeOptions o = fast_options();
  o.translate = true;
  o.prompt = "President Kennedy's inaugural address.";
  auto t = transcribe(test_model(), audio, o, pool);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_GE(whisper_language_index(t->language, 99), 0) << t->language;
  EXPECT_EQ(t->task, "translate");
  expect_well_formed(*t);
}

TEST(Transcribe, BadOptionsAreErrors) {
  ThreadPool pool(1);
  const std::vector<float> audio = jfk(1.0);
  TranscribeOptions o = fast_options();
  o.language = "xx";
  EXPECT_EQ(transcribe(test_model(), audio, o, pool).status().code(), StatusCode::kInvalidArgument);
  o.language = "";
  o.beam_size = 0;
  EXPECT_FALSE(transcribe(test_model(), audio, o, pool).ok());
  EXPECT_FALSE(transcribe(test_model(), std::vector<float>{}, fast_options(), pool).ok());
}

// The decoder state after the prompt <|sot|><|en|><|transcribe|> over the first window of jfk.
struct Prompted {
  WhisperDecoderState state;
  std::vector<float> first_logits;
};
Prompted prompted(ThreadPool& pool) {
  const WhisperModel& m = test_model();
  const WhisperSpecialTokens sp = whisper_special_tokens(m.hparams());
  auto mel = whisper_log_mel(jfk(2.0), m.mel_filters(), {});
  EXPECT_TRUE(mel.ok());
  auto enc = whisper_encode(m, mel_window(*mel, 0, 2 * m.hparams().n_audio_ctx), pool);
  EXPECT_TRUE(enc.ok());
  Prompted p{WhisperDecoderState(m), {}};
  EXPECT_TRUE(whisper_decoder_set_audio(m, *enc, p.state, pool).ok());
  auto logits = whisper_decode(m, p.state, {sp.sot, sp.language(0), sp.transcribe}, pool);
  EXPECT_TRUE(logits.ok());
  const size_t nv = size_t(m.hparams().n_vocab);
  p.first_logits.assign(logits->end() - ptrdiff_t(nv), logits->end());
  return p;
}

TEST(Transcribe, OneBeamIsGreedy) {
  ThreadPool pool(1);
  const WhisperModel& m = test_model();
  const WhisperLogitRules rules = whisper_logit_rules(m, true, true);
  Prompted p = prompted(pool);
  WhisperWindowOptions wo;
  wo.max_tokens = 20;
  auto greedy = whisper_decode_window(m, rules, p.state, p.first_logits, wo, pool);
  auto beam = whisper_beam_search(m, rules, p.state, p.first_logits, 1, 20, pool);
  ASSERT_TRUE(greedy.ok() && beam.ok());
  EXPECT_FALSE(greedy->tokens.empty());
  EXPECT_EQ(greedy->tokens, beam->tokens);
  EXPECT_NEAR(greedy->sum_logprob, beam->sum_logprob, 1e-4);
  // Five beams: a sequence the rules allow, scoring at least greedy's per token.
  auto five = whisper_beam_search(m, rules, p.state, p.first_logits, 5, 20, pool);
  ASSERT_TRUE(five.ok());
  EXPECT_FALSE(five->tokens.empty());
  EXPECT_GE(five->tokens.front(), rules.sp.timestamp_begin);
  EXPECT_LE(five->tokens.front(), rules.sp.timestamp_begin + 50);
  // The prompt state is left as it was.
  EXPECT_EQ(p.state.n_past(), 3);
}

TEST(Transcribe, SameResultOnEveryThreadCount) {
  const std::vector<float> audio = jfk(3.0);
  TranscribeOptions o;  // beams, and fallback to sampling on these random weights
  o.max_tokens_per_window = 8;
  o.best_of = 2;
  o.beam_size = 3;
  std::vector<Transcript> results;
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    auto t = transcribe(test_model(), audio, o, pool);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    results.push_back(std::move(*t));
  }
  bool sampled = false;
  for (const TranscriptSegment& s : results[0].segments) sampled |= s.temperature > 0;
  EXPECT_TRUE(sampled) << "random weights should have failed the logprob threshold";
  for (size_t i = 1; i < results.size(); ++i) {
    ASSERT_EQ(results[i].segments.size(), results[0].segments.size());
    EXPECT_EQ(results[i].language, results[0].language);
    for (size_t j = 0; j < results[0].segments.size(); ++j) {
      const TranscriptSegment &a = results[0].segments[j], &b = results[i].segments[j];
      EXPECT_EQ(a.tokens, b.tokens);
      EXPECT_EQ(a.start, b.start);
      EXPECT_EQ(a.end, b.end);
      EXPECT_EQ(a.temperature, b.temperature);
      EXPECT_NEAR(a.avg_logprob, b.avg_logprob, 1e-5);
    }
  }
}

}  // namespace
}  // namespace omni
