// The ToolServer: the v1 HTTP API of DESIGN §3 over common/http_server.h.
//
//   GET    /v1/health                         (no token)
//   GET    /v1/tools
//   POST   /v1/sessions                       {"network": bool} -> {"session_id"}
//   DELETE /v1/sessions/{id}
//   POST   /v1/sessions/{id}/call             {name, arguments, timeout_ms}
//          -> {ok, content, data, error:{code,message}, duration_ms}
//   GET    /v1/sessions/{id}/files/{path}     raw bytes
//   PUT    /v1/sessions/{id}/files/{path}     raw bytes -> {"size"}
// docs/toolserver-api.md lists every field and error code.
//
// Calls and file transfers never run on an I/O thread: handlers hand them to
// a worker pool, which answers through the Responder. Arguments are checked
// against the tool's schema before the tool runs. Every call that reaches a
// session is written to the audit log, when one is configured.
//
// Ownership: the server owns its registry, sandbox, sessions and workers.
// Plugin tools in the registry refer to their PluginHost, which must outlive
// the server. Thread safety: port(), address() and Shutdown() may be called
// from any thread but an I/O thread. Errors: Start fails with
// invalid_argument for bad options and unavailable when it cannot bind.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/http_server.h"
#include "common/status.h"
#include "toolserver/registry.h"
#include "toolserver/sandbox/sandbox.h"
#include "toolserver/session_manager.h"
#include "toolserver/tools/exec.h"
#include "toolserver/tools/files.h"

namespace sextant::toolserver {

struct ToolServerOptions {
  ServerOptions http;  // host, port, limits and bearer_token
  SessionOptions sessions;
  int worker_threads = 16;             // calls run on these
  std::size_t max_queued_calls = 256;  // further calls get 503 server_busy
  std::chrono::milliseconds default_call_timeout{60'000};
  std::chrono::milliseconds max_call_timeout{600'000};
  std::size_t max_file_bytes = 16 * 1024 * 1024;  // largest upload or download
  tools::FileLimits files;
  tools::ExecOptions exec;
  std::filesystem::path audit_log;  // empty: no audit log
};

// Adds the built-in tools (file_read, file_write, file_list, file_edit,
// shell_run, python_run) configured by `options`.
[[nodiscard]] Status AddBuiltinTools(ToolRegistry& registry, const ToolServerOptions& options);

class ToolServer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ToolServer>> Start(
      ToolServerOptions options, std::unique_ptr<ToolRegistry> registry,
      std::unique_ptr<sandbox::Sandbox> sandbox);
  ~ToolServer();
  ToolServer(const ToolServer&) = delete;
  ToolServer& operator=(const ToolServer&) = delete;

  uint16_t port() const;
  std::string address() const;  // "127.0.0.1:8765"
  SessionManager& sessions();

  // Stops accepting requests, lets those in progress finish within `grace`,
  // then stops the workers. Calling it again does nothing.
  void Shutdown(std::chrono::milliseconds grace);

  struct State;

 private:
  explicit ToolServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sextant::toolserver
