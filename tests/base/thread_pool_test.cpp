#include <gtest/gtest.h>

#include <algorithm>
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
  const size_t n = 64;
  std::vector<std::atomic<int>> ran_on(n);
  std::atomic<size_t> done{0};
  std::atomic<size_t> held_chunk{0};
  pool.parallel_for(n, [&](size_t b, size_t e, int t) {
    if (b == 0) {  // hold the thread that took the first chunk
      held_chunk = e - b;
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
  EXPECT_EQ(on_held, held_chunk.load()) << "the held thread should have run its first chunk only";
  EXPECT_LT(held_chunk.load(), n / 2);
}

// Chunks cover [0, n) in order, shrink from 1/(2 * threads) of the loop down to the minimum, and
// the last ones are small: threads finish a loop within a small chunk of one another.
TEST(ThreadPool, ChunksShrinkTowardTheEndOfALoop) {
  std::vector<size_t> bounds;
  for (int threads : {1, 2, 4, 16}) {
    for (size_t n : {1, 5, 14, 112, 1000, 151936}) {
      ThreadPool::plan_chunks(n, threads, &bounds);
      ASSERT_GE(bounds.size(), 2u);
      EXPECT_EQ(bounds.front(), 0u);
      EXPECT_EQ(bounds.back(), n);
      const size_t t = size_t(threads);
      const size_t min_chunk = std::max<size_t>(1, n / (t * ThreadPool::kMinChunksPerThread));
      EXPECT_EQ(bounds[1], std::max(min_chunk, n / (2 * t))) << threads << " " << n;
      for (size_t c = 0; c + 1 < bounds.size(); ++c) {
        const size_t size = bounds[c + 1] - bounds[c];
        ASSERT_GE(size, 1u);
        if (c + 2 < bounds.size()) {  // every chunk but the last (the remainder) is at least...
          EXPECT_GE(size, min_chunk) << threads << " " << n << " chunk " << c;
        }
        if (c > 0) {
          EXPECT_LE(size, bounds[c] - bounds[c - 1]) << threads << " " << n << " chunk " << c;
        }
      }
      EXPECT_LE(bounds.back() - bounds[bounds.size() - 2], min_chunk) << threads << " " << n;
      // Few chunks: each one is an atomic increment shared by the threads.
      EXPECT_LE(bounds.size() - 1, std::min<size_t>(n, 8 * t + t * ThreadPool::kMinChunksPerThread))
          << threads << " " << n;
    }
  }
}

}  // namespace
}  // namespace omni
