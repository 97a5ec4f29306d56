#include "toolserver/server_config.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace sextant::toolserver {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;
constexpr std::int64_t kSecondMs = 1000;
constexpr std::int64_t kDayMs = 24 * 3600 * kSecondMs;
constexpr std::int64_t kMaxCount = 1 << 20;
constexpr std::int64_t kMaxThreads = 1024;
constexpr int kMaxPort = 65535;

}  // namespace

void DeclareToolServerConfig(ConfigRegistry& registry) {
  const ToolServerOptions d;
  const sandbox::Limits l;
  const ConfigKey keys[] = {
      ConfigKey::String("toolserver.listen", "127.0.0.1:8765", "ToolServer: HOST:PORT to bind"),
      ConfigKey::String("toolserver.token_file", "",
                        "ToolServer: file holding the bearer token clients must send"),
      ConfigKey::String("toolserver.workspace_root", "",
                        "ToolServer: directory that holds one workspace per session"),
      ConfigKey::String("toolserver.audit_log", "",
                        "ToolServer: JSON-lines audit log of every call (empty: none)"),
      ConfigKey::String("toolserver.plugins_file", "",
                        "ToolServer: JSON file of MCP servers and manifest tools (empty: none)"),
      ConfigKey::Int("toolserver.max_sessions", d.sessions.max_sessions,
                     "ToolServer: sessions open at once at most")
          .Range(1, kMaxCount),
      ConfigKey::Int("toolserver.idle_timeout_ms", d.sessions.idle_timeout.count(),
                     "ToolServer: a session idle this long is deleted")
          .Range(1, 30 * kDayMs),
      ConfigKey::Int("toolserver.max_concurrent_calls_per_session", d.sessions.max_concurrent_calls,
                     "ToolServer: calls in progress per session at most (more get 429)")
          .Range(1, kMaxCount),
      ConfigKey::Int("toolserver.max_body_bytes", static_cast<std::int64_t>(d.max_file_bytes),
                     "ToolServer: largest request body")
          .Range(1, 4 * kGiB),
      ConfigKey::Int("toolserver.max_file_bytes", static_cast<std::int64_t>(d.max_file_bytes),
                     "ToolServer: largest file upload or download")
          .Range(1, 4 * kGiB),
      ConfigKey::Int("toolserver.default_call_timeout_ms", d.default_call_timeout.count(),
                     "ToolServer: a call's time limit when the request gives none")
          .Range(1, kDayMs),
      ConfigKey::Int("toolserver.max_call_timeout_ms", d.max_call_timeout.count(),
                     "ToolServer: the largest time limit a call may ask for")
          .Range(1, kDayMs),
      ConfigKey::Int("toolserver.max_output_bytes", static_cast<std::int64_t>(l.max_output_bytes),
                     "ToolServer: captured stdout and stderr per stream, and file_read's cap")
          .Range(1, kGiB),
      ConfigKey::Bool("toolserver.allow_network", false,
                      "ToolServer: whether sessions may ask for network access"),
      ConfigKey::Int("toolserver.worker_threads", d.worker_threads,
                     "ToolServer: threads that run calls")
          .Range(1, kMaxThreads),
      ConfigKey::Int("toolserver.io_threads", d.http.io_threads,
                     "ToolServer: threads that serve HTTP")
          .Range(1, kMaxThreads),
      ConfigKey::Int("toolserver.sandbox_memory_mb", l.memory_bytes / kMiB,
                     "ToolServer sandbox: memory per command (cgroup), in MiB")
          .Range(1, kMiB),
      ConfigKey::Int("toolserver.sandbox_address_space_mb", l.address_space_bytes / kMiB,
                     "ToolServer sandbox: RLIMIT_AS per process, in MiB")
          .Range(1, kMiB),
      ConfigKey::Int("toolserver.sandbox_max_pids", l.max_pids,
                     "ToolServer sandbox: processes per command (cgroup pids.max)")
          .Range(1, kMaxCount),
      ConfigKey::Int("toolserver.sandbox_max_processes", l.max_processes,
                     "ToolServer sandbox: RLIMIT_NPROC")
          .Range(1, kMaxCount),
      ConfigKey::Int("toolserver.sandbox_cpu_seconds", l.cpu_seconds,
                     "ToolServer sandbox: RLIMIT_CPU per command")
          .Range(1, kDayMs / kSecondMs),
      ConfigKey::Int("toolserver.sandbox_max_file_mb", l.max_file_size_bytes / kMiB,
                     "ToolServer sandbox: RLIMIT_FSIZE, in MiB")
          .Range(1, kMiB),
      ConfigKey::String("toolserver.kb_path", "",
                        "ToolServer: knowledge base file served as kb_* tools (empty: none)"),
      ConfigKey::Bool("toolserver.kb_allow_add", false,
                      "ToolServer: whether the kb_add tool is served (opens the file writable)"),
      ConfigKey::Int("toolserver.kb_max_results",
                     static_cast<std::int64_t>(tools::KbToolOptions::kDefaultMaxResults),
                     "ToolServer: most triples kb_query and kb_search return per call")
          .Range(1, kMaxCount),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) {
      std::fprintf(stderr, "config declaration error: %s\n", st.message().c_str());
      std::abort();
    }
  }
}

