// Whisper models: synthesized files load with every tensor in place, the encoder's output does
// not depend on the thread count, and files that are not whole models are clear errors. The
// values are compared with numpy in tests/reference/test_whisper_encoder.py.
#include <gtest/gtest.h>

#include <cmath>

#include "audio/mel.h"
#include "base/thread_pool.h"
#include "models/audio/whisper/whisper_arch.h"
#include "models/audio/whisper/whisper_decoder.h"
#include "models/audio/whisper/whisper_encoder.h"
#include "models/audio/whisper/whisper_model.h"
#include "models/synth/synth_whisper.h"
#include "test_util.h"

namespace omni {
namespace {

std::string synth(const std::string& preset, const std::string& type, uint64_t seed) {
  SynthOptions o;
  o.preset = preset;
  o.type = type;
  o.seed = seed;
  o.out_path = test::process_tmp_path("whisper-" + preset + "-" + type + ".bin");
  Status s = synth_whisper_model(o);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return o.out_path;
}

LogMel test_window(int n_mels, int64_t n_frames) {
  LogMel mel;
  mel.n_mels = n_mels;
  mel.n_frames = n_frames;
  const std::vector<float> x = test::random_floats(size_t(n_mels * n_frames), 5, 0.5f);
  mel.data = x;
  return mel;
}

TEST(WhisperModel, SynthesizedTestModelLoads) {
  auto model = WhisperModel::load_ggml(synth("test", "f16", 1));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ(model->hparams().n_audio_ctx, 64);
  EXPECT_EQ(model->hparams().ftype, 1);
  EXPECT_EQ(model->encoder.size(), 2u);
  EXPECT_EQ(model->decoder.size(), 2u);
  EXPECT_EQ(model->conv1_w.type, DType::F16);
  EXPECT_EQ(model->conv1_w.ne[0], 3);
  EXPECT_EQ(model->conv1_w.ne[1], 80);
  EXPECT_EQ(model->token_embedding.ne[1], 51865);
  EXPECT_EQ(model->decoder[1].cv_b.type, DType::F32);
  EXPECT_EQ(model->tokens().size(), 50257u);
  // The filterbank written is the Slaney one, bit for bit.
  EXPECT_EQ(model->mel_filters().weights, slaney_mel_filterbank(80).weights);
}

TEST(WhisperModel, EveryPresetHasConsistentShapes) {
  for (const char* name :
       {"test", "tiny", "base", "small", "medium", "large-v3", "large-v3-turbo"}) {
    auto h = whisper_preset(name);
    ASSERT_TRUE(h.ok()) << name;
    EXPECT_EQ(h->n_audio_state % h->n_audio_head, 0) << name;
    const auto specs = whisper_tensor_specs(*h);
    // 11 global tensors, 15 per encoder block, 24 per decoder block.
    EXPECT_EQ(specs.size(), size_t(11 + 15 * h->n_audio_layer + 24 * h->n_text_layer)) << name;
  }
  EXPECT_EQ(whisper_preset("large-v3")->n_mels, 128);
  EXPECT_EQ(whisper_preset("large-v3-turbo")->n_text_layer, 4);
  EXPECT_FALSE(whisper_preset("huge").ok());
}

TEST(WhisperEncoder, SameBitsForAnyThreadCount) {
  auto model = WhisperModel::load_ggml(synth("test", "f32", 2));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const LogMel window = test_window(80, 128);
  ThreadPool one(1), three(3);
  auto a = whisper_encode(*model, window, one);
  auto b = whisper_encode(*model, window, three);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 64u * 64u);
  EXPECT_EQ(*a, *b);
  for (float x : *a) ASSERT_TRUE(std::isfinite(x));
  // ln_post: each row has mean ~ bias mean and is not constant.
  float lo = 1e9f, hi = -1e9f;
  for (float x : *a) lo = std::min(lo, x), hi = std::max(hi, x);
  EXPECT_GT(hi - lo, 1.0f);
}

TEST(WhisperEncoder, RejectsAWindowOfTheWrongSize) {
  auto model = WhisperModel::load_ggml(synth("test", "f32", 3));
  ASSERT_TRUE(model.ok());
  ThreadPool pool(1);
  auto out = whisper_encode(*model, test_window(80, 3000), pool);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("takes 80 x 128 mel frames, not 80 x 3000"),
            std::string::npos)
      << out.status().to_string();
}

