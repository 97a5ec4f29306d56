// A child process started with posix_spawnp, talking over its standard streams.
//
// stdin is one end of a socket pair (so writes use MSG_NOSIGNAL and never
// raise SIGPIPE); stdout and stderr are pipes. The child runs in its own
// process group, so Kill reaches anything it started. No shell is involved:
// argv goes to the program as given.
//
// Ownership: owns the descriptors and the child; the destructor kills the
// process group (SIGKILL) and reaps the child. Thread safety: WriteAll may run
// on one thread while ReadSome runs on others (one reader per stream); Wait
// and Kill are safe from any thread. Errors: Spawn fails with unavailable when
// the program cannot be started (naming it and errno).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sextant::toolserver::plugins {

enum class Stream { kStdout, kStderr };

// The parent's environment variables a child gets.
inline constexpr std::string_view kInheritedEnvironment[] = {
    "HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "TMPDIR"};

class ChildProcess {
 public:
  // Starts argv[0] (looked up on PATH) with the kInheritedEnvironment
  // variables of the parent plus `env` (later entries override earlier and
  // inherited ones). Nothing else of the parent's environment (tokens, keys)
  // reaches the child.
  static Result<std::unique_ptr<ChildProcess>> Spawn(
      const std::vector<std::string>& argv,
      const std::vector<std::pair<std::string, std::string>>& env);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of `data` to the child's stdin, waiting for room until
  // `deadline`. Fails with unavailable when the child closed stdin and with
  // deadline_exceeded when it does not read in time.
  Status WriteAll(std::string_view data, std::chrono::steady_clock::time_point deadline);

  // Reads what is available (blocking until some is) into `buffer`; returns
  // the byte count, 0 at end of stream.
  Result<std::size_t> ReadSome(Stream stream, char* buffer, std::size_t size);

  // Sends SIGKILL to the child's process group.
  void Kill();

  // Reaps the child, waiting at most `timeout` (milliseconds::max(): until it
  // exits); returns the wait status (as from waitpid) or nullopt when it is
  // still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::mutex wait_mutex_;
  std::optional<int> wait_status_;
};

// "status 3", "signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

}  // namespace sextant::toolserver::plugins
