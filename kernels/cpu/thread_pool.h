// A small fixed pool of worker threads for data-parallel loops.
// Thread safety: one ParallelFor at a time per pool (calls from several
// threads are serialized). The calling thread takes part in the work.
// Idle workers spin briefly, then sleep on a condition variable; a call costs
// about a microsecond when workers are awake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace sextant::kernels::cpu {

class ThreadPool {
 public:
  // n_threads <= 0 means std::thread::hardware_concurrency(). A pool of one
  // thread runs everything on the caller.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;

  // Splits [0, n) into contiguous chunks of at least `min_chunk` items (or one
  // chunk of n when n < min_chunk; min_chunk < 1 counts as 1) and calls
  // fn(begin, end) on them across the pool; returns when all are done. Work
  // that fits one chunk runs directly on the caller. Nested calls (from inside
  // fn, on this or any other pool) run serially on the calling thread.
  // fn must not throw.
  void ParallelFor(int64_t n, int64_t min_chunk,
                   const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::kernels::cpu
