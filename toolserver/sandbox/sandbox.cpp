#include "toolserver/sandbox/sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>  // sigabbrev_np
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "toolserver/sandbox/internal/cgroup.h"
#include "toolserver/sandbox/internal/child.h"
#include "toolserver/sandbox/internal/io_pump.h"
#include "toolserver/sandbox/internal/namespaces.h"
#include "toolserver/sandbox/internal/plan.h"
#include "toolserver/sandbox/internal/seccomp_filter.h"

namespace sextant::toolserver::sandbox {
namespace {

namespace fs = std::filesystem;
using internal::UniqueFd;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return InternalError(Errno("pipe2"));
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

pid_t ReapInit(pid_t pid, int* status) {
  pid_t done = -1;
  do {
    done = waitpid(pid, status, __WALL);
  } while (done < 0 && errno == EINTR);
  return done;
}

class SandboxImpl final : public Sandbox {
 public:
  SandboxImpl(Options options, HostSupport support, std::vector<sock_filter> seccomp,
              std::unique_ptr<internal::CgroupManager> cgroups, UniqueFd idmap_userns,
              std::vector<internal::Entry> base_entries)
      : options_(std::move(options)),
        support_(std::move(support)),
        seccomp_(std::move(seccomp)),
        cgroups_(std::move(cgroups)),
        idmap_userns_(std::move(idmap_userns)),
        base_entries_(std::move(base_entries)) {}

  Result<RunResult> Run(const Spec& spec) const override;
  const HostSupport& support() const override { return support_; }

 private:
  Result<RunResult> Finish(const Spec& spec, internal::PumpResult pumped, int init_status,
                           const internal::RunCgroup* cgroup) const;

