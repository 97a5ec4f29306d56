// The child side of a sandbox run: a plan the parent prepares before clone,
// and the code that runs in the cloned process (the sandbox's pid-1 init) and
// in the command process it forks.
//
// Everything the child needs (paths, file contents, argv, envp, the seccomp
// program) is built into a ChildPlan before clone, so that the child never
// allocates: the parent is multithreaded and a lock held by another thread at
// clone time stays held forever in the child. The child reports setup
// failures and the command's end through `report_fd` as fixed-size Report
// records (each write is atomic, smaller than PIPE_BUF).
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sextant::toolserver::sandbox::internal {

// The sandbox user inside the user namespace.
inline constexpr uid_t kInsideUid = 1000;
inline constexpr gid_t kInsideGid = 1000;

// Setup steps, named in error messages.
enum class ChildStep : std::int32_t {
  kWaitForParent,
  kMountPrivate,
  kOpenSource,
  kSetIds,
  kHostname,
  kMountRoot,
  kMkdir,
  kBindMount,
  kReadOnly,
  kSymlink,
  kWriteFile,
  kMountTmp,
  kMountProc,
  kMountWorkspace,
  kPivotRoot,
  kChdir,
  kFork,
  kStdio,
  kRlimit,
  kNoNewPrivs,
  kSeccomp,
  kExec,
};

// "mount /proc", "pivot_root", ... for a step.
const char* ChildStepName(ChildStep step);

enum class ReportKind : std::int32_t {
  kSetupError = 1,  // step and error are set; nothing ran
  kExecError = 2,   // execve failed for every candidate; error is its errno
  kExitStatus = 3,  // the command ended; wait_status and cpu_us are set
};

struct Report {
  ReportKind kind = ReportKind::kSetupError;
  ChildStep step = ChildStep::kWaitForParent;
  std::int32_t error = 0;        // errno
  std::int32_t wait_status = 0;  // as from wait4
  std::int64_t cpu_us = 0;       // user + system CPU time of the command
};

enum class EntryKind : std::int32_t {
  kDirBind,   // bind-mount a host directory, read-only
  kFileBind,  // bind-mount a host file (a device node), read-write
  kSymlink,   // make a symlink with the same target as the host's
  kFile,      // write a fresh file with `content`
};

// One thing to place in the new root. Paths are absolute inside the sandbox.
struct Entry {
  EntryKind kind = EntryKind::kDirBind;
  std::string path;     // inside the sandbox, e.g. "/usr"
  std::string source;   // host path (binds) or link target (symlinks)
  std::string content;  // kFile only
  std::string target;   // new_root + path, filled by FinalizePlan
  int source_fd = -1;   // O_PATH fd of the source, opened by the child
};

struct RlimitSetting {
  int resource = 0;
  rlim_t value = 0;  // soft limit; the hard limit is the same except for CPU
  rlim_t hard = 0;
};

struct ChildPlan {
  std::string new_root = "/tmp";  // mount point of the new root tmpfs in the child's namespace
  std::string root_options;       // tmpfs options of the new root
  std::string tmp_options;        // tmpfs options of /tmp
  std::string hostname = "sandbox";
  std::vector<Entry> entries;     // in order; parents before children
  std::vector<std::string> dirs;  // full paths (new_root + path) of directories to create

  std::string workspace_source;  // host path; used when workspace_tree_fd < 0
  int workspace_tree_fd = -1;    // idmapped detached mount made by the parent, or -1
  std::string workspace_target;  // new_root + "/workspace"
  std::string proc_target;       // new_root + "/proc"
  std::string tmp_target;        // new_root + "/tmp"
  int workspace_source_fd = -1;  // opened by the child

  bool switch_ids = false;  // set uid/gid 1000 and drop supplementary groups inside

  std::vector<std::string> argv_storage;
  std::vector<char*> argv;  // null-terminated
  std::vector<std::string> env_storage;
  std::vector<char*> envp;                   // null-terminated
  std::vector<std::string> exec_candidates;  // full paths tried in order

  std::vector<RlimitSetting> rlimits;
  sock_fprog seccomp{};  // points into memory owned by the Sandbox

  // Child ends of the pipes.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int go_fd = -1;      // read; one byte from the parent once ids and cgroups are set
  int report_fd = -1;  // write; Report records
};

// Fills the derived fields (targets, dirs, argv/envp pointers) of `plan`.
// Call once in the parent, after the fields above are set.
void FinalizePlan(ChildPlan& plan);

// Runs in the cloned child, as pid 1 of the new pid namespace: builds the
// file view, forks the command, reaps, reports, exits. Never returns.
[[noreturn]] void RunSandboxInit(ChildPlan& plan);

}  // namespace sextant::toolserver::sandbox::internal
