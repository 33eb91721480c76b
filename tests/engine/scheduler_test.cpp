#include "engine/scheduler.h"

#include <gtest/gtest.h>

#include "engine/generate.h"
#include "models/synth/synth.h"
#include "test_util.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

const TextModel& tiny_model() {
  static std::unique_ptr<TextModel> model = [] {
    SynthOptions o;
    o.arch = "qwen2";
    o.type = "q8_0";
    o.scale = 0.08f;
    o.seed = 11;
    o.out_path = test::process_tmp_path("scheduler-qwen2.gguf");
    ThreadPool pool(2);
    EXPECT_TRUE(synth_text_model(o, pool).ok());
    auto m = TextModel::load(o.out_path);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    return std::move(*m);
  }();
  return *model;
}

struct Collected {
  std::vector<int32_t> tokens;
  std::string text;
  std::string finish_reason;
  GenerationUsage usage;
  bool error = false;
};

Collected collect(Generation& g) {
  Collected c;
  for (;;) {
    std::vector<GenerationEvent> events;
    if (!g.wait(&events, 20s)) {
      ADD_FAILURE() << "no event within 20 s";
      return c;
    }
    for (auto& e : events) {
      c.text += e.text;
      if (e.kind == GenerationEvent::Kind::kStep) c.tokens.push_back(e.token.id);
      if (e.kind == GenerationEvent::Kind::kError) c.error = true;
      if (e.kind != GenerationEvent::Kind::kStep) {
        c.finish_reason = e.finish_reason;
        c.usage = e.usage;
        return c;
      }
    }
  }
}

// The same request through the one-sequence path (TextSession + generate). Its tokens are the
// delivered ones: an end-of-generation token ends it without being delivered (generate lists it
// as a step; the scheduler counts it in usage but sends no step for it).
Collected generate_alone(const TextModel& model, const GenerationRequest& r) {
  ThreadPool pool(1);
  TextSession session(model, SessionOptions{256, 7}, pool);
  Sampler sampler(r.sampling);
  GenerateOptions go;
  go.max_tokens = r.max_tokens;
  go.stop = r.stop;
  auto result = generate(session, r.prompt, sampler, go);
  EXPECT_TRUE(result.ok());
  Collected c;
  for (const auto& step : result->steps) c.tokens.push_back(step.id);
  c.usage.completion_tokens = int64_t(c.tokens.size());
  if (!c.tokens.empty() && is_end_of_generation(*model.tokenizer(), c.tokens.back()))
    c.tokens.pop_back();
  c.text = result->text;
  c.finish_reason = result->finish_reason;
  return c;
}

GenerationRequest request(const std::string& prompt, uint64_t seed, float temperature,
                          int max_tokens) {
  GenerationRequest r;
  r.prompt = tiny_model().tokenizer()->encode(prompt);
  r.sampling.temperature = temperature;
  r.sampling.seed = seed;
  r.max_tokens = max_tokens;
  return r;
}

TEST(Scheduler, BatchedSequencesMatchEachSequenceAlone) {
  const TextModel& model = tiny_model();
  SchedulerOptions o;
  o.n_slots = 3;
  o.n_ctx = 256;
  o.n_batch = 16;  // prompts take several steps, interleaved with other sequences' decoding
  o.n_threads = 2;
  Scheduler scheduler(model, o);
  std::vector<GenerationRequest> requests = {
      request("the quick brown fox jumps over the lazy dog and then", 1, 0.0f, 24),
      request("hello", 2, 0.9f, 30),
      request("a much longer prompt that needs more than one chunk of sixteen tokens to be read "
              "into the cache, so it is prefilled while the others decode",
              3, 0.7f, 20),
      request("one more, waiting for a free slot", 4, 1.2f, 16),
  };
  std::vector<std::shared_ptr<Generation>> gens;
  for (const auto& r : requests) {
    auto g = scheduler.submit(r);
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    gens.push_back(*g);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    const Collected batched = collect(*gens[i]);
    const Collected alone = generate_alone(model, requests[i]);
    EXPECT_EQ(batched.tokens, alone.tokens) << "request " << i;
    EXPECT_EQ(batched.text, alone.text) << "request " << i;
    EXPECT_EQ(batched.finish_reason, alone.finish_reason) << "request " << i;
    EXPECT_EQ(batched.usage.prompt_tokens, int64_t(requests[i].prompt.size()));
    EXPECT_EQ(batched.usage.completion_tokens, alone.usage.completion_tokens);
  }
  const SchedulerStats stats = scheduler.stats();
  EXPECT_GT(stats.batched_tokens, stats.steps) << "steps should carry several tokens";
  EXPECT_EQ(stats.active, 0);
}

