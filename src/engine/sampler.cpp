#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace omni {

Sampler::Sampler(const SamplingParams& params) : p_(params), state_(params.seed) {}

double Sampler::uniform() {
  // splitmix64: a small, portable stream.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return double(z >> 11) * (1.0 / 9007199254740992.0);
}

TokenChoice Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
  const int32_t n = int32_t(logits.size());
  work_.assign(logits.begin(), logits.end());
  for (const auto& [id, bias] : p_.logit_bias) {
    if (id >= 0 && id < n) work_[size_t(id)] += bias;
  }
  if (p_.repeat_penalty != 1.0f && p_.repeat_last_n != 0) {
    const size_t from = p_.repeat_last_n < 0 || size_t(p_.repeat_last_n) >= history.size()
                            ? 0
                            : history.size() - size_t(p_.repeat_last_n);
    std::vector<int32_t> seen(history.begin() + long(from), history.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t id : seen) {
      if (id < 0 || id >= n) continue;
      float& l = work_[size_t(id)];
      l = l > 0 ? l / p_.repeat_penalty : l * p_.repeat_penalty;
    }
  }
  if (p_.presence_penalty != 0.0f || p_.frequency_penalty != 0.0f) {
    std::unordered_map<int32_t, int> counts;
    for (int32_t id : history) counts[id]++;
    for (const auto& [id, c] : counts) {
      if (id >= 0 && id < n)
        work_[size_t(id)] -= float(c) * p_.frequency_penalty + p_.presence_penalty;
    }
  }
  // Log-softmax of the adjusted logits, for the reported log-probabilities.
  const float max = *std::max_element(work_.begin(), work_.end());
  double sum = 0.0;
  for (float l : work_) sum += std::exp(double(l) - max);
  const double log_z = max + std::log(sum);
  auto logprob = [&](int32_t id) { return float(double(work_[size_t(id)]) - log_z); };

  TokenChoice choice;
  order_.resize(size_t(n));
  for (int32_t i = 0; i < n; ++i) order_[size_t(i)] = i;
  auto by_logit = [&](int32_t a, int32_t b) {
    return work_[size_t(a)] > work_[size_t(b)] || (work_[size_t(a)] == work_[size_t(b)] && a < b);
  };
  // Candidates sorted by logit: only as many as any step below needs.
  size_t keep = size_t(n);
  if (p_.temperature > 0 && p_.top_k > 0) keep = std::min(keep, size_t(p_.top_k));
  const size_t need =
      std::max<size_t>({p_.temperature > 0 ? keep : 1, size_t(std::max(0, p_.n_top_logprobs)), 1});
  if (need < size_t(n)) {
    std::partial_sort(order_.begin(), order_.begin() + long(need), order_.end(), by_logit);
  } else {
    std::sort(order_.begin(), order_.end(), by_logit);
  }
  for (int i = 0; i < p_.n_top_logprobs && i < n; ++i)
    choice.top.emplace_back(order_[size_t(i)], logprob(order_[size_t(i)]));

  if (p_.temperature <= 0.0f) {
    choice.id = order_[0];
  } else {
    // Probabilities at temperature 1 of the top-k candidates.
    std::vector<double> prob(keep);
    double total = 0.0;
    for (size_t i = 0; i < keep; ++i)
      total += prob[i] = std::exp(double(work_[size_t(order_[i])]) - max);
    size_t cut = keep;
    if (p_.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
      double acc = 0.0;
      for (size_t i = 0; i < keep; ++i) {
        acc += prob[i] / total;
        if (acc >= p_.top_p) {
          cut = i + 1;
          break;
        }
      }
    }
    if (p_.min_p > 0.0f) {
      size_t m = 1;
      while (m < cut && prob[m] >= p_.min_p * prob[0]) ++m;
      cut = m;
    }
    // Temperature on the survivors, then one draw.
    double t_total = 0.0;
    std::vector<double> w(cut);
    for (size_t i = 0; i < cut; ++i) {
      t_total += w[i] = std::exp((double(work_[size_t(order_[i])]) - max) / p_.temperature);
    }
    double r = uniform() * t_total;
    size_t pick = cut - 1;
    for (size_t i = 0; i < cut; ++i) {
      if (r < w[i]) {
        pick = i;
        break;
      }
      r -= w[i];
    }
    choice.id = order_[pick];
  }
  choice.logprob = logprob(choice.id);
  return choice;
}

}  // namespace omni
