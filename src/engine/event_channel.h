// The channel between an engine thread and the thread that submitted a request: events flow to
// the submitter in order, and a cancel flag flows back. Generation (scheduler.h) and
// TranscriptionJob (transcription_queue.h) are such channels.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace omni {

template <typename Event>
class EventChannel {
 public:
  // Moves the events that arrived to *out, waiting up to `timeout` for the first. Returns false
  // when none came.
  bool wait(std::vector<Event>* out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return false;
    while (!events_.empty()) {
      out->push_back(std::move(events_.front()));
      events_.pop_front();
    }
    return true;
  }
  // Asks the engine to stop; it reads the flag between steps.
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 protected:
  // Called by the engine thread (the derived class's friend).
  void push(Event event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace omni
