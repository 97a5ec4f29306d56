#include "toolserver/sandbox/internal/seccomp_filter.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace sextant::toolserver::sandbox::internal {
namespace {

// System calls denied with EPERM.
constexpr const char* kDenied[] = {
    "mount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "unshare",
    "setns",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "open_by_handle_at",
    "name_to_handle_at",
    "userfaultfd",
    "clock_settime",
    "clock_adjtime",
    "settimeofday",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "syslog",
    "vhangup",
    "iopl",
    "ioperm",
    "lookup_dcookie",
    "pidfd_getfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fanotify_init",
    "nfsservctl",
    "kcmp",
};

// Namespace flags that clone may not carry.
constexpr unsigned long kCloneNamespaceFlags[] = {
    CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
};

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

Status Fail(const char* what, int rc) {
  return InternalError(std::string("seccomp: ") + what + ": " + std::strerror(-rc));
}

}  // namespace

Result<std::vector<sock_filter>> BuildSeccompProgram() {
  std::unique_ptr<void, ContextDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return InternalError("seccomp: seccomp_init failed");
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc < 0) return Fail("set bad-arch action", rc);
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc < 0) return Fail(name, rc);
  }
  for (unsigned long flag : kCloneNamespaceFlags) {
    // arg 0 (the flags) & flag == flag
    const scmp_arg_cmp has_flag{0, SCMP_CMP_MASKED_EQ, flag, flag};
    rc = seccomp_rule_add_array(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, &has_flag);
    if (rc < 0) return Fail("clone", rc);
  }
  rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc < 0) return Fail("clone3", rc);

  // libseccomp 2.5 exports only to a file descriptor: go through a memfd.
  int fd = memfd_create("sextant-seccomp", MFD_CLOEXEC);
  if (fd < 0) return InternalError(std::string("seccomp: memfd_create: ") + std::strerror(errno));
  rc = seccomp_export_bpf(ctx.get(), fd);
  if (rc < 0) {
    close(fd);
    return Fail("export", rc);
  }
  off_t size = lseek(fd, 0, SEEK_END);
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  ssize_t got = pread(fd, program.data(), program.size() * sizeof(sock_filter), 0);
  close(fd);
  if (size <= 0 || got != static_cast<ssize_t>(program.size() * sizeof(sock_filter))) {
    return InternalError("seccomp: short read of the exported program");
  }
  return program;
}

}  // namespace sextant::toolserver::sandbox::internal
