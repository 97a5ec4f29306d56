// Runs one command in fresh Linux namespaces with least privilege.
//
// Every Run gets new user (or a mapped unprivileged uid), mount, pid, net, ipc
// and uts namespaces. Inside, the file view is read-only bind mounts of /usr,
// /bin, /sbin, /lib*, and a minimal /etc; a private /tmp (tmpfs); /proc of the
// new pid namespace; and the session's workspace, mounted read-write at
// /workspace, which is the working directory and the only writable place
// besides /tmp. The child sets no_new_privs and installs a seccomp filter
// (libseccomp) before it execs. rlimits bound CPU time, address space,
// processes, file size and open files; where the cgroup tree is writable, a
// cgroup per run bounds memory and pids. A wall-clock timeout kills the whole
// sandbox (its pid namespace). stdout and stderr are captured, each up to a
// cap, with a truncation marker when cut.
//
// Ownership: a Sandbox is a value-like handle holding its options and the
// host facts found by Create. Thread safety: Run is thread-safe and may be
// called from many threads at once. Errors: Create fails with
// failed_precondition when this host cannot make the namespaces; Run fails
// with invalid_argument for a bad Spec, internal when a system call of the
// parent fails or the child's setup fails ("sandbox setup failed: <step>:
// <reason>"). A command that cannot be executed is exit code 127 with the
// reason on stderr. What the command does (a non-zero exit, a signal, a timeout,
// a hit limit) is never an error of Run: it is reported in RunResult.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sextant::toolserver::sandbox {

inline constexpr std::int64_t kMiB = 1024 * 1024;

struct Limits {
  std::chrono::milliseconds wall_timeout{30'000};  // kills the whole sandbox
  int cpu_seconds = 30;                            // RLIMIT_CPU
  std::int64_t address_space_bytes = 4096 * kMiB;  // RLIMIT_AS
  int max_processes = 64;                          // RLIMIT_NPROC (per mapped uid)
  std::int64_t max_file_size_bytes = 256 * kMiB;   // RLIMIT_FSIZE
  int max_open_files = 256;                        // RLIMIT_NOFILE
  std::int64_t memory_bytes = 1024 * kMiB;         // cgroup memory.max, when available
  int max_pids = 128;                              // cgroup pids.max, when available
  std::size_t max_output_bytes = 1 * kMiB;         // per stream (stdout, stderr)
  std::int64_t tmp_bytes = 64 * kMiB;              // size of the private /tmp (tmpfs)
};

enum class Network {
  kOff,   // a new, empty net namespace: only a down loopback
  kHost,  // the host's network (session policy allows it)
};

struct Spec {
  std::vector<std::string> argv;    // argv[0] is looked up on PATH inside the sandbox
  std::string stdin_data;           // written to the child's stdin, then closed
  std::filesystem::path workspace;  // host directory; must exist; mounted at /workspace
  std::vector<std::pair<std::string, std::string>> env;  // added to a minimal environment
  Network network = Network::kOff;
  Limits limits;
};

enum class Termination {
  kExited,       // exit_code holds the status
  kSignaled,     // killed by a signal not sent by the sandbox (signal holds it)
  kTimedOut,     // the wall-clock timeout fired
  kCpuLimit,     // SIGXCPU/SIGKILL after RLIMIT_CPU
  kMemoryLimit,  // the cgroup OOM killer fired
};

struct RunResult {
  Termination termination = Termination::kExited;
  int exit_code = 0;
  int signal = 0;
  std::string stdout_data;  // at most max_output_bytes, then kTruncationMarker
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::chrono::milliseconds duration{0};
};

// Appended to a captured stream that was cut at max_output_bytes.
inline constexpr const char* kTruncationMarker = "\n[output truncated]\n";

struct Options {
  // Host paths bind-mounted read-only when they exist.
  std::vector<std::filesystem::path> read_only_paths = {"/usr", "/bin",   "/sbin",
                                                        "/lib", "/lib64", "/lib32"};
  // Parent cgroup (v2 or the v1 memory and pids hierarchies are detected) for
  // per-run groups; empty means "find a writable one or go without". On v2 it
  // is a directory of the cgroup2 mount; on v1 a directory of the memory
  // hierarchy, whose path below that mount is used in the pids hierarchy too.
  std::filesystem::path cgroup_parent;
};

// What Create found about this host.
struct HostSupport {
  bool user_namespaces = false;
  bool cgroup_limits = false;  // false: memory and pids are bounded by rlimits only
  std::string cgroup_note;     // why cgroups are unavailable, or which hierarchy is used
  // The directory holding the per-run groups (v2, or v1's memory hierarchy);
  // empty without cgroup limits. Removed when the Sandbox is destroyed.
  std::filesystem::path cgroup_dir;
  // The host uid (and gid) the sandbox user (uid 1000 inside) is mapped to:
  // 65534 when the caller is root, else the caller's own uid.
  std::uint32_t host_uid = 0;
  // True when the workspace is an idmapped mount, so that files the caller
  // owns on disk appear owned by the sandbox user (root callers only).
  bool idmapped_workspace = false;
};

class Sandbox {
 public:
  static Result<std::unique_ptr<Sandbox>> Create(Options options);
  virtual ~Sandbox() = default;

  virtual Result<RunResult> Run(const Spec& spec) const = 0;
  virtual const HostSupport& support() const = 0;
};

// "exited 0", "killed by signal 9", "timed out after 2000 ms", and so on.
std::string Describe(const RunResult& result, const Limits& limits);

}  // namespace sextant::toolserver::sandbox
