// The forward pass of a llama-family model over a batch of new tokens, with the per-session state
// it needs (key/value cache and activation scratch, all allocated once up front).
#pragma once

#include <cstdint>
#include <vector>

#include "base/thread_pool.h"
#include "models/text/text_model.h"
#include "nn/matmul.h"

namespace omni {

struct TextState {
  int64_t n_ctx = 0;                                 // positions the cache holds
  int64_t n_batch = 0;                               // most tokens evaluated in one forward call
  std::vector<std::vector<float>> k_cache, v_cache;  // per layer: [n_ctx, n_head_kv * head_dim]
  // Scratch, [n_batch, width] each.
  std::vector<float> x, h, q, k, v, attn, proj, gate, up;
  std::vector<float> scores;  // [n_threads, n_ctx]
  std::vector<float> logits;  // [n_vocab]: the last evaluated position
  nn::MatmulScratch matmul;
};

TextState make_text_state(const TextModel& model, int64_t n_ctx, int64_t n_batch, int n_threads);

// Evaluates tokens[0 .. n_tokens) at positions pos0 .. pos0 + n_tokens - 1, which must satisfy
// n_tokens <= n_batch and pos0 + n_tokens <= n_ctx; the cache must hold positions 0 .. pos0 - 1.
// Leaves the last position's logits in state.logits; when all_logits is not null, also writes
// every position's logits there ([n_tokens, n_vocab]).
void text_forward(const TextModel& model, TextState& state, const int32_t* tokens, int64_t n_tokens,
                  int64_t pos0, float* all_logits, ThreadPool& pool);

}  // namespace omni
