#include "toolserver/plugins/mcp_server.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/log.h"
#include "toolserver/plugins/jsonrpc.h"
#include "toolserver/plugins/mcp_result.h"

namespace sextant::toolserver::plugins {
namespace {

constexpr std::string_view kLogComponent = "mcp";
constexpr const char* kClientName = "sextant";
constexpr const char* kClientVersion = "1.0";
constexpr int kMaxToolListPages = 1000;
constexpr int kJsonRpcInvalidParams = -32602;

using Clock = std::chrono::steady_clock;

Json ClientInfo() { return {{"name", kClientName}, {"version", kClientVersion}}; }

int ErrorCode(const Json& error) {
  auto it = error.find("code");
  return it != error.end() && it->is_number_integer() ? it->get<int>() : 0;
}

}  // namespace

Json WithMeta(Json params, ProtocolEra era) {
  if (params.is_null()) params = Json::object();
  if (era != ProtocolEra::kModern) return params;
  params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", kModernProtocolVersion},
                     {"io.modelcontextprotocol/clientCapabilities", Json::object()},
                     {"io.modelcontextprotocol/clientInfo", ClientInfo()}};
  return params;
}

Result<std::unique_ptr<McpServer>> McpServer::Start(McpServerConfig config) {
  std::unique_ptr<McpServer> server(new McpServer(std::move(config)));
  auto session = server->Connect(ProtocolEra::kUnknown, 0);
  if (!session.ok()) return session.status();
  server->session_ = std::move(*session);
  server->up_since_ = Clock::now();
  server->last_era_ = server->session_.era;
  LogInfo(kLogComponent, "MCP server ready",
          {{"server", server->config_.name},
           {"protocol", server->session_.era == ProtocolEra::kModern ? kModernProtocolVersion
                                                                     : kLegacyProtocolVersion},
           {"tools", server->session_.tools.size()}});
  server->supervisor_ = std::thread([s = server.get()] { s->Supervise(); });
  return server;
}

McpServer::~McpServer() {
  std::shared_ptr<McpConnection> old;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (supervisor_.joinable()) supervisor_.join();
  {
    std::lock_guard lock(mutex_);
    old = std::move(session_.conn);
  }
}

std::vector<RemoteTool> McpServer::tools() const {
  std::lock_guard lock(mutex_);
  return session_.tools;
}

ProtocolEra McpServer::era() const {
  std::lock_guard lock(mutex_);
  return session_.era;
}

int McpServer::restarts() const {
  std::lock_guard lock(mutex_);
  return restarts_;
}

void McpServer::OnExit(std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (generation != generation_ || state_ != State::kUp) return;
  need_restart_ = true;
  cv_.notify_all();
}

Result<std::shared_ptr<McpConnection>> McpServer::Spawn(std::uint64_t generation) {
  auto conn = McpConnection::Start(config_, [this, generation] { OnExit(generation); });
  if (!conn.ok()) {
    return UnavailableError("MCP server '" + config_.name + "': " + conn.status().message());
  }
  return std::shared_ptr<McpConnection>(std::move(*conn));
}

Status McpServer::StepError(const McpConnection& conn, std::string_view step,
                            const Status& status) const {
  std::string message = status.message();
  if (message.rfind("MCP server", 0) != 0) {
    message = "MCP server '" + config_.name + "' " + std::string(step) + ": " + message;
  }
  std::string stderr_tail = conn.recent_stderr();
  if (!stderr_tail.empty()) message += "; its stderr ends with: " + stderr_tail;
  return UnavailableError(message);
}

Result<McpServer::Session> McpServer::Connect(ProtocolEra era_hint, std::uint64_t generation) {
  Session session;
  session.era = era_hint;
  auto deadline = Clock::now() + config_.start_timeout;
  auto conn = Spawn(generation);
  if (!conn.ok()) return conn.status();
  session.conn = std::move(*conn);
  SEXTANT_RETURN_IF_ERROR(Handshake(session, generation, deadline));
  auto tools = ListTools(*session.conn, session.era, deadline);
  if (!tools.ok()) return StepError(*session.conn, "listing tools", tools.status());
  session.tools = std::move(*tools);
  return session;
}