  Options options_;
  HostSupport support_;
  std::vector<sock_filter> seccomp_;
  std::unique_ptr<internal::CgroupManager> cgroups_;  // null without cgroup limits
  UniqueFd idmap_userns_;                             // only with idmapped workspaces
  std::vector<internal::Entry> base_entries_;
};

Result<RunResult> SandboxImpl::Run(const Spec& spec) const {
  internal::ChildPlan plan;
  SEXTANT_RETURN_IF_ERROR(internal::FillCommand(spec, plan));
  std::error_code error;
  if (!spec.workspace.is_absolute() || !fs::is_directory(spec.workspace, error)) {
    return InvalidArgumentError("workspace: '" + spec.workspace.string() +
                                "' is not an existing absolute directory");
  }
  plan.entries = base_entries_;
  if (spec.network == Network::kHost) {
    for (internal::Entry& entry : internal::BuildNetworkEntries()) {
      plan.entries.push_back(std::move(entry));
    }
  }
  plan.workspace_source = spec.workspace.string();
  plan.switch_ids = support_.host_uid != geteuid();
  plan.seccomp.len = static_cast<unsigned short>(seccomp_.size());
  plan.seccomp.filter = const_cast<sock_filter*>(seccomp_.data());
  UniqueFd workspace_tree;
  if (support_.idmapped_workspace) {
    SEXTANT_ASSIGN_OR_RETURN(
        int tree, internal::MakeIdmappedTree(plan.workspace_source.c_str(), idmap_userns_.get()));
    workspace_tree.Reset(tree);
  }
  plan.workspace_tree_fd = workspace_tree.get();
  internal::FinalizePlan(plan);

  std::unique_ptr<internal::RunCgroup> cgroup;
  if (cgroups_) {
    SEXTANT_ASSIGN_OR_RETURN(cgroup,
                             cgroups_->CreateRun(spec.limits.memory_bytes, spec.limits.max_pids));
  }
  SEXTANT_ASSIGN_OR_RETURN(Pipe in, MakePipe());
  SEXTANT_ASSIGN_OR_RETURN(Pipe out, MakePipe());
  SEXTANT_ASSIGN_OR_RETURN(Pipe err, MakePipe());
  SEXTANT_ASSIGN_OR_RETURN(Pipe go, MakePipe());
  SEXTANT_ASSIGN_OR_RETURN(Pipe report, MakePipe());
  plan.stdin_fd = in.read.get();
  plan.stdout_fd = out.write.get();
  plan.stderr_fd = err.write.get();
  plan.go_fd = go.read.get();
  plan.report_fd = report.write.get();

  std::uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
  if (spec.network == Network::kOff) flags |= CLONE_NEWNET;
  Clock::time_point start = Clock::now();
  int raw_pidfd = -1;
  long cloned = internal::Clone3(flags, &raw_pidfd);
  if (cloned == 0) internal::RunSandboxInit(plan);
  if (cloned < 0) return InternalError(Errno("clone3"));
  auto pid = static_cast<pid_t>(cloned);
  UniqueFd pidfd(raw_pidfd);
  in.read.Reset();
  out.write.Reset();
  err.write.Reset();
  go.read.Reset();
  report.write.Reset();
  workspace_tree.Reset();

  Status setup =
      internal::WriteIdMaps(pid, internal::kInsideUid, support_.host_uid, !plan.switch_ids);
  if (setup.ok() && cgroup) setup = cgroup->Attach(pid);
  if (setup.ok() && write(go.write.get(), "g", 1) != 1) setup = InternalError(Errno("write go"));
  go.write.Reset();
  if (!setup.ok()) {
    syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    int ignored = 0;
    ReapInit(pid, &ignored);
    return setup.WithContext("sandbox setup");
  }

  SetNonBlocking(in.write.get());
  SetNonBlocking(out.read.get());
  SetNonBlocking(err.read.get());
  SetNonBlocking(report.read.get());
  internal::PumpFds fds{std::move(in.write), std::move(out.read), std::move(err.read),
                        std::move(report.read), pidfd.get()};
  internal::PumpResult pumped =
      internal::Pump(std::move(fds), spec.stdin_data, spec.limits.max_output_bytes,
                     start + spec.limits.wall_timeout);
  int init_status = 0;
  // ECHILD: the host ignores SIGCHLD, so the kernel reaped init already.
  if (ReapInit(pid, &init_status) < 0 && errno != ECHILD) return InternalError(Errno("waitpid"));
  Result<RunResult> result = Finish(spec, std::move(pumped), init_status, cgroup.get());
  if (result.ok()) {
    result->duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }
  return result;
}

Result<RunResult> SandboxImpl::Finish(const Spec& spec, internal::PumpResult pumped,
                                      int init_status, const internal::RunCgroup* cgroup) const {
  RunResult result;
  result.stdout_data = std::move(pumped.stdout_data);
  result.stderr_data = std::move(pumped.stderr_data);
  result.stdout_truncated = pumped.stdout_truncated;
  result.stderr_truncated = pumped.stderr_truncated;
  if (result.stdout_truncated) result.stdout_data += kTruncationMarker;
  if (result.stderr_truncated) result.stderr_data += kTruncationMarker;

  const internal::Report* exit_report = nullptr;
  for (const internal::Report& report : pumped.reports) {
    if (report.kind == internal::ReportKind::kSetupError) {
      return InternalError(std::string("sandbox setup failed: ") +
                           internal::ChildStepName(report.step) + ": " +
                           std::strerror(report.error));
    }
    if (report.kind == internal::ReportKind::kExecError) {
      result.exit_code = 127;
      result.stderr_data +=
          "sandbox: cannot execute '" + spec.argv[0] + "': " + std::strerror(report.error) + "\n";
    }
    if (report.kind == internal::ReportKind::kExitStatus) exit_report = &report;
  }
  bool oom = cgroup != nullptr && cgroup->OomKilled();
  if (pumped.timed_out) {
    result.termination = Termination::kTimedOut;
    result.signal = SIGKILL;
    return result;
  }
  if (exit_report == nullptr) {
    if (oom) {
      result.termination = Termination::kMemoryLimit;
      result.signal = SIGKILL;
      return result;
    }
    return InternalError("sandbox init ended without a report (wait status " +
                         std::to_string(init_status) + ")");
  }
  int status = exit_report->wait_status;
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    bool cpu_spent = exit_report->cpu_us >= spec.limits.cpu_seconds * kMicrosPerSecond;
    if (result.signal == SIGXCPU || (result.signal == SIGKILL && cpu_spent)) {
      result.termination = Termination::kCpuLimit;
    } else {
      result.termination = Termination::kSignaled;
    }
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  if (oom) result.termination = Termination::kMemoryLimit;
  return result;
}

}  // namespace

Result<std::unique_ptr<Sandbox>> Sandbox::Create(Options options) {
  SEXTANT_ASSIGN_OR_RETURN(std::vector<internal::Entry> base_entries,
                           internal::BuildBaseEntries(options.read_only_paths));
  SEXTANT_RETURN_IF_ERROR(internal::ProbeNamespaces());
  SEXTANT_ASSIGN_OR_RETURN(std::vector<sock_filter> seccomp, internal::BuildSeccompProgram());

  HostSupport support;
  support.user_namespaces = true;
  bool privileged = geteuid() == 0;
  support.host_uid = privileged ? internal::kUnprivilegedHostId : geteuid();
  UniqueFd idmap_userns;
  if (privileged) {
    Result<int> userns = internal::MakeIdmapUserNamespace(internal::kUnprivilegedHostId);
    if (userns.ok()) {
      idmap_userns.Reset(*userns);
      std::error_code error;
      fs::path probe_dir = fs::temp_directory_path(error);
      Result<int> tree = internal::MakeIdmappedTree(probe_dir.c_str(), idmap_userns.get());
      if (tree.ok()) {
        close(*tree);
        support.idmapped_workspace = true;
      }
    }
    if (!support.idmapped_workspace) idmap_userns.Reset();
  }
  std::unique_ptr<internal::CgroupManager> cgroups =
      internal::CgroupManager::Create(options.cgroup_parent, &support.cgroup_note);
  support.cgroup_limits = cgroups != nullptr;
  if (cgroups) support.cgroup_dir = cgroups->dir();
  return std::unique_ptr<Sandbox>(
      new SandboxImpl(std::move(options), std::move(support), std::move(seccomp),
                      std::move(cgroups), std::move(idmap_userns), std::move(base_entries)));
}

std::string Describe(const RunResult& result, const Limits& limits) {
  std::string text;
  switch (result.termination) {
    case Termination::kExited:
      text = "exited " + std::to_string(result.exit_code);
      break;
    case Termination::kSignaled: {
      const char* name = sigabbrev_np(result.signal);
      text = "killed by signal " + std::to_string(result.signal);
      if (name != nullptr) text += std::string(" (SIG") + name + ")";
      break;
    }
    case Termination::kTimedOut:
      text = "timed out after " + std::to_string(limits.wall_timeout.count()) + " ms";
      break;
    case Termination::kCpuLimit:
      text = "CPU time limit of " + std::to_string(limits.cpu_seconds) + " s reached";
      break;
    case Termination::kMemoryLimit:
      text = "memory limit of " + std::to_string(limits.memory_bytes / kMiB) + " MiB reached";
      break;
  }
  if (result.stdout_truncated) {
    text += "; stdout truncated at " + std::to_string(limits.max_output_bytes) + " bytes";
  }
  if (result.stderr_truncated) {
    text += "; stderr truncated at " + std::to_string(limits.max_output_bytes) + " bytes";
  }
  return text;
}

}  // namespace sextant::toolserver::sandbox
