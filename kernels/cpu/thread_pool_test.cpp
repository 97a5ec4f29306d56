#include "kernels/cpu/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace sextant::kernels::cpu {
namespace {

TEST(ThreadPoolTest, Size) {
  EXPECT_EQ(ThreadPool(1).size(), 1);
  EXPECT_EQ(ThreadPool(3).size(), 3);
  EXPECT_EQ(ThreadPool(0).size(),
            static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(ThreadPoolTest, CoversEveryIndexOnceInChunksOfAtLeastMinChunk) {
  for (int threads = 1; threads <= 4; ++threads) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 100, 1000, 12345}) {
      for (int64_t min_chunk : {-1, 0, 1, 3, 64, 5000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::mutex mu;
        std::vector<std::pair<int64_t, int64_t>> chunks;
        pool.ParallelFor(n, min_chunk, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
          std::lock_guard<std::mutex> lock(mu);
          chunks.emplace_back(begin, end);
        });
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
              << threads << " threads, n " << n << ", min_chunk " << min_chunk << ", i " << i;
        }
        const int64_t floor = std::min(std::max<int64_t>(1, min_chunk), n);
        for (const auto& [begin, end] : chunks) {
          ASSERT_LT(begin, end);
          ASSERT_GE(end - begin, floor) << n << " " << min_chunk;
        }
      }
    }
  }
}

TEST(ThreadPoolTest, UsesSeveralThreadsForLargeWork) {
  ThreadPool pool(4);
  std::mutex mu;
  std::vector<std::thread::id> ids;
  pool.ParallelFor(64, 1, [&](int64_t, int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(mu);
    ids.push_back(std::this_thread::get_id());
  });
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  EXPECT_GT(ids.size(), 1u);
}

TEST(ThreadPoolTest, NestedCallsRunSeriallyOnTheCallingThread) {
  ThreadPool pool(3);
  ThreadPool other(2);
  constexpr int64_t kOuter = 12;
  constexpr int64_t kInner = 50;
  std::vector<std::atomic<int>> hits(kOuter * kInner);
  pool.ParallelFor(kOuter, 1, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const auto outer_thread = std::this_thread::get_id();
      ThreadPool& inner_pool = o % 2 == 0 ? pool : other;
      inner_pool.ParallelFor(kInner, 1, [&](int64_t b, int64_t e) {
        EXPECT_EQ(std::this_thread::get_id(), outer_thread);
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(o * kInner + i)]++;
      });
    }
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPoolTest, ConcurrentCallersAreSerialized) {
  ThreadPool pool(3);
  constexpr int kCallers = 4;
  constexpr int kCalls = 200;
  constexpr int64_t kN = 1000;
  std::atomic<int> running[kCallers] = {};
  std::atomic<int> overlaps{0};
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int k = 0; k < kCalls; ++k) {
        pool.ParallelFor(kN, 10, [&](int64_t begin, int64_t end) {
          running[c]++;
          for (int o = 0; o < kCallers; ++o) {
            if (o != c && running[o].load() != 0) overlaps++;
          }
          total += end - begin;
          running[c]--;
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(total.load(), int64_t{kCallers} * kCalls * kN);
}

TEST(ThreadPoolTest, ManyQuickCallsComplete) {
  ThreadPool pool(4);
  int64_t sum = 0;
  std::atomic<int64_t> acc{0};
  for (int k = 0; k < 20000; ++k) {
    pool.ParallelFor(8, 1, [&](int64_t begin, int64_t end) { acc += end - begin; });
    sum += 8;
  }
  EXPECT_EQ(acc.load(), sum);
}

// A call with more chunks than the one before must not hand its extra chunks
// to a worker still looking at the previous call (that ran chunks twice, or
// counted one too many and never returned). More threads than cores, so that
// workers are preempted at every point.
TEST(ThreadPoolTest, CallsOfChangingChunkCountsRunEachChunkOnce) {
  const int threads = static_cast<int>(std::max(4u, 2 * std::thread::hardware_concurrency()));
  ThreadPool pool(threads);
  const int64_t max_n = int64_t{threads} * 4;
  std::vector<std::atomic<int>> hits(static_cast<size_t>(max_n));
  for (int k = 0; k < 100000; ++k) {
    const int64_t n = k % 2 == 0 ? 2 : max_n;
    for (int64_t i = 0; i < n; ++i) hits[static_cast<size_t>(i)].store(0);
    pool.ParallelFor(n, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
    });
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "call " << k << ", index " << i;
    }
  }
}

TEST(ThreadPoolTest, DestroysIdlePoolsPromptly) {
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(4);
    if (i % 2 == 0) pool.ParallelFor(100, 1, [](int64_t, int64_t) {});
  }
}

}  // namespace
}  // namespace sextant::kernels::cpu
