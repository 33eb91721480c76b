// Sessions over a generated model: prefix reuse is exact, threads do not change results, the
// context limit is an error.
#include <gtest/gtest.h>

#include "engine/generate.h"
#include "engine/session.h"
#include "models/synth/synth.h"
#include "test_util.h"

namespace omni {
namespace {

const TextModel& tiny_model(const std::string& arch) {
  static std::map<std::string, std::unique_ptr<TextModel>> models;
  auto& m = models[arch];
  if (!m) {
    SynthOptions o;
    o.arch = arch;
    o.type = "q8_0";
    o.scale = 0.05f;
    o.seed = 11;
    o.out_path = test::process_tmp_path("session-" + arch + ".gguf");
    ThreadPool pool(2);
    EXPECT_TRUE(synth_text_model(o, pool).ok());
    auto loaded = TextModel::load(o.out_path);
    EXPECT_TRUE(loaded.ok()) << loaded.status().to_string();
    m = std::move(*loaded);
  }
  return *m;
}

std::vector<int32_t> ids(std::initializer_list<int32_t> v) {
  return v;
}

// A conversation evaluated turn by turn (each turn reusing the cache) ends with exactly the
// logits of evaluating the whole conversation at once, and each turn evaluates only its new
// tokens.
TEST(TextSession, MultiTurnReusesThePrefixAndMatchesFromScratch) {
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    const TextModel& model = tiny_model(arch);
    ThreadPool pool(2);
    SessionOptions so;
    so.n_ctx = 256;
    so.n_batch = 7;  // several chunks per turn
    TextSession chat(model, so, pool);
    std::vector<int32_t> conversation;
    const std::vector<std::vector<int32_t>> turns = {
        ids({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), ids({11, 12, 13}),
        ids({500, 501, 502, 503, 504, 505, 506, 507, 508}), ids({1023})};
    int64_t total_evaluated = 0;
    for (const auto& turn : turns) {
      conversation.insert(conversation.end(), turn.begin(), turn.end());
      auto st = chat.set_tokens(conversation);
      ASSERT_TRUE(st.ok()) << st.status().to_string();
      EXPECT_EQ(st->evaluated, int64_t(turn.size())) << arch;
      EXPECT_EQ(st->reused, int64_t(conversation.size() - turn.size())) << arch;
      total_evaluated += st->evaluated;
      std::printf("  %s turn: %lld reused, %lld evaluated\n", arch, (long long)st->reused,
                  (long long)st->evaluated);
    }
    EXPECT_EQ(total_evaluated, int64_t(conversation.size()));
    TextSession scratch(model, so, pool);
    ASSERT_TRUE(scratch.set_tokens(conversation).ok());
    const auto a = chat.logits(), b = scratch.logits();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << arch << " logit " << i;
  }
}

TEST(TextSession, EditingTheHistoryKeepsOnlyTheCommonPrefix) {
  const TextModel& model = tiny_model("llama");
  ThreadPool pool(1);
  TextSession s(model, SessionOptions{64, 16}, pool);
  ASSERT_TRUE(s.set_tokens(ids({5, 6, 7, 8})).ok());
  auto st = s.set_tokens(ids({5, 6, 9}));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->reused, 2);
  EXPECT_EQ(st->evaluated, 1);
  st = s.set_tokens(ids({5, 6, 9}));  // same tokens: the last one is evaluated again for its logits
  EXPECT_EQ(st->reused, 2);
  EXPECT_EQ(st->evaluated, 1);
}

TEST(TextSession, GreedyTokensDoNotDependOnTheThreadCount) {
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    const TextModel& model = tiny_model(arch);
    std::vector<std::vector<int32_t>> outputs;
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      TextSession s(model, SessionOptions{256, 32}, pool);
      SamplingParams sp;
      sp.temperature = 0;
      Sampler sampler(sp);
      GenerateOptions go;
      go.max_tokens = 64;
      go.stop_at_end_of_generation = false;
      auto r = generate(s, ids({3, 1, 4, 1, 5, 9, 2, 6}), sampler, go);
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      std::vector<int32_t> out;
      for (const auto& c : r->steps) out.push_back(c.id);
      ASSERT_EQ(out.size(), 64u);
      outputs.push_back(out);
    }
    EXPECT_EQ(outputs[0], outputs[1]) << arch;
  }
}

TEST(TextSession, ContextOverflowIsAnErrorAndChangesNothing) {
  const TextModel& model = tiny_model("qwen2");
  ThreadPool pool(1);
  TextSession s(model, SessionOptions{8, 8}, pool);
  ASSERT_TRUE(s.set_tokens(ids({1, 2, 3})).ok());
  auto st = s.set_tokens(ids({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.status().message().find("context_length_exceeded"), std::string::npos);
  EXPECT_EQ(s.tokens().size(), 3u);
  EXPECT_FALSE(s.append(ids({4, 5, 6, 7, 8, 9})).ok());
  EXPECT_TRUE(s.append(ids({4, 5, 6, 7, 8})).ok());
  EXPECT_FALSE(s.set_tokens(ids({1, 2, 5000})).ok());  // not a token of the vocabulary
}

}  // namespace
}  // namespace omni
