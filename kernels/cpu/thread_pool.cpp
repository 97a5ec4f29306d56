#include "kernels/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sextant::kernels::cpu {
namespace {

using Body = std::function<void(int64_t, int64_t)>;

// Spin iterations before a waiting thread blocks on a condition variable.
// Short: the machine may be shared, and blocking costs only microseconds.
constexpr int kSpinIterations = 2000;
// Chunks per thread, so that uneven chunk costs still balance.
constexpr int64_t kChunksPerThread = 4;
// The claim ticket holds the call's generation (high 32 bits), its chunk count
// (next 16) and the next unclaimed chunk (low 16). The count lives in the ticket
// so that a claim checks it against the same call it claims from.
constexpr int kGenerationShift = 32;
constexpr int kChunksShift = 16;
constexpr uint64_t kFieldMask = (uint64_t{1} << kChunksShift) - 1;
constexpr int64_t kMaxChunks = static_cast<int64_t>(kFieldMask);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

inline uint32_t GenerationOf(uint64_t ticket) {
  return static_cast<uint32_t>(ticket >> kGenerationShift);
}

inline int64_t ChunksOf(uint64_t ticket) {
  return static_cast<int64_t>((ticket >> kChunksShift) & kFieldMask);
}

inline int64_t IndexOf(uint64_t ticket) { return static_cast<int64_t>(ticket & kFieldMask); }

// True on pool workers, and on a caller while it runs chunks: ParallelFor
// then runs inline.
thread_local bool t_in_parallel_for = false;

}  // namespace

// A call publishes its job (fn, n) and then a ticket of a new generation.
// Threads claim chunks by compare-and-swap on the ticket, so a worker that
// wakes late finds the generation changed or no chunk left, and never touches
// a finished call. The caller waits only for claimed chunks to finish, not for
// every worker to wake.
struct ThreadPool::Impl {
  int n_threads = 1;
  std::vector<std::thread> workers;

  std::mutex call_mu;            // serializes callers
  uint32_t last_generation = 0;  // guarded by call_mu

  std::atomic<uint64_t> ticket{0};
  std::atomic<const Body*> fn{nullptr};
  std::atomic<int64_t> n{0};
  std::atomic<int64_t> done_chunks{0};
  std::atomic<bool> stop{false};

  std::mutex mu;  // pairs with the condition variables
  std::condition_variable work_cv;
  std::condition_variable done_cv;
  int sleeping_workers = 0;      // guarded by mu
  bool caller_sleeping = false;  // guarded by mu

  // Claims and runs chunks of call `generation` until none is left.
  void RunChunks(uint32_t generation) {
    uint64_t t = ticket.load(std::memory_order_acquire);
    for (;;) {
      if (GenerationOf(t) != generation) return;
      const int64_t chunks = ChunksOf(t);
      const int64_t idx = IndexOf(t);
      if (idx >= chunks) return;
      if (!ticket.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
        continue;
      }
      // The call cannot finish before this chunk does, so its job is intact.
      const Body& body = *fn.load(std::memory_order_relaxed);
      const int64_t total = n.load(std::memory_order_relaxed);
      body(total * idx / chunks, total * (idx + 1) / chunks);
      if (done_chunks.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        std::lock_guard<std::mutex> lock(mu);
        if (caller_sleeping) done_cv.notify_one();
      }
      t = ticket.load(std::memory_order_acquire);
    }
  }

  void WorkerLoop() {
    t_in_parallel_for = true;
    uint32_t seen = 0;
    auto has_news = [&] {
      return stop.load(std::memory_order_acquire) ||
             GenerationOf(ticket.load(std::memory_order_acquire)) != seen;
    };
    for (;;) {
      bool news = false;
      for (int i = 0; i < kSpinIterations && !news; ++i) {
        news = has_news();
        if (!news) CpuRelax();
      }
      if (!news) {
        std::unique_lock<std::mutex> lock(mu);
        ++sleeping_workers;
        work_cv.wait(lock, has_news);
        --sleeping_workers;
      }
      if (stop.load(std::memory_order_acquire)) return;
      seen = GenerationOf(ticket.load(std::memory_order_acquire));
      RunChunks(seen);
    }
  }
};

ThreadPool::ThreadPool(int n_threads) : impl_(std::make_unique<Impl>()) {
  if (n_threads <= 0) {
    n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  impl_->n_threads = n_threads;
  impl_->workers.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) {
    impl_->workers.emplace_back([impl = impl_.get()] { impl->WorkerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop.store(true, std::memory_order_release);
  }
  impl_->work_cv.notify_all();
  for (std::thread& t : impl_->workers) t.join();
}

int ThreadPool::size() const { return impl_->n_threads; }

void ThreadPool::ParallelFor(int64_t n, int64_t min_chunk,
                             const std::function<void(int64_t begin, int64_t end)>& fn) {
  if (n <= 0) return;
  min_chunk = std::max<int64_t>(1, min_chunk);
  const int64_t max_chunks =
      std::min(kMaxChunks, static_cast<int64_t>(impl_->n_threads) * kChunksPerThread);
  const int64_t n_chunks = std::clamp<int64_t>(n / min_chunk, 1, max_chunks);
  if (n_chunks == 1 || impl_->workers.empty() || t_in_parallel_for) {
    fn(0, n);
    return;
  }

  Impl& s = *impl_;
  std::lock_guard<std::mutex> call_lock(s.call_mu);
  s.fn.store(&fn, std::memory_order_relaxed);
  s.n.store(n, std::memory_order_relaxed);
  s.done_chunks.store(0, std::memory_order_relaxed);
  const uint32_t generation = ++s.last_generation;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.ticket.store((static_cast<uint64_t>(generation) << kGenerationShift) |
                       (static_cast<uint64_t>(n_chunks) << kChunksShift),
                   std::memory_order_release);
    if (s.sleeping_workers > 0) s.work_cv.notify_all();
  }

  t_in_parallel_for = true;
  s.RunChunks(generation);
  t_in_parallel_for = false;

  auto done = [&] { return s.done_chunks.load(std::memory_order_acquire) == n_chunks; };
  for (int i = 0; i < kSpinIterations; ++i) {
    if (done()) return;
    CpuRelax();
  }
  std::unique_lock<std::mutex> lock(s.mu);
  s.caller_sleeping = true;
  s.done_cv.wait(lock, done);
  s.caller_sleeping = false;
}

}  // namespace sextant::kernels::cpu
