// The parent side of a run's pipes: feeds stdin, captures stdout and stderr
// up to a cap, collects the child's Report records, and enforces the wall
// timeout by killing the sandbox's init through its pidfd.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "toolserver/sandbox/internal/child.h"

namespace sextant::toolserver::sandbox::internal {

// Owns one file descriptor; -1 when empty.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct PumpFds {
  UniqueFd stdin_fd;  // write end, non-blocking
  UniqueFd stdout_fd;
  UniqueFd stderr_fd;
  UniqueFd report_fd;
  int pidfd = -1;  // of the sandbox's init; not owned
};

struct PumpResult {
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::vector<Report> reports;
  bool timed_out = false;  // the deadline passed and init was killed
};

// Runs until stdout, stderr and the report pipe reach end of file (or, once
// init has exited, a short grace period has passed). Output past
// `max_output` bytes per stream is read and discarded. SIGPIPE from stdin
// writes is blocked in this thread and consumed.
PumpResult Pump(PumpFds fds, const std::string& stdin_data, std::size_t max_output,
                std::chrono::steady_clock::time_point deadline);

}  // namespace sextant::toolserver::sandbox::internal
