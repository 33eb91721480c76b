// A fixed set of worker threads for data-parallel loops. Owned by whoever runs compute and passed
// down explicitly; there is no global pool. The calling thread takes part in every loop.
//
// Synchronization: a loop costs one atomic publish, one atomic countdown, and one atomic increment
// per chunk taken. Idle workers spin on the loop counter for a short while (about 100
// microseconds, the gap between the matrix products of a forward pass) before sleeping on a
// condition variable, and the caller spins likewise while it waits for the last chunk; so
// back-to-back loops do not pay for a sleep and a wake-up.
//
// Load balance: a loop is cut into chunks that threads take in order as they become free, large
// ones first and small ones last: each chunk is 1/(2 * threads) of what is left, and at least
// 1/(kMinChunksPerThread * threads) of the loop. A thread that is slowed (a shared core, a busy
// memory channel) then does less of the loop, and the threads finish within a small chunk of one
// another, while the first chunks stay long, contiguous runs (a decoded token's matrix products
// are each a few tens of microseconds, so their ends matter).
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

  // Calls fn(begin, end, thread_index) over disjoint contiguous ranges that cover [0, n), in
  // increasing order of begin on any one thread; returns when all are done. thread_index (0 for
  // the caller) is the thread running the call, which may run several ranges. Not reentrant.
  void parallel_for(size_t n, const std::function<void(size_t, size_t, int)>& fn);

  // The bounds of the chunks parallel_for(n) cuts [0, n) into, for a pool of `threads`: chunk c
  // is [bounds[c], bounds[c + 1]). Exposed for tests.
  static void plan_chunks(size_t n, int threads, std::vector<size_t>* bounds);

  static constexpr int kMinChunksPerThread = 16;

 private:
  void worker_main(int index);
  void run_chunks(int thread_index);  // takes chunks of the current loop until none are left

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  // Written by the caller before generation_ is bumped (release); read by workers after they see
  // the new generation (acquire).
  const std::function<void(size_t, size_t, int)>* job_ = nullptr;
  std::vector<size_t> job_bounds_;     // plan_chunks of the current loop: its chunks + 1 bounds
  std::atomic<size_t> next_chunk_{0};  // the next chunk of the current loop to take
  std::atomic<unsigned long> generation_{0};  // bumped once per loop, under mutex_
  std::atomic<int> pending_{0};               // workers still running the current loop
  std::atomic<bool> stop_{false};
};

}  // namespace omni
