#include "engine/scheduler.h"

#include <algorithm>
#include <optional>

#include "base/log.h"
#include "engine/generate.h"
#include "engine/text_stream.h"

namespace omni {

// A sequence's place in the engine: its cache, and the generation using it (if any).
struct Scheduler::Slot {
  int index = 0;
  KvCache kv;
  std::vector<int32_t> cached;  // tokens whose keys and values are in kv, positions 0..size-1
  uint64_t last_used = 0;

  // The generation in progress; null when the slot is free.
  std::shared_ptr<Generation> generation;
  GenerationRequest request;
  std::optional<Sampler> sampler;
  std::optional<TextStream> stream;
  size_t prompt_done = 0;   // prompt tokens in the cache
  int32_t next_token = -1;  // sampled and emitted, not yet evaluated
  int64_t generated = 0;
  GenerationUsage usage;
};

Scheduler::Scheduler(const TextModel& model, const SchedulerOptions& o)
    : model_(model), options_(o), pool_(std::max(1, o.n_threads)) {
  n_ctx_ = std::max<int64_t>(1, std::min(o.n_ctx, model.hparams().n_ctx_train));
  const int n_slots = std::max(1, o.n_slots);
  const int64_t n_batch = std::max<int64_t>(n_slots, std::min(o.n_batch, n_ctx_ * n_slots));
  for (int i = 0; i < n_slots; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->index = i;
    slot->kv = make_kv_cache(model, n_ctx_, o.kv_type);
    caches_.push_back(&slot->kv);
    slots_.push_back(std::move(slot));
  }
  scratch_ = make_text_scratch(model, n_batch, n_ctx_);
  batch_.reserve(size_t(n_batch));
  logits_.resize(size_t(n_slots) * size_t(model.n_vocab()));
  engine_ = std::thread([this] { run(); });
}

Scheduler::~Scheduler() {
  stop_accepting_and_cancel_all();
  engine_.join();
}

StatusOr<std::shared_ptr<Generation>> Scheduler::submit(GenerationRequest r) {
  if (r.prompt.empty()) return InvalidArgument("the prompt has no tokens");
  const int64_t n_vocab = model_.n_vocab();
  for (int32_t t : r.prompt) {
    if (t < 0 || t >= n_vocab)
      return InvalidArgument("token id %d is outside the vocabulary (0..%lld)", t,
                             (long long)n_vocab - 1);
  }
  const int64_t n_prompt = int64_t(r.prompt.size());
  if (n_prompt > n_ctx_ || (r.max_tokens > 0 && n_prompt + r.max_tokens > n_ctx_)) {
    return OutOfRange(
        "context_length_exceeded: this model's context is %lld tokens, but %lld were requested "
        "(%lld in the prompt, %d for the completion); shorten the prompt or lower max_tokens",
        (long long)n_ctx_, (long long)(n_prompt + std::max(0, r.max_tokens)), (long long)n_prompt,
        std::max(0, r.max_tokens));
  }
  auto generation = std::make_shared<Generation>();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Unavailable("the server is shutting down");
    if (int(queue_.size()) >= options_.max_queued) {
      return Unavailable("%zu requests are already waiting; retry later", queue_.size());
    }
    queue_.push_back({std::move(r), generation});
  }
  cv_.notify_one();
  return generation;
}

void Scheduler::stop_accepting_and_cancel_all() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (Queued& q : queue_) q.generation->cancel();
  }
  cv_.notify_one();
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  s.n_slots = int(slots_.size());
  s.active = active_.load();
  {
    std::lock_guard lock(mutex_);
    s.queued = int(queue_.size());
  }
  s.steps = steps_.load();
  s.batched_tokens = batched_tokens_.load();
  return s;
}

void Scheduler::run() {
  for (;;) {
    std::vector<Queued> admitted;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || active_.load() > 0; });
      if (stopping_) {
        for (auto& slot : slots_) {
          if (slot->generation) slot->generation->cancel();
        }
      }
      if (stopping_ && queue_.empty() && active_.load() == 0) return;
      // Requests join between steps, first come first served, as long as slots are free.
      int free_slots = int(slots_.size()) - active_.load();
      while (!queue_.empty() && (free_slots > 0 || queue_.front().generation->cancelled())) {
        if (!queue_.front().generation->cancelled()) --free_slots;
        admitted.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (Queued& q : admitted) admit(std::move(q));
    for (auto& slot : slots_) {
      if (slot->generation && slot->generation->cancelled()) finish(*slot, "cancelled", false);
    }
    if (active_.load() > 0) step();
  }
}

