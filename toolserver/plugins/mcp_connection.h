// One running MCP server process and the JSON-RPC 2.0 session over its stdio.
//
// Requests get increasing integer ids; a reader thread matches responses to
// them by id. What the server sends besides responses is handled there:
// notifications are logged, requests from the server are answered with
// "method not found" (ping gets an empty result), and lines that are not
// valid JSON-RPC, too long (max_message_bytes), or answer an unknown id are
// skipped with a logged warning, so the session survives them. stderr is
// drained into the log. When stdout ends, the process is reaped, every
// waiting request fails with unavailable, and `on_exit` runs once (on the
// reader thread).
//
// Ownership: owns the process; the destructor kills and reaps it and joins
// the threads (without calling on_exit). Thread safety: Request and Notify
// may be called from many threads at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/plugins/child_process.h"
#include "toolserver/plugins/plugins.h"

namespace sextant::toolserver::plugins {

// A response: exactly one of result and error is set.
struct RpcReply {
  std::optional<Json> result;
  std::optional<Json> error;  // the JSON-RPC error object
};

class McpConnection {
 public:
  // Starts the process. Fails with unavailable when it cannot be started.
  static Result<std::unique_ptr<McpConnection>> Start(const McpServerConfig& config,
                                                      std::function<void()> on_exit);
  ~McpConnection();
  McpConnection(const McpConnection&) = delete;
  McpConnection& operator=(const McpConnection&) = delete;

  // Sends a request and waits for its response until `deadline`. A JSON-RPC
  // error is a successful RpcReply with `error` set. Fails with
  // deadline_exceeded on timeout (after sending notifications/cancelled for
  // the request when `cancel_on_timeout`), unavailable when the process
  // exits first, resource_exhausted when the response is longer than
  // max_message_bytes, and unknown when the response is malformed.
  Result<RpcReply> Request(const std::string& method, const Json& params,
                           std::chrono::steady_clock::time_point deadline,
                           bool cancel_on_timeout = true);

  // Sends a notification (no response).
  Status Notify(const std::string& method, const Json& params);

  bool exited() const;
  // "exited with status 3" once the process is gone; "" before.
  std::string exit_description() const;
  // The last lines the server wrote to stderr (a few KiB at most).
  std::string recent_stderr() const;

 private:
  struct Pending {
    std::string method;
    bool done = false;
    Status status;  // non-OK: the request failed
    RpcReply reply;
  };

  McpConnection(const McpServerConfig& config, std::unique_ptr<ChildProcess> child,
                std::function<void()> on_exit);
  void ReadStdout();
  void ReadStderr();
  void HandleLine(std::string_view line);
  void HandleOversizeLine(std::string_view head, std::string_view tail, std::size_t size);
  void Finish(const std::string& description);
  void FailPending(std::int64_t id, Status status);
  Status WriteLine(const std::string& line, std::chrono::steady_clock::time_point deadline);

  const std::string name_;
  const std::size_t max_message_bytes_;
  std::unique_ptr<ChildProcess> child_;
  std::function<void()> on_exit_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, Pending> pending_;
  bool exited_ = false;
  bool closing_ = false;
  std::string exit_description_;
  std::string recent_stderr_;

  std::mutex write_mutex_;
  std::thread stdout_thread_;
  std::thread stderr_thread_;
};

}  // namespace sextant::toolserver::plugins