TEST(WhisperDecoder, SpecialTokensFollowTheVocabularySize) {
  WhisperHparams h;
  h.n_vocab = 51865;  // multilingual
  WhisperSpecialTokens t = whisper_special_tokens(h);
  EXPECT_EQ(t.eot, 50257);
  EXPECT_EQ(t.sot, 50258);
  EXPECT_EQ(t.language(0), 50259);
  EXPECT_EQ(t.translate, 50358);
  EXPECT_EQ(t.transcribe, 50359);
  EXPECT_EQ(t.no_timestamps, 50363);
  EXPECT_EQ(t.timestamp_begin, 50364);
  h.n_vocab = 51864;  // English only
  t = whisper_special_tokens(h);
  EXPECT_EQ(t.eot, 50256);
  EXPECT_EQ(t.transcribe, 50358);
  EXPECT_EQ(t.no_timestamps, 50362);
  h.n_vocab = 51866;  // large-v3: one more language
  t = whisper_special_tokens(h);
  EXPECT_EQ(t.transcribe, 50360);
  EXPECT_EQ(t.no_timestamps, 50364);
}

// Tokens fed one at a time through the cache give the logits of feeding them all at once.
TEST(WhisperDecoder, CachedStepsMatchOneBatch) {
  auto model = WhisperModel::load_ggml(synth("test", "f32", 4));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ThreadPool pool(2);
  auto encoded = whisper_encode(*model, test_window(80, 128), pool);
  ASSERT_TRUE(encoded.ok());
  const std::vector<int32_t> ids = {50258, 50259, 50359, 50363, 400, 370, 452};
  WhisperDecoderState batch(*model), steps(*model);
  ASSERT_TRUE(whisper_decoder_set_audio(*model, *encoded, batch, pool).ok());
  ASSERT_TRUE(whisper_decoder_set_audio(*model, *encoded, steps, pool).ok());
  auto all = whisper_decode(*model, batch, ids, pool);
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  const size_t n_vocab = 51865;
  ASSERT_EQ(all->size(), ids.size() * n_vocab);
  auto first = whisper_decode(*model, steps, {ids[0], ids[1], ids[2]}, pool);
  ASSERT_TRUE(first.ok());
  double max_diff = 0;
  for (size_t i = 0; i < 3 * n_vocab; ++i) {
    max_diff = std::max(max_diff, std::fabs(double((*first)[i]) - (*all)[i]));
  }
  for (size_t p = 3; p < ids.size(); ++p) {
    auto one = whisper_decode(*model, steps, {ids[p]}, pool);
    ASSERT_TRUE(one.ok());
    for (size_t i = 0; i < n_vocab; ++i) {
      max_diff = std::max(max_diff, std::fabs(double((*one)[i]) - (*all)[p * n_vocab + i]));
    }
  }
  EXPECT_EQ(steps.n_past(), int64_t(ids.size()));
  // Only the summation order of the attention differs (the same dot products otherwise).
  EXPECT_LT(max_diff, 1e-5);
}

TEST(WhisperDecoder, ErrorsAndGreedy) {
  auto model = WhisperModel::load_ggml(synth("test", "f32", 5));
  ASSERT_TRUE(model.ok());
  ThreadPool pool(1);
  WhisperDecoderState state(*model);
  EXPECT_EQ(whisper_decode(*model, state, {1}, pool).status().code(),
            StatusCode::kInvalidArgument);  // no audio yet
  auto encoded = whisper_encode(*model, test_window(80, 128), pool);
  ASSERT_TRUE(encoded.ok());
  ASSERT_TRUE(whisper_decoder_set_audio(*model, *encoded, state, pool).ok());
  EXPECT_EQ(whisper_decode(*model, state, {51865}, pool).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(whisper_decode(*model, state, std::vector<int32_t>(449, 1), pool).status().code(),
            StatusCode::kOutOfRange);
  auto ids = whisper_greedy(*model, *encoded, 5, pool);
  ASSERT_TRUE(ids.ok()) << ids.status().to_string();
  EXPECT_LE(ids->size(), 5u);
  for (int32_t id : *ids) EXPECT_LT(id, 50257);  // text tokens only
}

TEST(WhisperModel, HeaderWithoutTensorsIsAnError) {
  auto model =
      WhisperModel::load_ggml(test::shared_data("models/whisper.cpp-for-tests-ggml-tiny.bin"));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(model.status().message().find("tensor 'encoder.positional_embedding' is missing"),
            std::string::npos)
      << model.status().to_string();
}

}  // namespace
}  // namespace omni
