#include "toolserver/sandbox/internal/child.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <set>

// Code below RunSandboxInit runs in a cloned child of a multithreaded
// process: only system calls and stack memory, no allocation, no locks, no
// glibc functions that broadcast to other threads (setuid and friends).

namespace sextant::toolserver::sandbox::internal {
namespace {

constexpr int kSetupFailedExit = 125;  // init's exit status when setup failed
constexpr int kExecFailedExit = 127;   // the command's exit status when exec failed
constexpr int kFirstMovedFd = 3;       // stdio pipes are moved above 0..2 first
constexpr int kMaxSignal = 64;
constexpr size_t kCommandStackBytes = 256 * 1024;  // the command's stack until it execs

constexpr std::array<const char*, static_cast<int>(ChildStep::kExec) + 1> kStepNames = {
    "wait for parent",
    "make mounts private",
    "open bind source",
    "switch to the sandbox user",
    "set hostname",
    "mount root tmpfs",
    "make directory",
    "bind mount",
    "make mount read-only",
    "make symlink",
    "write file",
    "mount /tmp",
    "mount /proc",
    "mount /workspace",
    "pivot_root",
    "chdir",
    "fork command",
    "set up stdio",
    "set rlimit",
    "set no_new_privs",
    "install seccomp filter",
    "exec",
};

void WriteReport(int fd, const Report& report) {
  while (write(fd, &report, sizeof(report)) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void Fail(const ChildPlan& plan, ChildStep step) {
  Report report;
  report.kind = ReportKind::kSetupError;
  report.step = step;
  report.error = errno;
  WriteReport(plan.report_fd, report);
  _exit(kSetupFailedExit);
}

void Check(bool ok, const ChildPlan& plan, ChildStep step) {
  if (!ok) Fail(plan, step);
}

// "/proc/self/fd/<fd>" into buf, without allocating.
const char* FdPath(std::array<char, 32>& buf, int fd) {
  constexpr const char kPrefix[] = "/proc/self/fd/";
  std::array<char, 16> digits{};
  int n = 0;
  unsigned value = static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  size_t pos = 0;
  for (const char* p = kPrefix; *p != '\0'; ++p) buf[pos++] = *p;
  while (n > 0) buf[pos++] = digits[--n];
  buf[pos] = '\0';
  return buf.data();
}

bool SetMountAttr(const char* path, unsigned flags, std::uint64_t attrs) {
  mount_attr attr{};
  attr.attr_set = attrs;
  return mount_setattr(AT_FDCWD, path, flags, &attr, sizeof(attr)) == 0;
}

// Closes every descriptor except those in `keep` (unsorted, -1 ignored).
void CloseOtherFds(std::array<int, 6> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned next = 0;
  for (int fd : keep) {
    if (fd < 0) continue;
    if (static_cast<unsigned>(fd) > next) close_range(next, static_cast<unsigned>(fd) - 1, 0);
    next = static_cast<unsigned>(fd) + 1;
  }
  close_range(next, UINT_MAX, 0);
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void PlaceEntry(const ChildPlan& plan, const Entry& entry) {
  std::array<char, 32> buf{};
  switch (entry.kind) {
    case EntryKind::kDirBind:
      Check(mount(FdPath(buf, entry.source_fd), entry.target.c_str(), nullptr, MS_BIND | MS_REC,
                  nullptr) == 0,
            plan, ChildStep::kBindMount);
      Check(SetMountAttr(entry.target.c_str(), AT_RECURSIVE,
                         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV),
            plan, ChildStep::kReadOnly);
      break;
    case EntryKind::kFileBind: {
      int fd = open(entry.target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      Check(fd >= 0, plan, ChildStep::kWriteFile);
      close(fd);
      Check(
          mount(FdPath(buf, entry.source_fd), entry.target.c_str(), nullptr, MS_BIND, nullptr) == 0,
          plan, ChildStep::kBindMount);
      Check(SetMountAttr(entry.target.c_str(), 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC), plan,
            ChildStep::kReadOnly);
      break;
    }
    case EntryKind::kSymlink:
      Check(symlink(entry.source.c_str(), entry.target.c_str()) == 0, plan, ChildStep::kSymlink);
      break;
    case EntryKind::kFile: {
      int fd = open(entry.target.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
      Check(fd >= 0, plan, ChildStep::kWriteFile);
      Check(WriteAll(fd, entry.content), plan, ChildStep::kWriteFile);
      close(fd);
      break;
    }
  }
}

void BuildFileView(ChildPlan& plan) {
  Check(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, plan,
        ChildStep::kMountPrivate);
  // Sources are opened before the uid switch: the caller may reach them
  // through directories the sandbox user cannot search.
  for (Entry& entry : plan.entries) {
    if (entry.kind != EntryKind::kDirBind && entry.kind != EntryKind::kFileBind) continue;
    entry.source_fd = open(entry.source.c_str(), O_PATH | O_CLOEXEC);
    Check(entry.source_fd >= 0, plan, ChildStep::kOpenSource);
  }
  if (plan.workspace_tree_fd < 0) {
    plan.workspace_source_fd =
        open(plan.workspace_source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    Check(plan.workspace_source_fd >= 0, plan, ChildStep::kOpenSource);
  }
  if (plan.switch_ids) {
    // Raw system calls: glibc's wrappers signal the parent's other threads.
    Check(syscall(SYS_setgroups, 0, nullptr) == 0, plan, ChildStep::kSetIds);
    Check(syscall(SYS_setresgid, kInsideGid, kInsideGid, kInsideGid) == 0, plan,
          ChildStep::kSetIds);
    Check(syscall(SYS_setresuid, kInsideUid, kInsideUid, kInsideUid) == 0, plan,
          ChildStep::kSetIds);
  }
  Check(sethostname(plan.hostname.c_str(), plan.hostname.size()) == 0, plan, ChildStep::kHostname);

  const char* root = plan.new_root.c_str();
  Check(mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, plan.root_options.c_str()) == 0, plan,
        ChildStep::kMountRoot);
  // /tmp first, so that read-only paths below it stay visible.
  Check(mkdir(plan.tmp_target.c_str(), 0755) == 0, plan, ChildStep::kMkdir);
  Check(mount("tmpfs", plan.tmp_target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
              plan.tmp_options.c_str()) == 0,
        plan, ChildStep::kMountTmp);
  for (const std::string& dir : plan.dirs) {
    Check(mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST, plan, ChildStep::kMkdir);
  }
  for (const Entry& entry : plan.entries) PlaceEntry(plan, entry);

  Check(mount("proc", plan.proc_target.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) == 0,
        plan, ChildStep::kMountProc);
  if (plan.workspace_tree_fd >= 0) {
    Check(move_mount(plan.workspace_tree_fd, "", AT_FDCWD, plan.workspace_target.c_str(),
                     MOVE_MOUNT_F_EMPTY_PATH) == 0,
          plan, ChildStep::kMountWorkspace);
  } else {
    std::array<char, 32> buf{};
    Check(mount(FdPath(buf, plan.workspace_source_fd), plan.workspace_target.c_str(), nullptr,
                MS_BIND | MS_REC, nullptr) == 0,
          plan, ChildStep::kMountWorkspace);
    Check(SetMountAttr(plan.workspace_target.c_str(), AT_RECURSIVE,
                       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV),
          plan, ChildStep::kMountWorkspace);
  }

  // pivot_root(".", ".") stacks the old root under the new one; detach it.
  Check(chdir(root) == 0, plan, ChildStep::kPivotRoot);
  Check(syscall(SYS_pivot_root, ".", ".") == 0, plan, ChildStep::kPivotRoot);
  Check(umount2(".", MNT_DETACH) == 0, plan, ChildStep::kPivotRoot);
  Check(chdir("/") == 0, plan, ChildStep::kPivotRoot);
  Check(SetMountAttr("/", 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), plan,
        ChildStep::kReadOnly);
  Check(chdir("/workspace") == 0, plan, ChildStep::kChdir);
}

// The command process, on its own stack in init's memory until execve.
int RunCommand(void* arg) {
  const ChildPlan& plan = *static_cast<const ChildPlan*>(arg);
  const std::array<int, 3> stdio = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd};
  std::array<int, 3> moved{};
  for (int i = 0; i < 3; ++i) {
    moved[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, kFirstMovedFd);
    Check(moved[i] >= 0, plan, ChildStep::kStdio);
  }
  for (int i = 0; i < 3; ++i) Check(dup2(moved[i], i) == i, plan, ChildStep::kStdio);
  close_range(kFirstMovedFd, UINT_MAX, CLOSE_RANGE_CLOEXEC);

  for (int sig = 1; sig <= kMaxSignal; ++sig) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  for (const RlimitSetting& setting : plan.rlimits) {
    rlimit limit{setting.value, setting.hard};
    Check(setrlimit(static_cast<__rlimit_resource>(setting.resource), &limit) == 0, plan,
          ChildStep::kRlimit);
  }
  Check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, plan, ChildStep::kNoNewPrivs);
  Check(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &plan.seccomp) == 0, plan,
        ChildStep::kSeccomp);

  int error = ENOENT;
  for (const std::string& candidate : plan.exec_candidates) {
    execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    if (errno == EACCES) {
      error = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      error = errno;
      break;
    }
  }
  Report report;
  report.kind = ReportKind::kExecError;
  report.step = ChildStep::kExec;
  report.error = error;
  WriteReport(plan.report_fd, report);
  _exit(kExecFailedExit);
}

}  // namespace

const char* ChildStepName(ChildStep step) {
  auto index = static_cast<size_t>(step);
  return index < kStepNames.size() ? kStepNames[index] : "unknown step";
}

void FinalizePlan(ChildPlan& plan) {
  std::set<std::string> dirs;
  auto add_parents = [&](const std::string& path, bool include_self) {
    for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
      dirs.insert(plan.new_root + path.substr(0, pos));
    }
    if (include_self) dirs.insert(plan.new_root + path);
  };
  for (Entry& entry : plan.entries) {
    entry.target = plan.new_root + entry.path;
    add_parents(entry.path, entry.kind == EntryKind::kDirBind);
  }
  plan.workspace_target = plan.new_root + "/workspace";
  plan.proc_target = plan.new_root + "/proc";
  plan.tmp_target = plan.new_root + "/tmp";
  for (const char* fixed : {"/workspace", "/proc", "/tmp"}) add_parents(fixed, true);
  plan.dirs.assign(dirs.begin(), dirs.end());  // sorted: parents come first

  plan.argv.clear();
  for (std::string& arg : plan.argv_storage) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  plan.envp.clear();
  for (std::string& var : plan.env_storage) plan.envp.push_back(var.data());
  plan.envp.push_back(nullptr);
}

void RunSandboxInit(ChildPlan& plan) {
  CloseOtherFds({plan.stdin_fd, plan.stdout_fd, plan.stderr_fd, plan.go_fd, plan.report_fd,
                 plan.workspace_tree_fd});
  char go = 0;
  ssize_t n = 0;
  do {
    n = read(plan.go_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) _exit(kSetupFailedExit);  // the parent gave up
  close(plan.go_fd);

  BuildFileView(plan);

  // vfork-like, as posix_spawn: the command shares init's memory until it
  // execs (init waits meanwhile), so no page tables are copied.
  void* stack = mmap(nullptr, kCommandStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  Check(stack != MAP_FAILED, plan, ChildStep::kFork);
  int pid = clone(RunCommand, static_cast<char*>(stack) + kCommandStackBytes,
                  CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  Check(pid >= 0, plan, ChildStep::kFork);
  close(plan.stdin_fd);
  close(plan.stdout_fd);
  close(plan.stderr_fd);

  // Reap everything; when the command ends, report and exit, which kills
  // whatever else is left in the pid namespace.
  for (;;) {
    int status = 0;
    rusage usage{};
    pid_t done = wait4(-1, &status, 0, &usage);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) _exit(kSetupFailedExit);
    if (done != pid) continue;
    Report report;
    report.kind = ReportKind::kExitStatus;
    report.wait_status = status;
    constexpr std::int64_t kMicrosPerSecond = 1'000'000;
    report.cpu_us = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * kMicrosPerSecond +
                    usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
    WriteReport(plan.report_fd, report);
    _exit(0);
  }
}

}  // namespace sextant::toolserver::sandbox::internal
