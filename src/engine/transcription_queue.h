// Transcription jobs for a server: one worker thread owns the Whisper compute (its thread pool)
// and runs queued jobs one at a time; each job reports its segments as they become final, then
// the whole transcript, through its own channel. A job can be cancelled (the client went away)
// and stops after the window in progress.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/event_channel.h"
#include "engine/transcribe.h"

namespace omni {

struct TranscriptionEvent {
  enum class Kind { kSegment, kDone, kError };
  Kind kind = Kind::kSegment;
  TranscriptSegment segment;  // kSegment
  Transcript transcript;      // kDone (also after a cancel: what was done)
  Status error;               // kError
};

class TranscriptionJob : public EventChannel<TranscriptionEvent> {
 private:
  friend class TranscriptionQueue;
  std::vector<float> samples_;
  TranscribeOptions options_;
};

class TranscriptionQueue {
 public:
  TranscriptionQueue(const WhisperModel& model, int n_threads, int max_queued);
  ~TranscriptionQueue();  // cancels what waits and joins the worker
  TranscriptionQueue(const TranscriptionQueue&) = delete;
  TranscriptionQueue& operator=(const TranscriptionQueue&) = delete;

  // kUnavailable when max_queued jobs already wait or the queue is stopping.
  StatusOr<std::shared_ptr<TranscriptionJob>> submit(std::vector<float> samples_16k,
                                                     TranscribeOptions options);
  void stop_accepting_and_cancel_all();
  int queued() const;
  bool busy() const { return busy_.load(); }
  const WhisperModel& model() const { return model_; }

 private:
  void run();

  const WhisperModel& model_;
  const int max_queued_;
  ThreadPool pool_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<TranscriptionJob>> queue_;
  std::shared_ptr<TranscriptionJob> running_;
  bool stopping_ = false;
  std::atomic<bool> busy_{false};
  std::thread worker_;
};

}  // namespace omni
