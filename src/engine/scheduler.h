// Continuous batching for text generation.
//
// One engine thread owns all compute state: a fixed set of slots (a KV cache each) and one
// activation scratch. Requests wait in a bounded queue and join between steps. Every step
// evaluates one batch holding the next token of each generating sequence and chunks of the
// prompts still being read, so each weight matrix is read once for all of them. A finished
// sequence's cache stays in its slot: a later prompt that extends it (the next turn of a
// conversation) reuses that prefix instead of evaluating it again.
//
// Results do not depend on what else is in a batch: every output element is one dot product
// of one token's activations, and every sequence samples with its own random stream.
//
// Thread safety: submit(), cancel_all() and stats() may be called from any thread; a
// Generation is shared between its submitter and the engine thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "engine/event_channel.h"
#include "engine/sampler.h"
#include "models/text/text_forward.h"
#include "models/text/text_model.h"

namespace omni {

struct GenerationRequest {
  std::vector<int32_t> prompt;
  SamplingParams sampling;
  int max_tokens = -1;  // < 0: until the context is full
  std::vector<std::string> stop;
};

struct GenerationUsage {
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens whose cache entries were reused
  int64_t completion_tokens = 0;
};

struct GenerationEvent {
  enum class Kind { kStep, kDone, kError };
  Kind kind = Kind::kStep;
  std::string text;           // kStep, kDone: text that became final (may be empty)
  TokenChoice token;          // kStep: the token sampled
  std::string finish_reason;  // kDone: "stop", "length" or "cancelled"
  GenerationUsage usage;      // kDone
  Status error;               // kError (the generation is over)
};

// One submitted request's channel: the engine pushes events, the submitter takes them.
// Cancelling asks the engine to free the slot at its next step; it then answers kDone
// "cancelled" (unless the generation ended first).
class Generation : public EventChannel<GenerationEvent> {
  friend class Scheduler;
};

struct SchedulerOptions {
  int n_slots = 4;             // sequences generated at once
  int64_t n_ctx = 4096;        // per slot; clamped to the model's training context
  int64_t n_batch = 512;       // tokens evaluated per step
  int max_queued = 64;         // requests waiting for a slot; more are refused (kUnavailable)
  int n_threads = 1;           // compute threads, the engine thread included
  DType kv_type = DType::F16;  // the key/value caches' elements: F16 or F32
};

struct SchedulerStats {
  int n_slots = 0;
  int active = 0;  // slots generating
  int queued = 0;  // requests waiting for a slot
  uint64_t steps = 0;
  uint64_t batched_tokens = 0;  // tokens evaluated over all steps
};

class Scheduler {
 public:
  Scheduler(const TextModel& model, const SchedulerOptions& options);
  ~Scheduler();  // cancels whatever runs and joins the engine thread
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request. Fails with kInvalidArgument for an empty prompt or a token outside the
  // vocabulary, kOutOfRange ("context_length_exceeded") when prompt and max_tokens do not fit in a
  // slot's context, kUnavailable when the queue is full or the scheduler is stopping.
  StatusOr<std::shared_ptr<Generation>> submit(GenerationRequest request);
  // Cancels every queued and running generation; later submits are refused.
  void stop_accepting_and_cancel_all();

  SchedulerStats stats() const;
  int64_t n_ctx() const { return n_ctx_; }
  const TextModel& model() const { return model_; }

 private:
  struct Slot;
  struct Queued {
    GenerationRequest request;
    std::shared_ptr<Generation> generation;
  };
  void run();
  void admit(Queued item);
  void step();
  void sample_slot(Slot& slot, const float* logits);
  // Ends the slot's generation; release_held: hand over text held for a possible stop string.
  void finish(Slot& slot, std::string reason, bool release_held);

  const TextModel& model_;
  const SchedulerOptions options_;
  int64_t n_ctx_ = 0;
  ThreadPool pool_;
  std::vector<std::unique_ptr<Slot>> slots_;
  TextScratch scratch_;
  std::vector<BatchToken> batch_;
  std::vector<KvCache*> caches_;  // [n_slots]
  std::vector<int> logits_slot_;  // slot of each logits row of a step
  std::vector<float> logits_;     // [n_slots, n_vocab]
  uint64_t clock_ = 0;            // for least-recently-used slot choice

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::atomic<int> active_{0};
  std::atomic<uint64_t> steps_{0}, batched_tokens_{0};
  std::thread engine_;  // last: started once everything above exists
};

}  // namespace omni
