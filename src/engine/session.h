// A conversation's state over a shared, immutable TextModel: the key/value cache, the tokens it
// holds, and the scratch for evaluating more. Many sessions can share one model.
//
// Context policy: a session holds at most n_ctx tokens. Asking it to hold more fails with a
// kOutOfRange Status ("context_length_exceeded") and leaves the session unchanged; nothing is
// silently dropped or shifted.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "models/text/text_forward.h"

namespace omni {

struct SessionOptions {
  int64_t n_ctx = 4096;        // clamped to the model's training context
  int64_t n_batch = 256;       // prompt tokens evaluated per forward call
  DType kv_type = DType::F16;  // the key/value cache's elements: F16 or F32
};

struct EvalStats {
  int64_t reused = 0;     // tokens whose cache entries were kept from before
  int64_t evaluated = 0;  // tokens run through the model by this call
};

class TextSession {
 public:
  TextSession(const TextModel& model, const SessionOptions& options, ThreadPool& pool);

  // Makes the cache hold exactly `tokens`: keeps the longest prefix it already holds and evaluates
  // the rest (at least the last token, so that logits() belong to it). With all_logits, the
  // logits of every evaluated position are appended there ([evaluated, n_vocab]).
  StatusOr<EvalStats> set_tokens(std::span<const int32_t> tokens,
                                 std::vector<float>* all_logits = nullptr);
  // Appends tokens (the usual step while generating).
  StatusOr<EvalStats> append(std::span<const int32_t> tokens);

  std::span<const float> logits() const { return state_.logits; }  // of the last token held
  const std::vector<int32_t>& tokens() const { return tokens_; }
  int64_t n_ctx() const { return state_.n_ctx(); }
  const TextModel& model() const { return model_; }

 private:
  Status evaluate(std::span<const int32_t> tokens, int64_t pos0, std::vector<float>* all_logits);

  const TextModel& model_;
  ThreadPool& pool_;
  TextState state_;
  std::vector<int32_t> tokens_;
};

}  // namespace omni
