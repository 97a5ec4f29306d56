// One configured MCP server: its handshake, its tools, restarts and calls.
//
// Start spawns the process and shakes hands. It probes the 2026-07-28
// protocol with server/discover (carrying _meta); when the server answers
// with an error, does not answer within probe_timeout, or does not list
// 2026-07-28, it falls back to the 2025-11-25 `initialize` handshake on the
// same process (or on a fresh one if the probe made it exit). The era found
// is kept for restarts. Then tools/list is read page by page (cursor /
// nextCursor). In the 2026-07-28 era every request carries _meta with the
// protocol version and the client's capabilities.
//
// When the process exits, a supervisor thread restarts it after a delay
// that doubles from restart_backoff_initial to restart_backoff_max, at most
// max_restarts times (reset once a server stayed up restart_reset_after);
// after that the server stays down and calls fail with unavailable. A call
// made while a restart is under way waits for it, up to the call's deadline.
//
// Ownership: owns the process and the supervisor thread. Thread safety: all
// public methods are thread-safe. Errors: see CallTool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/plugins/mcp_connection.h"
#include "toolserver/plugins/plugins.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::plugins {

inline constexpr const char* kModernProtocolVersion = "2026-07-28";
inline constexpr const char* kLegacyProtocolVersion = "2025-11-25";

enum class ProtocolEra {
  kUnknown,
  kModern,  // 2026-07-28: server/discover, _meta on every request
  kLegacy,  // 2025-11-25: initialize + notifications/initialized
};

// A tool as the server lists it, with the spec it is served under.
struct RemoteTool {
  std::string remote_name;  // the name the server knows
  ToolSpec spec;            // name "<server>__<tool>"; parameters = inputSchema
};

class McpServer {
 public:
  // Starts the process, shakes hands and lists the tools. Fails with
  // unavailable (naming the server, the step, and the end of its stderr).
  static Result<std::unique_ptr<McpServer>> Start(McpServerConfig config);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  const std::string& name() const { return config_.name; }
  std::vector<RemoteTool> tools() const;
  ProtocolEra era() const;
  int restarts() const;  // restarts so far (successful or not)

  // Calls `remote_name` with `arguments` (an object), waiting at most until
  // the sooner of `deadline` and now + call_timeout. Errors:
  // deadline_exceeded on timeout (the server gets notifications/cancelled);
  // unavailable when the process exits during the call or the server is
  // down; failed_precondition when the tool reports isError (message = its
  // text); a JSON-RPC error maps -32602 to invalid_argument, -32601 to
  // not_found and others to unknown; unknown for a malformed response;
  // resource_exhausted for a response over max_message_bytes.
  Result<ToolOutput> CallTool(const std::string& remote_name, const Json& arguments,
                              std::chrono::steady_clock::time_point deadline);

 private:
  enum class State { kUp, kRestarting, kDown };
  struct Session {
    std::shared_ptr<McpConnection> conn;
    ProtocolEra era = ProtocolEra::kUnknown;
    std::vector<RemoteTool> tools;
  };

  explicit McpServer(McpServerConfig config) : config_(std::move(config)) {}
  Result<Session> Connect(ProtocolEra era_hint, std::uint64_t generation);
  Result<std::shared_ptr<McpConnection>> Spawn(std::uint64_t generation);
  Status Handshake(Session& session, std::uint64_t generation,
                   std::chrono::steady_clock::time_point deadline);
  Result<std::vector<RemoteTool>> ListTools(McpConnection& conn, ProtocolEra era,
                                            std::chrono::steady_clock::time_point deadline);
  void OnExit(std::uint64_t generation);
  void Supervise();
  Status StepError(const McpConnection& conn, std::string_view step, const Status& status) const;

  const McpServerConfig config_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  State state_ = State::kUp;
  Session session_;
  std::uint64_t generation_ = 0;  // of the live connection
  ProtocolEra last_era_ = ProtocolEra::kUnknown;
  std::chrono::steady_clock::time_point up_since_;
  bool need_restart_ = false;
  bool stopping_ = false;
  int attempts_ = 0;  // consecutive restarts
  int restarts_ = 0;
  std::string last_error_;
  std::thread supervisor_;
};

// Adds _meta (protocol version, client capabilities and info) to `params`
// for the 2026-07-28 era; returns `params` unchanged (null becomes {}) else.
Json WithMeta(Json params, ProtocolEra era);

}  // namespace sextant::toolserver::plugins
