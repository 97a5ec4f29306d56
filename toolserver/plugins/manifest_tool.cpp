#include "toolserver/plugins/manifest_tool.h"

#include <fstream>
#include <set>
#include <sstream>

#include "toolserver/plugins/mcp_result.h"
#include "toolserver/sandbox/sandbox.h"

namespace sextant::toolserver::plugins {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxManifestBytes = 1024 * 1024;
constexpr std::size_t kStderrInErrorBytes = 2048;

Status FieldError(const std::filesystem::path& source, std::string_view field,
                  std::string_view problem) {
  return InvalidArgumentError("manifest " + source.string() + ": field \"" + std::string(field) +
                              "\" " + std::string(problem));
}

std::string Tail(const std::string& text, std::size_t n) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

std::string DescribeRun(const sandbox::RunResult& r, std::chrono::milliseconds timeout) {
  switch (r.termination) {
    case sandbox::Termination::kExited:
      return "exited with status " + std::to_string(r.exit_code);
    case sandbox::Termination::kSignaled:
      return "was killed by signal " + std::to_string(r.signal);
    case sandbox::Termination::kTimedOut:
      return "timed out after " + std::to_string(timeout.count()) + " ms";
    case sandbox::Termination::kCpuLimit:
      return "hit the CPU time limit";
    case sandbox::Termination::kMemoryLimit:
      return "hit the memory limit";
  }
  return "ended";
}

class ManifestTool final : public Tool {
 public:
  explicit ManifestTool(Manifest manifest) : m_(std::move(manifest)) {}
  const ToolSpec& spec() const override { return m_.spec; }
  Result<ToolOutput> Call(const ToolContext& context, const Json& arguments) override;

 private:
  Manifest m_;
};

Result<ToolOutput> ManifestTool::Call(const ToolContext& context, const Json& arguments) {
  const std::string& name = m_.spec.name;
  if (context.sandbox == nullptr) return FailedPreconditionError(name + ": no sandbox to run in");
  if (m_.network && !context.network_allowed) {
    return PermissionDeniedError(name + " needs the network, which this session does not allow");
  }
  auto timeout = m_.timeout;
  if (context.deadline != Clock::time_point{}) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(context.deadline - Clock::now());
    if (left.count() <= 0) return DeadlineExceededError(name + ": the deadline has passed");
    timeout = std::min(timeout, left);
  }
  std::string json = DumpJson(arguments.is_null() ? Json::object() : arguments);
  sandbox::Spec spec;
  spec.argv = m_.command;
  spec.argv.push_back(json);
  spec.stdin_data = json + "\n";
  spec.workspace = context.workspace;
  spec.network = m_.network ? sandbox::Network::kHost : sandbox::Network::kOff;
  spec.limits.wall_timeout = timeout;
  auto run = context.sandbox->Run(spec);
  if (!run.ok()) return run.status().WithContext(name);
  const sandbox::RunResult& r = *run;
  std::string how = DescribeRun(r, timeout);
  auto failure = [&](StatusCode code) {
    std::string message = name + " " + how;
    if (!r.stderr_data.empty()) message += ": " + Tail(r.stderr_data, kStderrInErrorBytes);
    return Status(code, message);
  };
  switch (r.termination) {
    case sandbox::Termination::kTimedOut:
      return failure(StatusCode::kDeadlineExceeded);
    case sandbox::Termination::kCpuLimit:
    case sandbox::Termination::kMemoryLimit:
      return failure(StatusCode::kResourceExhausted);
    case sandbox::Termination::kSignaled:
      return failure(StatusCode::kFailedPrecondition);
    case sandbox::Termination::kExited:
      if (r.exit_code != 0) return failure(StatusCode::kFailedPrecondition);
      break;
  }
  ToolOutput out;
  out.content = r.stdout_data;
  out.data = {{"exit_code", r.exit_code},
              {"stderr", r.stderr_data},
              {"duration_ms", r.duration.count()},
              {"stdout_truncated", r.stdout_truncated},
              {"stderr_truncated", r.stderr_truncated}};
  if (!r.stdout_truncated) {
    if (auto parsed = ParseJson(r.stdout_data); parsed.ok()) out.data["json"] = std::move(*parsed);
  }
  return out;
}

}  // namespace

Result<Manifest> ParseManifest(const Json& json, const std::filesystem::path& source) {
  if (!json.is_object()) {
    return InvalidArgumentError("manifest " + source.string() + ": not a JSON object");
  }
  static const std::set<std::string, std::less<>> kKnown = {"name",    "description", "parameters",
                                                            "command", "timeout_s",   "network"};
  for (const auto& [key, value] : json.items()) {
    if (!kKnown.contains(key)) return FieldError(source, key, "is not a manifest field");
  }
  Manifest m;
  m.source = source;
  auto name = json.find("name");
  if (name == json.end()) return FieldError(source, "name", "is missing");
  if (!name->is_string() || !IsValidToolName(name->get<std::string>())) {
    return FieldError(source, "name", "must be a string matching [a-zA-Z0-9_-]{1,64}");
  }
  m.spec.name = name->get<std::string>();
  auto description = json.find("description");
  if (description == json.end()) return FieldError(source, "description", "is missing");
  if (!description->is_string() || description->get<std::string>().empty()) {
    return FieldError(source, "description", "must be a non-empty string");
  }
  m.spec.description = description->get<std::string>();
  auto parameters = json.find("parameters");
  if (parameters == json.end()) return FieldError(source, "parameters", "is missing");
  if (!parameters->is_object()) {
    return FieldError(source, "parameters", "must be a JSON Schema object");
  }
  if (auto type = parameters->find("type");
      type != parameters->end() && !(type->is_string() && *type == "object")) {
    return FieldError(source, "parameters", "must describe an object (\"type\": \"object\")");
  }
  m.spec.parameters = *parameters;
  auto command = json.find("command");
  if (command == json.end()) return FieldError(source, "command", "is missing");
  if (!command->is_array() || command->empty()) {
    return FieldError(source, "command", "must be a non-empty array of strings");
  }
  for (const Json& arg : *command) {
    if (!arg.is_string()) return FieldError(source, "command", "must hold only strings");
    m.command.push_back(arg.get<std::string>());
  }
  if (m.command[0].empty()) return FieldError(source, "command", "has an empty program name");
  if (auto t = json.find("timeout_s"); t != json.end()) {
    if (!t->is_number() || t->get<double>() <= 0 || t->get<double>() > kMaxManifestTimeoutSeconds) {
      return FieldError(source, "timeout_s", "must be a number of seconds in (0, 3600]");
    }
    constexpr double kMsPerSecond = 1000.0;
    m.timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(t->get<double>() * kMsPerSecond));
    if (m.timeout.count() == 0) m.timeout = std::chrono::milliseconds(1);
  }
  if (auto n = json.find("network"); n != json.end()) {
    if (!n->is_boolean()) return FieldError(source, "network", "must be true or false");
    m.network = n->get<bool>();
  }
  return m;
}

Result<Manifest> LoadManifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError("manifest " + path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  JsonLimits limits;
  limits.max_bytes = kMaxManifestBytes;
  auto json = ParseJson(text.str(), limits);
  if (!json.ok()) {
    return InvalidArgumentError("manifest " + path.string() + ": " + json.status().message());
  }
  return ParseManifest(*json, path);
}

std::unique_ptr<Tool> MakeManifestTool(Manifest manifest) {
  return std::make_unique<ManifestTool>(std::move(manifest));
}

}  // namespace sextant::toolserver::plugins
