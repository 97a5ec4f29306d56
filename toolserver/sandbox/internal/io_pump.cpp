#include "toolserver/sandbox/internal/io_pump.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace sextant::toolserver::sandbox::internal {
namespace {

using Clock = std::chrono::steady_clock;

// How long to keep reading after init exited, in case another process of
// the host still holds a pipe's write end.
constexpr std::chrono::milliseconds kDrainGrace{500};
constexpr std::size_t kReadChunk = 64 * 1024;

struct Stream {
  UniqueFd* fd;
  std::string* data;
  bool* truncated;
};

// Reads what is ready; closes the fd at end of file or on error.
void ReadReady(UniqueFd& fd, std::string& data, std::size_t cap, bool* truncated) {
  std::array<char, kReadChunk> buffer;
  for (;;) {
    ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      fd.Reset();
      return;
    }
    std::size_t take =
        data.size() < cap ? std::min(cap - data.size(), static_cast<std::size_t>(n)) : 0;
    data.append(buffer.data(), take);
    if (take < static_cast<std::size_t>(n) && truncated != nullptr) *truncated = true;
  }
}

int PollTimeoutMs(Clock::time_point until) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Blocks SIGPIPE in this thread for the lifetime of the guard and consumes
// one raised by a write to a closed pipe.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  ~SigpipeGuard() {
    if (sigismember(&old_, SIGPIPE) == 0) {
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      timespec zero{};
      while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_{};
};

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) Reset(other.Release());
  return *this;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

PumpResult Pump(PumpFds fds, const std::string& stdin_data, std::size_t max_output,
                Clock::time_point deadline) {
  SigpipeGuard sigpipe_guard;
  PumpResult result;
  std::string report_bytes;
  std::size_t stdin_pos = 0;
  if (stdin_data.empty()) fds.stdin_fd.Reset();
  bool exited = false;
  Clock::time_point drain_until{};

  while (fds.stdout_fd.get() >= 0 || fds.stderr_fd.get() >= 0 || fds.report_fd.get() >= 0) {
    std::array<pollfd, 5> polls{};
    std::array<int, 5> which{};  // 0 stdout, 1 stderr, 2 report, 3 stdin, 4 pidfd
    nfds_t count = 0;
    auto add = [&](int fd, short events, int id) {
      if (fd < 0) return;
      polls[count] = pollfd{fd, events, 0};
      which[count++] = id;
    };
    add(fds.stdout_fd.get(), POLLIN, 0);
    add(fds.stderr_fd.get(), POLLIN, 1);
    add(fds.report_fd.get(), POLLIN, 2);
    add(fds.stdin_fd.get(), POLLOUT, 3);
    if (!exited) add(fds.pidfd, POLLIN, 4);

    int timeout = -1;
    if (exited) {
      timeout = PollTimeoutMs(drain_until);
    } else if (!result.timed_out) {
      timeout = PollTimeoutMs(deadline);
    }
    int ready = poll(polls.data(), count, timeout);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (ready == 0) {
      if (exited) break;
      if (!result.timed_out && Clock::now() >= deadline) {
        syscall(SYS_pidfd_send_signal, fds.pidfd, SIGKILL, nullptr, 0);
        result.timed_out = true;
      }
      continue;
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (polls[i].revents == 0) continue;
      switch (which[i]) {
        case 0:
          ReadReady(fds.stdout_fd, result.stdout_data, max_output, &result.stdout_truncated);
          break;
        case 1:
          ReadReady(fds.stderr_fd, result.stderr_data, max_output, &result.stderr_truncated);
          break;
        case 2:
          ReadReady(fds.report_fd, report_bytes, SIZE_MAX, nullptr);
          break;
        case 3: {
          ssize_t n = write(fds.stdin_fd.get(), stdin_data.data() + stdin_pos,
                            stdin_data.size() - stdin_pos);
          if (n > 0) stdin_pos += static_cast<std::size_t>(n);
          if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_pos == stdin_data.size()) {
            fds.stdin_fd.Reset();
          }
          break;
        }
        default:
          exited = true;
          drain_until = Clock::now() + kDrainGrace;
          fds.stdin_fd.Reset();
          break;
      }
    }
  }
  for (std::size_t pos = 0; pos + sizeof(Report) <= report_bytes.size(); pos += sizeof(Report)) {
    Report report;
    std::memcpy(&report, report_bytes.data() + pos, sizeof(Report));
    result.reports.push_back(report);
  }
  return result;
}

}  // namespace sextant::toolserver::sandbox::internal
