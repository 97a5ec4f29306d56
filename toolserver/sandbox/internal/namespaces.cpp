#include "toolserver/sandbox/internal/namespaces.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sextant::toolserver::sandbox::internal {
namespace {

constexpr std::uint64_t kRunNamespaces =
    CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

Status WriteProcFile(pid_t pid, const char* name, const std::string& content) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return InternalError(Errno("open " + path));
  ssize_t n = write(fd, content.data(), content.size());
  int error = errno;
  close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    errno = error;
    return InternalError(Errno("write " + path + " '" + content + "'"));
  }
  return Status::Ok();
}

void Reap(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

long Clone3(std::uint64_t flags, int* pidfd) {
  clone_args args{};
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  if (pidfd != nullptr) {
    args.flags |= CLONE_PIDFD;
    args.pidfd = reinterpret_cast<std::uint64_t>(pidfd);
  }
  return syscall(SYS_clone3, &args, sizeof(args));
}

Status WriteIdMaps(pid_t pid, std::uint32_t inside, std::uint32_t outside, bool deny_setgroups) {
  std::string line = std::to_string(inside) + " " + std::to_string(outside) + " 1\n";
  if (deny_setgroups) SEXTANT_RETURN_IF_ERROR(WriteProcFile(pid, "setgroups", "deny"));
  SEXTANT_RETURN_IF_ERROR(WriteProcFile(pid, "uid_map", line));
  return WriteProcFile(pid, "gid_map", line);
}

Status ProbeNamespaces() {
  long pid = Clone3(kRunNamespaces, nullptr);
  if (pid < 0) {
    return FailedPreconditionError(
        Errno("cannot create user, mount, pid, net, ipc and uts namespaces (clone3)"));
  }
  if (pid == 0) _exit(0);
  Reap(static_cast<pid_t>(pid));
  return Status::Ok();
}

Result<int> MakeIdmapUserNamespace(std::uint32_t host_id) {
  int hold[2];
  if (pipe2(hold, O_CLOEXEC) != 0) return FailedPreconditionError(Errno("pipe2"));
  long pid = Clone3(CLONE_NEWUSER, nullptr);
  if (pid < 0) {
    close(hold[0]);
    close(hold[1]);
    return FailedPreconditionError(Errno("clone3(CLONE_NEWUSER)"));
  }
  if (pid == 0) {
    // Waits until the parent has opened the namespace, then exits.
    char byte = 0;
    close(hold[1]);
    while (read(hold[0], &byte, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(hold[0]);
  auto child = static_cast<pid_t>(pid);
  Status status = WriteIdMaps(child, 0, host_id, false);
  int fd = -1;
  if (status.ok()) {
    std::string path = "/proc/" + std::to_string(child) + "/ns/user";
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) status = InternalError(Errno("open " + path));
  }
  close(hold[1]);
  Reap(child);
  if (!status.ok()) return FailedPreconditionError(status.message());
  return fd;
}

Result<int> MakeIdmappedTree(const char* dir, int userns_fd) {
  int fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0) return FailedPreconditionError(Errno(std::string("open_tree ") + dir));
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  attr.userns_fd = static_cast<std::uint64_t>(userns_fd);
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) != 0) {
    Status status = FailedPreconditionError(Errno(std::string("idmapped mount of ") + dir));
    close(fd);
    return status;
  }
  return fd;
}

}  // namespace sextant::toolserver::sandbox::internal
