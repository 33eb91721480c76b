// Choosing the next token from logits.
//
// Order of operations (as llama.cpp's default chain): logit bias; repetition, presence and
// frequency penalties over the history; then, with temperature 0, the highest logit (lowest id on
// ties); otherwise top-k, top-p and min-p on the probabilities at temperature 1, then the
// temperature, then a draw from the remaining tokens with the sampler's own random stream (same
// seed and inputs => same choices, on every platform).
// Log-probabilities reported for a step are those of the penalized, biased logits at
// temperature 1, before any truncation: the model's distribution as the sampler saw it.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace omni {

struct SamplingParams {
  float temperature = 0.8f;     // 0: greedy
  int top_k = 40;               // 0: off
  float top_p = 0.95f;          // 1: off
  float min_p = 0.05f;          // 0: off
  float repeat_penalty = 1.0f;  // > 1 discourages tokens of the last repeat_last_n
  int repeat_last_n = 64;
  float presence_penalty = 0.0f;   // OpenAI's: subtracted once from every token already present
  float frequency_penalty = 0.0f;  // OpenAI's: subtracted per occurrence
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to the logits
  uint64_t seed = 0x5eed;
  int n_top_logprobs = 0;  // alternatives reported per step
};

struct TokenChoice {
  int32_t id = -1;
  float logprob = 0.0f;
  std::vector<std::pair<int32_t, float>> top;  // most likely tokens and their log-probabilities
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);
  // history: the tokens the penalties look at (the prompt and what was generated so far).
  TokenChoice sample(std::span<const float> logits, std::span<const int32_t> history);
  const SamplingParams& params() const { return p_; }

 private:
  double uniform();  // [0, 1)

  SamplingParams p_;
  uint64_t state_;
  std::vector<float> work_;
  std::vector<int32_t> order_;
};

}  // namespace omni