ToolServerOptions ToolServerOptionsFromConfig(const Config& config) {
  ToolServerOptions o;
  auto size = [&](const char* key) { return static_cast<std::size_t>(config.GetInt(key)); };
  o.sessions.workspace_root = config.GetString("toolserver.workspace_root");
  o.sessions.max_sessions = static_cast<int>(config.GetInt("toolserver.max_sessions"));
  o.sessions.idle_timeout = milliseconds(config.GetInt("toolserver.idle_timeout_ms"));
  o.sessions.max_concurrent_calls =
      static_cast<int>(config.GetInt("toolserver.max_concurrent_calls_per_session"));
  o.sessions.allow_network = config.GetBool("toolserver.allow_network");
  o.http.max_body_bytes = size("toolserver.max_body_bytes");
  o.http.io_threads = static_cast<int>(config.GetInt("toolserver.io_threads"));
  o.max_file_bytes = size("toolserver.max_file_bytes");
  o.default_call_timeout = milliseconds(config.GetInt("toolserver.default_call_timeout_ms"));
  o.max_call_timeout = milliseconds(config.GetInt("toolserver.max_call_timeout_ms"));
  o.worker_threads = static_cast<int>(config.GetInt("toolserver.worker_threads"));
  o.audit_log = config.GetString("toolserver.audit_log");
  const std::size_t output = size("toolserver.max_output_bytes");
  o.files.max_read_bytes = output;
  sandbox::Limits& l = o.exec.limits;
  l.max_output_bytes = output;
  l.wall_timeout = o.default_call_timeout;
  l.memory_bytes = config.GetInt("toolserver.sandbox_memory_mb") * kMiB;
  l.address_space_bytes = config.GetInt("toolserver.sandbox_address_space_mb") * kMiB;
  l.max_pids = static_cast<int>(config.GetInt("toolserver.sandbox_max_pids"));
  l.max_processes = static_cast<int>(config.GetInt("toolserver.sandbox_max_processes"));
  l.cpu_seconds = static_cast<int>(config.GetInt("toolserver.sandbox_cpu_seconds"));
  l.max_file_size_bytes = config.GetInt("toolserver.sandbox_max_file_mb") * kMiB;
  o.exec.max_timeout = o.max_call_timeout;
  return o;
}

tools::KbToolOptions KbToolOptionsFromConfig(const Config& config) {
  tools::KbToolOptions o;
  o.allow_add = config.GetBool("toolserver.kb_allow_add");
  o.max_results = static_cast<std::size_t>(config.GetInt("toolserver.kb_max_results"));
  return o;
}

Status ParseListenAddress(const std::string& text, ServerOptions& options) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgumentError("listen address '" + text + "' is not HOST:PORT");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  int port = -1;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > kMaxPort) {
    return InvalidArgumentError("listen address '" + text + "': bad port '" + port_text + "'");
  }
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  return Status::Ok();
}

}  // namespace sextant::toolserver