Status McpServer::Handshake(Session& session, std::uint64_t generation,
                            std::chrono::steady_clock::time_point deadline) {
  if (session.era != ProtocolEra::kLegacy) {
    auto probe_deadline = std::min(deadline, Clock::now() + config_.probe_timeout);
    auto reply = session.conn->Request(
        "server/discover", WithMeta(Json::object(), ProtocolEra::kModern), probe_deadline,
        /*cancel_on_timeout=*/false);
    std::string why_legacy;
    if (reply.ok() && reply->result) {
      const Json& versions = reply->result->is_object()
                                 ? reply->result->value("supportedVersions", Json::array())
                                 : Json::array();
      bool modern = versions.is_array() && std::find(versions.begin(), versions.end(),
                                                     kModernProtocolVersion) != versions.end();
      if (modern) {
        session.era = ProtocolEra::kModern;
        return Status::Ok();
      }
      why_legacy = "server/discover does not list " + std::string(kModernProtocolVersion);
    } else if (reply.ok()) {
      why_legacy = "server/discover failed: " + DescribeRpcError(*reply->error);
    } else {
      why_legacy = reply.status().message();
    }
    LogInfo(kLogComponent, "falling back to the initialize handshake",
            {{"server", config_.name}, {"reason", why_legacy}});
    if (session.conn->exited()) {
      // The probe made it exit: start it again and go straight to initialize.
      auto conn = Spawn(generation);
      if (!conn.ok()) return conn.status();
      session.conn = std::move(*conn);
    }
  }
  session.era = ProtocolEra::kLegacy;
  Json params = {{"protocolVersion", kLegacyProtocolVersion},
                 {"capabilities", Json::object()},
                 {"clientInfo", ClientInfo()}};
  auto reply = session.conn->Request("initialize", params, deadline);
  if (!reply.ok()) return StepError(*session.conn, "initialize", reply.status());
  if (reply->error) {
    return StepError(*session.conn, "initialize",
                     UnavailableError("refused: " + DescribeRpcError(*reply->error)));
  }
  const Json& result = *reply->result;
  if (!result.is_object() || !result.contains("protocolVersion") ||
      !result["protocolVersion"].is_string()) {
    return StepError(*session.conn, "initialize",
                     UnavailableError("the result has no protocolVersion string"));
  }
  LogDebug(kLogComponent, "initialized",
           {{"server", config_.name}, {"protocolVersion", result["protocolVersion"]}});
  Status sent = session.conn->Notify("notifications/initialized", Json::object());
  if (!sent.ok()) return StepError(*session.conn, "notifications/initialized", sent);
  return Status::Ok();
}

Result<std::vector<RemoteTool>> McpServer::ListTools(
    McpConnection& conn, ProtocolEra era, std::chrono::steady_clock::time_point deadline) {
  std::vector<RemoteTool> tools;
  std::set<std::string> seen;
  Json cursor = nullptr;
  for (int page = 0; page < kMaxToolListPages; ++page) {
    Json params = Json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    SEXTANT_ASSIGN_OR_RETURN(RpcReply reply,
                             conn.Request("tools/list", WithMeta(params, era), deadline));
    if (reply.error)
      return UnavailableError("tools/list failed: " + DescribeRpcError(*reply.error));
    const Json& result = *reply.result;
    if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array()) {
      return UnavailableError("the tools/list result has no \"tools\" array");
    }
    for (const Json& tool : result["tools"]) {
      std::string remote = tool.is_object() ? tool.value("name", "") : "";
      std::string name = PluginToolName(config_.name, remote);
      if (remote.empty() || !IsValidToolName(name)) {
        LogWarn(kLogComponent, "skipped a tool whose name does not fit [a-zA-Z0-9_-]{1,64}",
                {{"server", config_.name},
                 {"tool", tool.is_object() ? tool.value("name", Json()) : tool}});
        continue;
      }
      if (!seen.insert(remote).second) {
        LogWarn(kLogComponent, "skipped a duplicate tool",
                {{"server", config_.name}, {"tool", remote}});
        continue;
      }
      RemoteTool out;
      out.remote_name = remote;
      out.spec.name = name;
      auto description = tool.find("description");
      auto title = tool.find("title");
      if (description != tool.end() && description->is_string()) {
        out.spec.description = description->get<std::string>();
      } else if (title != tool.end() && title->is_string()) {
        out.spec.description = title->get<std::string>();
      }
      auto schema = tool.find("inputSchema");
      out.spec.parameters =
          schema != tool.end() && schema->is_object() ? *schema : Json{{"type", "object"}};
      tools.push_back(std::move(out));
    }
    auto next = result.find("nextCursor");
    if (next == result.end() || next->is_null()) return tools;
    if (!next->is_string()) return UnavailableError("tools/list: nextCursor is not a string");
    cursor = *next;
  }
  return UnavailableError("tools/list did not end after " + std::to_string(kMaxToolListPages) +
                          " pages");
}

