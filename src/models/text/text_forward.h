// The forward pass of a llama-family model over a batch of new tokens.
//
// State is split the way a server needs it: a KvCache per sequence (a conversation), and one
// TextScratch of activations shared by whatever batch is being evaluated. A batch may mix tokens
// of several sequences (continuous batching): every weight matrix is read once per batch, and
// each token attends only to its own sequence's cache.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "models/text/text_model.h"
#include "nn/attention.h"
#include "nn/matmul.h"

namespace omni {

// The keys and values of one sequence, stored as F16 (IEEE half, rounded to nearest even: half
// the memory and the bytes read per generated token) or F32.
struct KvCache {
  DType type = DType::F16;
  int64_t n_ctx = 0;  // positions it holds
  // Per layer: [n_head_kv, n_ctx, head_dim] elements of `type`: each kv head's positions are
  // contiguous, so the attend kernel reads a head's block of positions as one dense array.
  std::vector<std::vector<uint8_t>> k, v;
};
// type: F16 or F32.
KvCache make_kv_cache(const TextModel& model, int64_t n_ctx, DType type);

// The feed-forward block runs this many tokens at a time: its two n_ff-wide activations (the
// widest, 4-6x the embedding) take these rows of scratch, not n_batch. It divides the usual
// batches (256, 512) into equal pieces; pieces of 96 (256 = 96 + 96 + 64) made Qwen2.5-0.5B
// Q4_K_M's prompts about 10% slower, for reasons not found.
constexpr int64_t kFfnRows = 128;

// Activation scratch for up to n_batch tokens attending to at most max_ctx positions.
struct TextScratch {
  int64_t n_batch = 0, max_ctx = 0;
  std::vector<float> x, h, q, k, v, attn, proj;  // [n_batch, width] each
  std::vector<float> gate, up;                   // [min(n_batch, kFfnRows), n_ff] each
  std::vector<float> rope_angles;                // [n_batch, n_rot]: nn::rope_angles per token
  std::vector<int32_t> logit_rows;               // rows whose logits are wanted
  std::vector<nn::AttentionSpan> spans;          // [n_batch]
  nn::MatmulScratch matmul;
};
TextScratch make_text_scratch(const TextModel& model, int64_t n_batch, int64_t max_ctx);

// One token of a batch: its id, the sequence it belongs to (an index into the caches span), its
// position there, and whether its logits are wanted.
struct BatchToken {
  int32_t id = 0;
  int32_t seq = 0;
  int64_t pos = 0;
  bool logits = false;
};

// Evaluates `batch` (at most scratch.n_batch tokens). For every token, caches[seq] must hold
// positions 0 .. pos - 1, either from earlier calls or from tokens of this batch, and pos must be
// below caches[seq]->n_ctx and scratch.max_ctx; no two tokens share a sequence and a position
// (their rows of the cache are written in parallel). Writes each token's key and value at its
// position, and the logits of the tokens that ask for them to `logits`, in batch order
// ([count of such tokens, n_vocab]).
void text_forward_batch(const TextModel& model, TextScratch& scratch,
                        std::span<const BatchToken> batch, std::span<KvCache* const> caches,
                        float* logits, ThreadPool& pool);

// A single sequence: its cache, scratch, and the last position's logits.
struct TextState {
  KvCache kv;
  TextScratch scratch;
  std::vector<BatchToken> batch;
  std::vector<float> logits;  // [n_vocab]: the last evaluated position
  int64_t n_ctx() const { return kv.n_ctx; }
  int64_t n_batch() const { return scratch.n_batch; }
};

TextState make_text_state(const TextModel& model, int64_t n_ctx, int64_t n_batch, DType kv_type);

// Evaluates tokens[0 .. n_tokens) at positions pos0 .. pos0 + n_tokens - 1, which must satisfy
// n_tokens <= n_batch and pos0 + n_tokens <= n_ctx; the cache must hold positions 0 .. pos0 - 1.
// Leaves the last position's logits in state.logits; when all_logits is not null, also writes
// every position's logits there ([n_tokens, n_vocab]).
void text_forward(const TextModel& model, TextState& state, const int32_t* tokens, int64_t n_tokens,
                  int64_t pos0, float* all_logits, ThreadPool& pool);

}  // namespace omni
