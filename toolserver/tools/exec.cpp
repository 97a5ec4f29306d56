#include "toolserver/tools/exec.h"

#include <algorithm>
#include <string>
#include <utility>

#include "toolserver/tools/function_tool.h"

namespace sextant::toolserver::tools {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMessageOutputBytes = 2048;
constexpr double kMsPerSecond = 1000.0;

std::string_view TerminationName(sandbox::Termination t) {
  switch (t) {
    case sandbox::Termination::kExited:
      return "exited";
    case sandbox::Termination::kSignaled:
      return "signaled";
    case sandbox::Termination::kTimedOut:
      return "timed_out";
    case sandbox::Termination::kCpuLimit:
      return "cpu_limit";
    case sandbox::Termination::kMemoryLimit:
      return "memory_limit";
  }
  return "unknown";
}

std::string Tail(const std::string& text) {
  if (text.size() <= kMessageOutputBytes) return text;
  return "..." + text.substr(text.size() - kMessageOutputBytes);
}

Result<ToolOutput> RunInSandbox(const ExecOptions& options, const ToolContext& ctx,
                                const Json& args, std::vector<std::string> argv,
                                std::string stdin_data) {
  if (ctx.sandbox == nullptr) return FailedPreconditionError("no sandbox is configured");
  sandbox::Spec spec;
  spec.argv = std::move(argv);
  spec.stdin_data = std::move(stdin_data);
  spec.workspace = ctx.workspace;
  spec.network = ctx.network_allowed ? sandbox::Network::kHost : sandbox::Network::kOff;
  spec.limits = options.limits;
  milliseconds timeout = options.limits.wall_timeout;
  if (args.contains("timeout_s")) {
    timeout =
        milliseconds(static_cast<std::int64_t>(args["timeout_s"].get<double>() * kMsPerSecond));
  }
  timeout = std::min(timeout, options.max_timeout);
  const auto left =
      std::chrono::duration_cast<milliseconds>(ctx.deadline - std::chrono::steady_clock::now());
  timeout = std::min(timeout, left);
  if (timeout <= milliseconds(0)) return DeadlineExceededError("the call's deadline has passed");
  spec.limits.wall_timeout = timeout;
  SEXTANT_ASSIGN_OR_RETURN(sandbox::RunResult run, ctx.sandbox->Run(spec));
  const std::string described = sandbox::Describe(run, spec.limits);
  std::string output;
  if (!run.stdout_data.empty()) output += "\n[stdout]\n" + run.stdout_data;
  if (!run.stderr_data.empty()) output += "\n[stderr]\n" + run.stderr_data;
  switch (run.termination) {
    case sandbox::Termination::kTimedOut:
      return DeadlineExceededError(described + Tail(output));
    case sandbox::Termination::kCpuLimit:
    case sandbox::Termination::kMemoryLimit:
      return ResourceExhaustedError(described + Tail(output));
    case sandbox::Termination::kExited:
    case sandbox::Termination::kSignaled:
      break;
  }
  ToolOutput out;
  out.content = described + output;
  out.data = {{"termination", TerminationName(run.termination)},
              {"exit_code", run.exit_code},
              {"signal", run.signal},
              {"stdout", std::move(run.stdout_data)},
              {"stderr", std::move(run.stderr_data)},
              {"stdout_truncated", run.stdout_truncated},
              {"stderr_truncated", run.stderr_truncated},
              {"duration_ms", run.duration.count()}};
  return out;
}

Json Schema(const char* field, const char* description, double max_timeout_s) {
  return {{"type", "object"},
          {"properties",
           {{field, {{"type", "string"}, {"description", description}}},
            {"timeout_s",
             {{"type", "number"},
              {"exclusiveMinimum", 0},
              {"maximum", max_timeout_s},
              {"description", "Wall-clock limit in seconds"}}}}},
          {"required", {field}},
          {"additionalProperties", false}};
}

}  // namespace

std::vector<std::unique_ptr<Tool>> MakeExecTools(const ExecOptions& options) {
  const double max_s = static_cast<double>(options.max_timeout.count()) / kMsPerSecond;
  std::vector<std::unique_ptr<Tool>> tools;
  tools.push_back(MakeFunctionTool(
      {"shell_run",
       "Run a shell command (/bin/sh -c) in a sandbox; the workspace is the working directory "
       "and the only writable place besides /tmp. No network unless the session allows it.",
       Schema("command", "The shell command", max_s)},
      [options](const ToolContext& c, const Json& a) {
        return RunInSandbox(options, c, a, {"/bin/sh", "-c", a.value("command", std::string())},
                            "");
      }));
  tools.push_back(MakeFunctionTool(
      {"python_run",
       "Run Python 3 code in a sandbox; the workspace is the working directory. Print what you "
       "want to see.",
       Schema("code", "The Python source", max_s)},
      [options](const ToolContext& c, const Json& a) {
        return RunInSandbox(options, c, a, {"python3", "-"}, a.value("code", std::string()));
      }));
  return tools;
}

}  // namespace sextant::toolserver::tools
