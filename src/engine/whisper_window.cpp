#include "engine/whisper_window.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/sampler.h"

namespace omni {
namespace {

// How many tokens a window may add after its prompt.
int token_budget(const WhisperModel& model, const WhisperDecoderState& state, int max_tokens) {
  const int64_t room = int64_t(model.hparams().n_text_ctx) - state.n_past();
  return int(std::max<int64_t>(0, std::min<int64_t>(max_tokens, room)));
}

// One sequence, greedy (temperature 0) or drawn with `sampler`.
StatusOr<WhisperWindowResult> decode_one(const WhisperModel& model, const WhisperLogitRules& rules,
                                         const WhisperDecoderState& prompt_state,
                                         std::span<const float> first_logits, int max_tokens,
                                         Sampler* sampler, ThreadPool& pool) {
  WhisperDecoderState state = prompt_state;
  WhisperWindowResult r;
  std::vector<float> logits(first_logits.begin(), first_logits.end());
  const int budget = token_budget(model, state, max_tokens);
  while (true) {
    apply_whisper_rules(rules, r.tokens, logits);
    int32_t next;
    float logprob;
    if (sampler) {
      const TokenChoice c = sampler->sample(logits, r.tokens);
      next = c.id;
      logprob = c.logprob;
      if (std::isinf(logits[size_t(next)])) {  // a rounding edge of the draw: take the best
        next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        logprob = whisper_log_softmax(logits)[size_t(next)];
      }
    } else {
      next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
      logprob = whisper_log_softmax(logits)[size_t(next)];
    }
    r.sum_logprob += logprob;
    if (next == rules.sp.eot) break;
    r.tokens.push_back(next);
    if (int(r.tokens.size()) >= budget) break;
    OMNI_ASSIGN_OR_RETURN(logits, whisper_decode(model, state, {next}, pool));
  }
  r.avg_logprob = r.sum_logprob / double(r.tokens.size() + 1);
  return r;
}

struct Beam {
  std::vector<int32_t> tokens;
  double logprob = 0;
  int slot = 0;  // the decoder state holding this sequence's cache
};

}  // namespace

StatusOr<WhisperWindowResult> whisper_beam_search(const WhisperModel& model,
                                                  const WhisperLogitRules& rules,
                                                  const WhisperDecoderState& prompt_state,
                                                  std::span<const float> first_logits, int n_beams,
                                                  int max_tokens, ThreadPool& pool) {
  if (n_beams < 1) return InvalidArgument("beam search needs at least one beam");
  if (first_logits.size() != size_t(model.hparams().n_vocab)) {
    return InvalidArgument("first logits: %zu values, expected %d", first_logits.size(),
                           model.hparams().n_vocab);
  }
  const int budget = token_budget(model, prompt_state, max_tokens);
  const size_t n = size_t(n_beams);
  std::vector<WhisperDecoderState> states(n, prompt_state);
  std::vector<std::vector<float>> logits(n);
  std::vector<Beam> beams(n);
  for (int b = 0; b < n_beams; ++b) {
    beams[size_t(b)].slot = b;
    logits[size_t(b)].assign(first_logits.begin(), first_logits.end());
  }
  std::vector<Beam> finished;
  for (int step = 0; step < budget && int(finished.size()) < n_beams; ++step) {
    // Every beam's best n_beams + 1 continuations, scored by their sequence's sum logprob.
    // Identical sequences (the beams start equal) count once.
    std::map<std::vector<int32_t>, std::pair<double, int>> candidates;  // -> (logprob, parent)
    for (int b = 0; b < int(beams.size()); ++b) {
      Beam& beam = beams[size_t(b)];
      std::vector<float>& l = logits[size_t(beam.slot)];
      apply_whisper_rules(rules, beam.tokens, l);
      const std::vector<float> lp = whisper_log_softmax(l);
      std::vector<int32_t> order(lp.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
      const size_t k = std::min(order.size(), size_t(n_beams + 1));
      std::partial_sort(
          order.begin(), order.begin() + ptrdiff_t(k), order.end(), [&](int32_t a, int32_t c) {
            return lp[size_t(a)] > lp[size_t(c)] || (lp[size_t(a)] == lp[size_t(c)] && a < c);
          });
      for (size_t i = 0; i < k; ++i) {
        if (std::isinf(lp[size_t(order[i])])) break;
        std::vector<int32_t> seq = beam.tokens;
        seq.push_back(order[i]);
        const double score = beam.logprob + lp[size_t(order[i])];
        auto it = candidates.find(seq);
        if (it == candidates.end() || it->second.first < score) candidates[seq] = {score, b};
      }
    }
    std::vector<std::pair<const std::vector<int32_t>*, std::pair<double, int>>> ranked;
    for (const auto& [seq, v] : candidates) ranked.push_back({&seq, v});
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    std::vector<Beam> next;
    for (const auto& [seq, v] : ranked) {
      Beam nb;
      nb.tokens = *seq;
      nb.logprob = v.first;
      nb.slot = beams[size_t(v.second)].slot;  // the parent's, reassigned below
      if (nb.tokens.back() == rules.sp.eot) {
        if (int(finished.size()) < n_beams) {
          nb.tokens.pop_back();
          finished.push_back(std::move(nb));
        }
      } else if (int(next.size()) < n_beams) {
        next.push_back(std::move(nb));
      }
      if (int(next.size()) == n_beams) break;
    }
    if (next.empty() || int(finished.size()) >= n_beams || step + 1 >= budget) {
      for (Beam& b : next) {
        if (int(finished.size()) < n_beams) finished.push_back(std::move(b));
      }
      break;
    }
    // Slots: the first child of a parent keeps the parent's slot; the others take slots no
    // surviving sequence descends from, copying the parent's cache.
    std::vector<int> claimed(size_t(n_beams), 0);
    std::vector<bool> is_parent(size_t(n_beams), false);
    for (const Beam& b : next) is_parent[size_t(b.slot)] = true;
    std::vector<int> free_slots;
    for (int s = 0; s < n_beams; ++s) {
      if (!is_parent[size_t(s)]) free_slots.push_back(s);
    }
    std::vector<int> parent_slot(next.size());
    for (size_t i = 0; i < next.size(); ++i) parent_slot[i] = next[i].slot;
    for (size_t i = 0; i < next.size(); ++i) {
      if (!claimed[size_t(parent_slot[i])]) {
        claimed[size_t(parent_slot[i])] = 1;
      } else {
        next[i].slot = free_slots.back();
        free_slots.pop_back();
      }
    }
    // Copy into fresh slots first (their parents still hold the parent's cache), then decode.
    for (size_t i = 0; i < next.size(); ++i) {
      if (next[i].slot != parent_slot[i]) {
        states[size_t(next[i].slot)].copy_context_from(states[size_t(parent_slot[i])]);
      }
    }
    for (Beam& b : next) {
      OMNI_ASSIGN_OR_RETURN(logits[size_t(b.slot)],
                            whisper_decode(model, states[size_t(b.slot)], {b.tokens.back()}, pool));
    }
    beams = std::move(next);
  }
  if (finished.empty()) return WhisperWindowResult{};
  // Length penalty "none": the sum logprob divided by the length.
  const Beam* best = &finished[0];
  auto score = [](const Beam& b) {
    return b.logprob / double(std::max<size_t>(1, b.tokens.size()));
  };
  for (const Beam& b : finished) {
    if (score(b) > score(*best)) best = &b;
  }
  WhisperWindowResult r;
  r.tokens = best->tokens;
  r.sum_logprob = best->logprob;
  r.avg_logprob = r.sum_logprob / double(r.tokens.size() + 1);
  return r;
}

StatusOr<WhisperWindowResult> whisper_decode_window(const WhisperModel& model,
                                                    const WhisperLogitRules& rules,
                                                    const WhisperDecoderState& prompt_state,
                                                    std::span<const float> first_logits,
                                                    const WhisperWindowOptions& o,
                                                    ThreadPool& pool) {
  if (first_logits.size() != size_t(model.hparams().n_vocab)) {
    return InvalidArgument("first logits: %zu values, expected %d", first_logits.size(),
                           model.hparams().n_vocab);
  }
  if (o.beam_size < 1 || o.best_of < 1)
    return InvalidArgument("beam size and best_of must be >= 1");
  WhisperWindowResult r;
  if (o.temperature <= 0.0f) {
    if (o.beam_size > 1) {
      OMNI_ASSIGN_OR_RETURN(r, whisper_beam_search(model, rules, prompt_state, first_logits,
                                                   o.beam_size, o.max_tokens, pool));
    } else {
      OMNI_ASSIGN_OR_RETURN(
          r, decode_one(model, rules, prompt_state, first_logits, o.max_tokens, nullptr, pool));
    }
  } else {
    // best_of draws; openai-whisper keeps the one with the highest sum logprob / length.
    double best_score = 0;
    for (int i = 0; i < o.best_of; ++i) {
      SamplingParams p;
      p.temperature = o.temperature;
      p.top_k = 0;
      p.top_p = 1.0f;
      p.min_p = 0.0f;
      p.seed = o.seed + uint64_t(i) * 0x9e3779b97f4a7c15ull;
      Sampler sampler(p);
      OMNI_ASSIGN_OR_RETURN(
          WhisperWindowResult d,
          decode_one(model, rules, prompt_state, first_logits, o.max_tokens, &sampler, pool));
      const double score = d.sum_logprob / double(std::max<size_t>(1, d.tokens.size()));
      if (i == 0 || score > best_score) {
        best_score = score;
        r = std::move(d);
      }
    }
  }
  r.temperature = o.temperature;
  return r;
}

}  // namespace omni

namespace omni {

WhisperSplit whisper_split_segments(std::span<const int32_t> tok, int32_t ts_begin,
                                    int64_t segment_frames) {
  WhisperSplit split;
  split.advance = segment_frames;
  const size_t n = tok.size();
  auto is_ts = [&](size_t i) { return tok[i] >= ts_begin; };
  auto seconds = [&](int32_t id) { return double(id - ts_begin) * 0.02; };
  const bool single_ending = n >= 2 && !is_ts(n - 2) && is_ts(n - 1);
  std::vector<size_t> cuts;  // after the first timestamp of each pair
  for (size_t i = 1; i < n; ++i) {
    if (is_ts(i - 1) && is_ts(i)) cuts.push_back(i);
  }
  if (!cuts.empty()) {
    if (single_ending) cuts.push_back(n);
    size_t last = 0;
    for (size_t cut : cuts) {
      // A piece opens and closes with timestamps unless the window began with text.
      const double start = is_ts(last) ? seconds(tok[last]) : 0.0;
      const double end = is_ts(cut - 1) ? seconds(tok[cut - 1]) : start;
      split.pieces.push_back({last, cut, start, end});
      last = cut;
    }
    if (!single_ending && is_ts(last - 1)) split.advance = int64_t(tok[last - 1] - ts_begin) * 2;
  } else {
    double duration = double(segment_frames) * 0.01;
    for (size_t i = n; i-- > 0;) {
      if (is_ts(i)) {
        if (tok[i] != ts_begin) duration = seconds(tok[i]);
        break;
      }
    }
    split.pieces.push_back({0, n, 0.0, duration});
  }
  if (split.advance <= 0) split.advance = segment_frames;  // always forwards
  return split;
}

}  // namespace omni
