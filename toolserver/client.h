// The agent's side of the ToolServer HTTP API (v1): list tools, open and
// close sessions, call tools, move files. Speaks HTTP through
// common/http_client.h; no server code or Beast type is involved.
//
// Ownership: owns its HTTP client. Thread safety: every method is const and
// may be called from many threads at once. Errors: transport failures keep
// the HTTP client's codes (unavailable, deadline_exceeded, ...); an error
// reply of the server becomes a Status whose message starts with the API's
// error code ("session_not_found: no session 'x'"), with the code mapped from
// the HTTP status (HttpStatusToStatus). A tool's own failure is not an error
// of Call: it comes back in CallResult with ok = false, for the model to see.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/json.h"
#include "common/status.h"
#include "toolserver/tool.h"

namespace sextant::toolserver {

struct ClientOptions {
  std::string base_url;  // "http://127.0.0.1:8765"
  std::string token;     // sent as "Authorization: Bearer <token>"
  HttpClientOptions http;
  // Added to a call's own deadline for the HTTP request, so that the server's
  // reply to a call that timed out still arrives.
  std::chrono::milliseconds transport_slack{5'000};
};

struct CallResult {
  bool ok = false;
  std::string content;
  Json data = nullptr;
  std::string error_code;     // "" when ok
  std::string error_message;  // "" when ok
  Json error = nullptr;       // the whole error object (details, pointer, ...)
  std::int64_t duration_ms = 0;
};

class ToolServerClient {
 public:
  explicit ToolServerClient(ClientOptions options);
  ~ToolServerClient();
  ToolServerClient(const ToolServerClient&) = delete;
  ToolServerClient& operator=(const ToolServerClient&) = delete;

  // GET /v1/health's body.
  Result<Json> Health() const;
  Result<std::vector<ToolSpec>> ListTools() const;
  // A session with a fresh workspace, or with the named one (kept on the
  // server after the session, for the next session that names it).
  Result<std::string> OpenSession(bool network = false, const std::string& workspace = "") const;
  Status CloseSession(const std::string& session_id) const;
  // Runs `name` with `arguments`; the server stops it at `deadline`.
  Result<CallResult> Call(const std::string& session_id, const std::string& name,
                          const Json& arguments,
                          std::chrono::steady_clock::time_point deadline) const;
  Status PutFile(const std::string& session_id, const std::string& path,
                 const std::string& content) const;
  Result<std::string> GetFile(const std::string& session_id, const std::string& path) const;

 private:
  Result<HttpReply> Send(std::string method, const std::string& path, std::string body,
                         std::optional<int> timeout_ms = std::nullopt) const;

  ClientOptions options_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace sextant::toolserver