void Scheduler::admit(Queued q) {
  if (q.generation->cancelled()) {
    GenerationEvent done;
    done.kind = GenerationEvent::Kind::kDone;
    done.finish_reason = "cancelled";
    done.usage.prompt_tokens = int64_t(q.request.prompt.size());
    q.generation->push(std::move(done));
    return;
  }
  // The free slot whose cache shares the longest prefix with the prompt; ties go to the least
  // recently used.
  Slot* best = nullptr;
  size_t best_common = 0;
  const auto& prompt = q.request.prompt;
  for (auto& slot : slots_) {
    if (slot->generation) continue;
    size_t common = 0;
    while (common < slot->cached.size() && common < prompt.size() &&
           slot->cached[common] == prompt[common])
      ++common;
    if (!best || common > best_common ||
        (common == best_common && slot->last_used < best->last_used)) {
      best = slot.get();
      best_common = common;
    }
  }
  Slot& s = *best;
  // Keep at least the last prompt token to evaluate, so that its logits start the generation.
  const size_t keep = std::min(best_common, prompt.size() - 1);
  s.cached.resize(keep);
  s.prompt_done = keep;
  s.next_token = -1;
  s.generated = 0;
  s.usage = {};
  s.usage.prompt_tokens = int64_t(prompt.size());
  s.usage.cached_tokens = int64_t(keep);
  s.sampler.emplace(q.request.sampling);
  s.stream.emplace(model_.tokenizer(), q.request.stop);
  s.request = std::move(q.request);
  s.generation = std::move(q.generation);
  s.last_used = ++clock_;
  active_.fetch_add(1);
  log_message(LogLevel::kDebug, "slot %d: %zu prompt tokens, %zu reused", s.index, prompt.size(),
              keep);
}

void Scheduler::step() {
  batch_.clear();
  logits_slot_.clear();
  const int64_t capacity = scratch_.n_batch;
  // Generating sequences first: one token each.
  for (auto& slot : slots_) {
    Slot& s = *slot;
    if (!s.generation || s.next_token < 0) continue;
    batch_.push_back({s.next_token, int32_t(s.index), int64_t(s.cached.size()), true});
    logits_slot_.push_back(s.index);
  }
  // Then prompt chunks, oldest request first, in what room is left.
  std::vector<Slot*> reading;
  for (auto& slot : slots_) {
    if (slot->generation && slot->next_token < 0) reading.push_back(slot.get());
  }
  std::sort(reading.begin(), reading.end(),
            [](const Slot* a, const Slot* b) { return a->last_used < b->last_used; });
  for (Slot* s : reading) {
    const auto& prompt = s->request.prompt;
    const int64_t room = capacity - int64_t(batch_.size());
    if (room <= 0) break;
    const size_t n = std::min<size_t>(size_t(room), prompt.size() - s->prompt_done);
    for (size_t i = 0; i < n; ++i) {
      const size_t at = s->prompt_done + i;
      const bool last = at + 1 == prompt.size();
      batch_.push_back({prompt[at], int32_t(s->index), int64_t(at), last});
      if (last) logits_slot_.push_back(s->index);
    }
  }
  if (batch_.empty()) return;
  text_forward_batch(model_, scratch_, batch_, caches_, logits_.data(), pool_);
  steps_.fetch_add(1, std::memory_order_relaxed);
  batched_tokens_.fetch_add(batch_.size(), std::memory_order_relaxed);
  // The cache now holds every token of the batch.
  for (const BatchToken& b : batch_) {
    Slot& s = *slots_[size_t(b.seq)];
    s.cached.push_back(b.id);
    if (s.next_token < 0) ++s.prompt_done;
  }
  const size_t n_vocab = size_t(model_.n_vocab());
  for (size_t row = 0; row < logits_slot_.size(); ++row) {
    sample_slot(*slots_[size_t(logits_slot_[row])], logits_.data() + row * n_vocab);
  }
}

void Scheduler::sample_slot(Slot& s, const float* logits) {
  const TokenChoice choice =
      s.sampler->sample(std::span<const float>(logits, size_t(model_.n_vocab())), s.cached);
  ++s.generated;
  s.next_token = -1;
  const Tokenizer* tok = model_.tokenizer();
  if (tok && is_end_of_generation(*tok, choice.id)) {
    finish(s, "stop", true);
    return;
  }
  GenerationEvent ev;
  ev.token = choice;
  const bool stop_string = s.stream->push(choice.id, &ev.text);
  s.generation->push(std::move(ev));
  if (stop_string) {
    finish(s, "stop", false);
  } else if (s.request.max_tokens >= 0 && s.generated >= s.request.max_tokens) {
    finish(s, "length", true);
  } else if (int64_t(s.cached.size()) >= n_ctx_) {
    finish(s, "length", true);  // no room to evaluate the token just sampled
  } else {
    s.next_token = choice.id;
  }
}

void Scheduler::finish(Slot& s, std::string reason, bool release_held) {
  GenerationEvent done;
  if (release_held) s.stream->finish(&done.text);
  done.kind = GenerationEvent::Kind::kDone;
  done.finish_reason = std::move(reason);
  s.usage.completion_tokens = s.generated;
  done.usage = s.usage;
  // The slot is free before the submitter hears of the end, so stats() never lags behind it.
  std::shared_ptr<Generation> generation = std::move(s.generation);
  s.sampler.reset();
  s.stream.reset();
  s.next_token = -1;
  s.last_used = ++clock_;
  active_.fetch_sub(1);
  generation->push(std::move(done));
}

}  // namespace omni
