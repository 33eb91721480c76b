#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace omni
