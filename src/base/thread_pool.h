// A fixed set of worker threads for data-parallel loops. Owned by whoever runs compute and passed
// down explicitly; there is no global pool. The calling thread takes part in every loop.
//
// Synchronization: a loop costs one atomic publish and one atomic countdown. Idle workers spin on
// the loop counter for a short while (about 100 microseconds, the gap between the matrix products
// of a forward pass) before sleeping on a condition variable, and the caller spins likewise while
// it waits for the last chunk; so back-to-back loops do not pay for a sleep and a wake-up.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace omni {

class ThreadPool {
 public:
  // n_threads counts the calling thread: ThreadPool(1) runs everything inline.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }

  // Calls fn(begin, end, thread_index) over disjoint ranges that cover [0, n), split into at most
  // size() contiguous chunks; returns when all are done. Not reentrant.
  void parallel_for(size_t n, const std::function<void(size_t, size_t, int)>& fn);

 private:
  void worker_main(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  // Written by the caller before generation_ is bumped (release); read by workers after they see
  // the new generation (acquire).
  const std::function<void(size_t, size_t, int)>* job_ = nullptr;
  size_t job_n_ = 0;
  std::atomic<unsigned long> generation_{0};  // bumped once per loop, under mutex_
  std::atomic<int> pending_{0};               // workers still running the current loop
  std::atomic<bool> stop_{false};
};

}  // namespace omni