TEST(Scheduler, StopStringCutsTheTextAsGenerateDoes) {
  const TextModel& model = tiny_model();
  Scheduler scheduler(model, SchedulerOptions{2, 256, 32, 8, 1});
  GenerationRequest r = request("stop strings are cut from", 5, 0.8f, 40);
  const Collected full = generate_alone(model, r);
  ASSERT_GT(full.text.size(), 12u);
  r.stop = {full.text.substr(full.text.size() / 2, 3)};
  auto g = scheduler.submit(r);
  ASSERT_TRUE(g.ok());
  const Collected cut = collect(**g);
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(r.stop[0])));
  EXPECT_EQ(cut.text, generate_alone(model, r).text);
}

TEST(Scheduler, NextTurnReusesTheCachedPrefix) {
  const TextModel& model = tiny_model();
  Scheduler scheduler(model, SchedulerOptions{2, 256, 64, 8, 1});
  GenerationRequest first = request("a conversation that goes on", 6, 0.0f, 8);
  auto g1 = scheduler.submit(first);
  ASSERT_TRUE(g1.ok());
  const Collected c1 = collect(**g1);
  EXPECT_EQ(c1.usage.cached_tokens, 0);
  // The next turn: the first prompt, the reply, and more.
  GenerationRequest second = first;
  second.prompt.insert(second.prompt.end(), c1.tokens.begin(), c1.tokens.end());
  for (int32_t t : model.tokenizer()->encode(" and on")) second.prompt.push_back(t);
  auto g2 = scheduler.submit(second);
  ASSERT_TRUE(g2.ok());
  const Collected c2 = collect(**g2);
  // Every token but the last sampled one was evaluated into the cache.
  EXPECT_EQ(c2.usage.cached_tokens, int64_t(first.prompt.size() + c1.tokens.size() - 1));
  EXPECT_EQ(c2.tokens, generate_alone(model, second).tokens);
}

TEST(Scheduler, FullQueueIsRefusedAndCancelFreesTheSlot) {
  const TextModel& model = tiny_model();
  Scheduler scheduler(model, SchedulerOptions{1, 256, 32, 1, 1});
  GenerationRequest endless = request("an endless reply", 7, 1.0f, -1);
  // It must not end early on a control token (end of turn, end of text): ban them all.
  const Tokenizer& tok = *model.tokenizer();
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    if (id == tok.spec().eos_id ||
        (!tok.spec().types.empty() && tok.spec().types[size_t(id)] == TokenType::kControl))
      endless.sampling.logit_bias.emplace_back(id, -1e9f);
  }
  auto g1 = scheduler.submit(endless);
  ASSERT_TRUE(g1.ok());
  std::vector<GenerationEvent> events;
  ASSERT_TRUE((*g1)->wait(&events, 20s));  // it holds the only slot now
  auto g2 = scheduler.submit(request("waits", 8, 0.0f, 4));
  ASSERT_TRUE(g2.ok());
  auto g3 = scheduler.submit(request("refused", 9, 0.0f, 4));
  ASSERT_FALSE(g3.ok());
  EXPECT_EQ(g3.status().code(), StatusCode::kUnavailable);
  (*g1)->cancel();
  EXPECT_EQ(collect(**g1).finish_reason, "cancelled");
  const Collected c2 = collect(**g2);
  EXPECT_EQ(c2.finish_reason, "length");
  EXPECT_EQ(c2.tokens.size(), 4u);
}

TEST(Scheduler, PromptsThatDoNotFitAreRefused) {
  const TextModel& model = tiny_model();
  Scheduler scheduler(model, SchedulerOptions{1, 16, 8, 4, 1});
  GenerationRequest r;
  r.prompt.assign(17, 1);
  auto g = scheduler.submit(r);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(g.status().message().find("context_length_exceeded"), std::string::npos);
  r.prompt.assign(10, 1);
  r.max_tokens = 7;
  EXPECT_EQ(scheduler.submit(r).status().code(), StatusCode::kOutOfRange);
  r.max_tokens = 6;
  EXPECT_TRUE(scheduler.submit(r).ok());
  r.prompt.assign(3, int32_t(model.n_vocab()));
  EXPECT_EQ(scheduler.submit(r).status().code(), StatusCode::kInvalidArgument);
  scheduler.stop_accepting_and_cancel_all();
  r.prompt.assign(3, 1);
  EXPECT_EQ(scheduler.submit(r).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace omni
