#include <gtest/gtest.h>

#include "engine/generate.h"
#include "models/synth/synth.h"
#include "test_util.h"

namespace omni {
namespace {

std::unique_ptr<TextModel> load_tiny() {
  SynthOptions o;
  o.arch = "qwen2";
  o.type = "f16";
  o.scale = 0.08f;
  o.seed = 5;
  o.out_path = test::process_tmp_path("generate-qwen2.gguf");
  ThreadPool pool(2);
  EXPECT_TRUE(synth_text_model(o, pool).ok());
  auto m = TextModel::load(o.out_path);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  return m.ok() ? std::move(*m) : nullptr;
}

StatusOr<GenerateResult> run(const TextModel& model, const GenerateOptions& go,
                             std::string* streamed) {
  ThreadPool pool(2);
  TextSession s(model, SessionOptions{512, 64}, pool);
  SamplingParams sp;
  sp.temperature = 0;
  Sampler sampler(sp);
  const std::vector<int32_t> prompt = model.tokenizer()->encode("the quick brown fox");
  return generate(s, prompt, sampler, go, [&](std::string_view t, const TokenChoice&) {
    streamed->append(t);
    return true;
  });
}

TEST(Generate, StopStringsEndTheTextAndAreNotEmitted) {
  auto model = load_tiny();
  ASSERT_TRUE(model);
  GenerateOptions go;
  go.max_tokens = 48;
  go.stop_at_end_of_generation = false;
  std::string streamed;
  auto full = run(*model, go, &streamed);
  ASSERT_TRUE(full.ok()) << full.status().to_string();
  EXPECT_EQ(full->finish_reason, "length");
  EXPECT_EQ(streamed, full->text);
  ASSERT_GT(full->text.size(), 12u) << "the model should produce some text";
  // Stop at a substring from the middle of what greedy decoding produces.
  const std::string stop = full->text.substr(full->text.size() / 2, 3);
  const size_t at = full->text.find(stop);
  go.stop = {stop};
  streamed.clear();
  auto cut = run(*model, go, &streamed);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->finish_reason, "stop");
  EXPECT_EQ(cut->text, full->text.substr(0, at));
  EXPECT_EQ(streamed, cut->text);
}

TEST(Generate, MaxTokensAndCallbackCancellation) {
  auto model = load_tiny();
  ASSERT_TRUE(model);
  ThreadPool pool(1);
  TextSession s(*model, SessionOptions{512, 64}, pool);
  SamplingParams sp;
  sp.temperature = 0;
  Sampler sampler(sp);
  GenerateOptions go;
  go.max_tokens = 5;
  go.stop_at_end_of_generation = false;
  const std::vector<int32_t> prompt = {1, 2, 3};
  auto r = generate(s, prompt, sampler, go);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->steps.size(), 5u);
  EXPECT_EQ(s.tokens().size(), 3u + 5u);
  go.max_tokens = 50;
  int calls = 0;
  r = generate(s, prompt, sampler, go,
               [&](std::string_view, const TokenChoice&) { return ++calls < 2; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_LT(r->steps.size(), 50u);
}

}  // namespace
}  // namespace omni
