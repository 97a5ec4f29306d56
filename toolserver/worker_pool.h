// A fixed pool of threads that runs tool calls off the server's I/O threads.
//
// Ownership: owns its threads; Stop (or destruction) joins them. Thread
// safety: TrySubmit may be called from any thread. Errors: TrySubmit returns
// false when the queue is full or the pool has stopped; the caller answers
// "busy" instead of blocking an I/O thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sextant::toolserver {

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false when max_queued tasks wait already or after Stop.
  bool TrySubmit(std::function<void()> task);

  // Runs no new task, drops the queued ones (destroying them), waits for the
  // running ones and joins the threads. Calling it again does nothing.
  void Stop();

 private:
  void Loop();

  std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sextant::toolserver