void McpServer::Supervise() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || need_restart_; });
    if (stopping_) return;
    need_restart_ = false;
    state_ = State::kRestarting;
    if (Clock::now() - up_since_ >= config_.restart_reset_after) attempts_ = 0;
    std::shared_ptr<McpConnection> old = std::move(session_.conn);
    lock.unlock();
    old.reset();  // kills and reaps the exited process outside the lock (unless a call holds it)
    lock.lock();
    for (;;) {
      if (attempts_ >= config_.max_restarts) {
        state_ = State::kDown;
        LogError(kLogComponent, "MCP server stays down",
                 {{"server", config_.name}, {"restarts", restarts_}, {"error", last_error_}});
        cv_.notify_all();
        cv_.wait(lock, [&] { return stopping_; });
        return;
      }
      auto delay = config_.restart_backoff_initial;
      for (int i = 0; i < attempts_ && delay < config_.restart_backoff_max; ++i) delay *= 2;
      delay = std::min(delay, config_.restart_backoff_max);
      ++attempts_;
      ++restarts_;
      if (cv_.wait_for(lock, delay, [&] { return stopping_; })) return;
      std::uint64_t generation = ++generation_;
      ProtocolEra era = last_era_;
      lock.unlock();
      auto session = Connect(era, generation);
      lock.lock();
      if (stopping_) return;
      if (session.ok()) {
        session_ = std::move(*session);
        last_era_ = session_.era;
        up_since_ = Clock::now();
        state_ = State::kUp;
        if (session_.conn->exited()) need_restart_ = true;
        LogInfo(kLogComponent, "MCP server restarted",
                {{"server", config_.name}, {"restarts", restarts_}});
        cv_.notify_all();
        break;
      }
      last_error_ = session.status().message();
      LogWarn(kLogComponent, "MCP server restart failed",
              {{"server", config_.name}, {"error", last_error_}});
    }
  }
}

Result<ToolOutput> McpServer::CallTool(const std::string& remote_name, const Json& arguments,
                                       std::chrono::steady_clock::time_point deadline) {
  deadline = std::min(deadline, Clock::now() + config_.call_timeout);
  std::string tool_name = PluginToolName(config_.name, remote_name);
  std::shared_ptr<McpConnection> conn;
  ProtocolEra era = ProtocolEra::kUnknown;
  {
    std::unique_lock lock(mutex_);
    // A connection that has exited is about to be restarted: wait for that too.
    cv_.wait_until(lock, deadline, [&] {
      return stopping_ || state_ == State::kDown ||
             (state_ == State::kUp && !session_.conn->exited());
    });
    if (state_ == State::kDown || stopping_) {
      return UnavailableError("MCP server '" + config_.name + "' is down after " +
                              std::to_string(restarts_) + " restarts: " + last_error_);
    }
    if (state_ != State::kUp || session_.conn->exited()) {
      return DeadlineExceededError("MCP server '" + config_.name +
                                   "' was restarting and did not come back in time");
    }
    conn = session_.conn;
    era = session_.era;
  }
  Json params = {{"name", remote_name},
                 {"arguments", arguments.is_null() ? Json::object() : arguments}};
  SEXTANT_ASSIGN_OR_RETURN(RpcReply reply,
                           conn->Request("tools/call", WithMeta(std::move(params), era), deadline));
  if (reply.error) {
    std::string message = tool_name + ": " + DescribeRpcError(*reply.error);
    switch (ErrorCode(*reply.error)) {
      case kJsonRpcInvalidParams:
        return InvalidArgumentError(message);
      case kJsonRpcMethodNotFound:
        return NotFoundError(message);
      default:
        return Status(StatusCode::kUnknown, message);
    }
  }
  return MapToolCallResult(tool_name, *reply.result);
}

}  // namespace sextant::toolserver::plugins
