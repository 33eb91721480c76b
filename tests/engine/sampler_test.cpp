#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/sampler.h"

namespace omni {
namespace {

std::vector<float> logits_of(std::initializer_list<float> v) {
  return v;
}

TEST(Sampler, GreedyTakesTheHighestLogitAndReportsLogprobs) {
  SamplingParams p;
  p.temperature = 0;
  p.n_top_logprobs = 2;
  Sampler s(p);
  const auto l = logits_of({1.0f, 3.0f, 2.0f, 3.0f});
  const TokenChoice c = s.sample(l, {});
  EXPECT_EQ(c.id, 1);  // ties go to the lower id
  const double z = std::log(std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0));
  EXPECT_NEAR(c.logprob, 3.0 - z, 1e-6);
  ASSERT_EQ(c.top.size(), 2u);
  EXPECT_EQ(c.top[0].first, 1);
  EXPECT_EQ(c.top[1].first, 3);
}

TEST(Sampler, SameSeedSameChoicesDifferentSeedDifferentChoices) {
  std::vector<float> l(100);
  for (int i = 0; i < 100; ++i) l[size_t(i)] = float(i % 7) * 0.3f;
  auto run = [&](uint64_t seed) {
    SamplingParams p;
    p.temperature = 1.5f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = seed;
    Sampler s(p);
    std::vector<int32_t> out;
    for (int i = 0; i < 50; ++i) out.push_back(s.sample(l, {}).id);
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Sampler, TruncationKeepsOnlyTheAllowedTokens) {
  const auto l = logits_of({5.0f, 4.9f, 0.0f, -1.0f, 4.8f});
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 2;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  Sampler s(p);
  std::map<int32_t, int> seen;
  for (int i = 0; i < 300; ++i) seen[s.sample(l, {}).id]++;
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.count(0) && seen.count(1));
  p.top_k = 0;
  p.min_p = 0.5f;  // keeps tokens with at least half the top probability: 0, 1, 4
  Sampler m(p);
  seen.clear();
  for (int i = 0; i < 300; ++i) seen[m.sample(l, {}).id]++;
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_FALSE(seen.count(2) || seen.count(3));
}

TEST(Sampler, BiasAndPenaltiesMoveTheChoice) {
  const auto l = logits_of({2.0f, 1.0f, 0.5f});
  SamplingParams p;
  p.temperature = 0;
  p.logit_bias = {{2, 10.0f}};
  EXPECT_EQ(Sampler(p).sample(l, {}).id, 2);
  p.logit_bias.clear();
  p.repeat_penalty = 4.0f;  // 2.0 / 4 = 0.5 < 1.0
  EXPECT_EQ(Sampler(p).sample(l, std::vector<int32_t>{0}).id, 1);
  p.repeat_penalty = 1.0f;
  p.frequency_penalty = 0.6f;  // 2.0 - 2 * 0.6 = 0.8 < 1.0
  EXPECT_EQ(Sampler(p).sample(l, std::vector<int32_t>{0, 0}).id, 1);
  p.frequency_penalty = 0;
  p.presence_penalty = 1.2f;
  EXPECT_EQ(Sampler(p).sample(l, std::vector<int32_t>{0, 0, 0}).id, 1);
}

}  // namespace
}  // namespace omni
