#include "engine/transcription_queue.h"

namespace omni {

TranscriptionQueue::TranscriptionQueue(const WhisperModel& model, int n_threads, int max_queued)
    : model_(model), max_queued_(max_queued), pool_(std::max(1, n_threads)) {
  worker_ = std::thread([this] { run(); });
}

TranscriptionQueue::~TranscriptionQueue() {
  stop_accepting_and_cancel_all();
  worker_.join();
}

StatusOr<std::shared_ptr<TranscriptionJob>> TranscriptionQueue::submit(std::vector<float> samples,
                                                                       TranscribeOptions options) {
  auto job = std::make_shared<TranscriptionJob>();
  job->samples_ = std::move(samples);
  job->options_ = std::move(options);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Unavailable("the server is shutting down");
    if (int(queue_.size()) >= max_queued_)
      return Unavailable("%zu transcriptions are already waiting; retry later", queue_.size());
    queue_.push_back(job);
  }
  cv_.notify_one();
  return job;
}

void TranscriptionQueue::stop_accepting_and_cancel_all() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto& job : queue_) job->cancel();
  if (running_) running_->cancel();
  cv_.notify_one();
}

int TranscriptionQueue::queued() const {
  std::lock_guard lock(mutex_);
  return int(queue_.size());
}

void TranscriptionQueue::run() {
  for (;;) {
    std::shared_ptr<TranscriptionJob> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job = running_ = queue_.front();
      queue_.pop_front();
    }
    busy_.store(true);
    TranscribeCallbacks cb;
    cb.on_segment = [&](const TranscriptSegment& s) {
      TranscriptionEvent e;
      e.segment = s;
      job->push(std::move(e));
      return !job->cancelled();
    };
    TranscriptionEvent done;
    if (job->cancelled()) {
      done.kind = TranscriptionEvent::Kind::kError;
      done.error = Unavailable("the transcription was cancelled");
    } else {
      auto t = transcribe(model_, job->samples_, job->options_, pool_, cb);
      if (t.ok()) {
        done.kind = TranscriptionEvent::Kind::kDone;
        done.transcript = std::move(*t);
      } else {
        done.kind = TranscriptionEvent::Kind::kError;
        done.error = t.status();
      }
    }
    job->samples_ = {};
    job->push(std::move(done));
    {
      std::lock_guard lock(mutex_);
      running_.reset();
    }
    busy_.store(false);
  }
}

}  // namespace omni
