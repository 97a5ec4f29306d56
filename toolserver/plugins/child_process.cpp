#include "toolserver/plugins/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <thread>

namespace sextant::toolserver::plugins {
namespace {

constexpr std::chrono::milliseconds kWaitPollInterval{5};

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Closes every descriptor it holds unless released.
struct FdGuard {
  std::vector<int*> fds;
  ~FdGuard() {
    for (int* fd : fds) CloseFd(*fd);
  }
};

int MillisUntil(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  constexpr int kMaxPollMs = 1'000'000;
  return left.count() > kMaxPollMs ? kMaxPollMs : static_cast<int>(left.count());
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& env) {
  if (argv.empty() || argv[0].empty()) return InvalidArgumentError("empty command");

  int in_fds[2] = {-1, -1};   // [parent, child]
  int out_fds[2] = {-1, -1};  // [read (parent), write (child)]
  int err_fds[2] = {-1, -1};
  FdGuard guard{{&in_fds[0], &in_fds[1], &out_fds[0], &out_fds[1], &err_fds[0], &err_fds[1]}};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_fds) != 0 ||
      ::pipe2(out_fds, O_CLOEXEC) != 0 || ::pipe2(err_fds, O_CLOEXEC) != 0) {
    return UnavailableError("cannot create pipes for '" + argv[0] + "': " + ErrnoText(errno));
  }

  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = entry.substr(0, eq);
    if (std::find(std::begin(kInheritedEnvironment), std::end(kInheritedEnvironment), key) ==
        std::end(kInheritedEnvironment)) {
      continue;
    }
    merged[std::string(key)] = std::string(entry.substr(eq + 1));
  }
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> env_strings;
  env_strings.reserve(merged.size());
  for (const auto& [key, value] : merged) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_copy = argv;
  std::vector<char*> argvp;
  argvp.reserve(argv_copy.size() + 1);
  for (auto& s : argv_copy) argvp.push_back(s.data());
  argvp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in_fds[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fds[1], STDERR_FILENO);
  // A new process group, and default signal handling (the parent may ignore SIGPIPE).
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv_copy[0].c_str(), &actions, &attr, argvp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return UnavailableError("cannot start '" + argv[0] + "': " + ErrnoText(rc));

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->stdin_fd_ = std::exchange(in_fds[0], -1);
  child->stdout_fd_ = std::exchange(out_fds[0], -1);
  child->stderr_fd_ = std::exchange(err_fds[0], -1);
  int flags = ::fcntl(child->stdin_fd_, F_GETFL);
  ::fcntl(child->stdin_fd_, F_SETFL, flags | O_NONBLOCK);
  return child;
}

ChildProcess::~ChildProcess() {
  Kill();
  (void)Wait(std::chrono::milliseconds::max());
  CloseFd(stdin_fd_);
  CloseFd(stdout_fd_);
  CloseFd(stderr_fd_);
}

Status ChildProcess::WriteAll(std::string_view data,
                              std::chrono::steady_clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(stdin_fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{stdin_fd_, POLLOUT, 0};
      int ms = MillisUntil(deadline);
      if (ms == 0) return DeadlineExceededError("the process does not read its stdin");
      int prc = ::poll(&pfd, 1, ms);
      if (prc < 0 && errno != EINTR) return InternalError("poll: " + ErrnoText(errno));
      continue;
    }
    return UnavailableError("writing to the process's stdin: " + ErrnoText(errno));
  }
  return Status::Ok();
}

Result<std::size_t> ChildProcess::ReadSome(Stream stream, char* buffer, std::size_t size) {
  int fd = stream == Stream::kStdout ? stdout_fd_ : stderr_fd_;
  for (;;) {
    ssize_t n = ::read(fd, buffer, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    return UnavailableError("reading from the process: " + ErrnoText(errno));
  }
}

void ChildProcess::Kill() {
  std::lock_guard lock(wait_mutex_);
  if (pid_ > 0 && !wait_status_) ::kill(-pid_, SIGKILL);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  bool forever = timeout == std::chrono::milliseconds::max();
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::lock_guard lock(wait_mutex_);
      if (wait_status_ || pid_ <= 0) return wait_status_;
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) {
        wait_status_ = r == pid_ ? status : 0;
        return wait_status_;
      }
    }
    if (!forever && std::chrono::steady_clock::now() - start >= timeout) return std::nullopt;
    std::this_thread::sleep_for(kWaitPollInterval);
  }
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return "status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    return "signal " + std::to_string(sig) + " (" + sigdescr_np(sig) + ")";
  }
  return "wait status " + std::to_string(wait_status);
}

}  // namespace sextant::toolserver::plugins
