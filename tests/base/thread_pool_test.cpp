#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "base/thread_pool.h"

namespace omni {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (size_t n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, [&](size_t b, size_t e, int t) {
        EXPECT_LT(t, threads);
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[i].load(), 1) << threads << " " << n << " " << i;
    }
  }
}

TEST(ThreadPool, RunsManyLoopsInARow) {
  ThreadPool pool(4);
  std::atomic<long> sum{0};
  for (int k = 0; k < 2000; ++k) {
    pool.parallel_for(16, [&](size_t b, size_t e, int) { sum += long(e - b); });
  }
  EXPECT_EQ(sum.load(), 2000 * 16);
}

// Pauses longer than the workers' spin make them sleep; each loop must still wake them and wait
// for them (every chunk runs, each exactly once).
TEST(ThreadPool, WakesSleepingWorkers) {
  ThreadPool pool(3);
  for (int k = 0; k < 5; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::vector<std::atomic<int>> hits(9);
    pool.parallel_for(hits.size(), [&](size_t b, size_t e, int) {
      if (b > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // caller waits
      for (size_t i = b; i < e; ++i) hits[i]++;
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "loop " << k;
  }
}

// A thread held up in its first chunk must not hold up the loop: the other thread takes every
// chunk left. The held thread waits (up to 10 s) for the rest of the loop to be done, which with
// one fixed range per thread never happens.
TEST(ThreadPool, FreeThreadsTakeTheChunksOfAHeldOne) {
  ThreadPool pool(2);
  const size_t n = size_t(pool.size()) * ThreadPool::kChunksPerThread;  // one index per chunk
  std::vector<std::atomic<int>> ran_on(n);
  std::atomic<size_t> done{0};
  pool.parallel_for(n, [&](size_t b, size_t e, int t) {
    if (b == 0) {  // hold the thread that took the first chunk
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (done.load() < n - (e - b) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (size_t i = b; i < e; ++i) ran_on[i] = t + 1;
    done += e - b;
  });
  EXPECT_EQ(done.load(), n);
  size_t on_held = 0;
  const int held_thread = ran_on[0].load();
  for (auto& r : ran_on) on_held += size_t(r.load() == held_thread);
  EXPECT_EQ(on_held, 1u) << "the held thread should have run its first chunk only";
}

}  // namespace
}  // namespace omni
