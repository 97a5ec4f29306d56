#include "toolserver/plugins/mcp_connection.h"

#include <sys/wait.h>

#include <utility>

#include "common/log.h"
#include "toolserver/plugins/jsonrpc.h"

namespace sextant::toolserver::plugins {
namespace {

constexpr std::string_view kLogComponent = "mcp";
constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr std::size_t kFragmentBytes = 256;           // kept of an oversize line, each end
constexpr std::size_t kRecentStderrBytes = 4 * 1024;  // kept for error messages
constexpr std::size_t kMaxStderrLineBytes = 8 * 1024;
constexpr std::size_t kLoggedLineBytes = 200;
// How long a process that closed stdout may take to exit before it is killed.
constexpr std::chrono::milliseconds kExitGrace{2'000};
// How long a reply to a server's request may wait for the server to read.
constexpr std::chrono::milliseconds kReplyWriteTimeout{1'000};

std::string Shorten(std::string_view text) {
  if (text.size() <= kLoggedLineBytes) return std::string(text);
  return std::string(text.substr(0, kLoggedLineBytes)) + "...";
}

}  // namespace

Result<std::unique_ptr<McpConnection>> McpConnection::Start(const McpServerConfig& config,
                                                            std::function<void()> on_exit) {
  std::vector<std::string> argv = {config.command};
  argv.insert(argv.end(), config.args.begin(), config.args.end());
  auto child = ChildProcess::Spawn(argv, config.env);
  if (!child.ok()) return child.status();
  std::unique_ptr<McpConnection> conn(
      new McpConnection(config, std::move(*child), std::move(on_exit)));
  conn->stdout_thread_ = std::thread([c = conn.get()] { c->ReadStdout(); });
  conn->stderr_thread_ = std::thread([c = conn.get()] { c->ReadStderr(); });
  return conn;
}

McpConnection::McpConnection(const McpServerConfig& config, std::unique_ptr<ChildProcess> child,
                             std::function<void()> on_exit)
    : name_(config.name),
      max_message_bytes_(config.max_message_bytes),
      child_(std::move(child)),
      on_exit_(std::move(on_exit)) {}

McpConnection::~McpConnection() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  child_->Kill();
  if (stdout_thread_.joinable()) stdout_thread_.join();
  if (stderr_thread_.joinable()) stderr_thread_.join();
}

bool McpConnection::exited() const {
  std::lock_guard lock(mutex_);
  return exited_;
}

std::string McpConnection::exit_description() const {
  std::lock_guard lock(mutex_);
  return exit_description_;
}

std::string McpConnection::recent_stderr() const {
  std::lock_guard lock(mutex_);
  return recent_stderr_;
}

Status McpConnection::WriteLine(const std::string& line,
                                std::chrono::steady_clock::time_point deadline) {
  std::lock_guard lock(write_mutex_);
  return child_->WriteAll(line, deadline);
}

Result<RpcReply> McpConnection::Request(const std::string& method, const Json& params,
                                        std::chrono::steady_clock::time_point deadline,
                                        bool cancel_on_timeout) {
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (exited_) {
      return UnavailableError("MCP server '" + name_ + "' " + exit_description_);
    }
    id = next_id_++;
    pending_[id].method = method;
  }
  Status sent = WriteLine(EncodeRequest(id, method, params), deadline);
  std::unique_lock lock(mutex_);
  if (!sent.ok()) {
    pending_.erase(id);
    // A closed stdin usually means the process is exiting: wait for the reader to say how.
    if (sent.code() == StatusCode::kUnavailable) {
      cv_.wait_for(lock, kExitGrace, [&] { return exited_; });
    }
    if (exited_) {
      return UnavailableError("MCP server '" + name_ + "' " + exit_description_ + " during " +
                              method);
    }
    return Status(sent.code(),
                  "MCP server '" + name_ + "': sending " + method + ": " + sent.message());
  }
  bool done = cv_.wait_until(lock, deadline, [&] { return pending_[id].done; });
  Pending entry = std::move(pending_[id]);
  pending_.erase(id);
  if (!done) {
    lock.unlock();
    if (cancel_on_timeout) {
      Json cancel = {{"requestId", id}, {"reason", "timed out"}};
      Status status = Notify("notifications/cancelled", cancel);
      if (!status.ok()) {
        LogWarn(kLogComponent, "cannot send notifications/cancelled",
                {{"server", name_}, {"error", status.message()}});
      }
    }
    return DeadlineExceededError("MCP server '" + name_ + "' did not answer " + method +
                                 " in time");
  }
  if (!entry.status.ok()) return entry.status;
  return std::move(entry.reply);
}

Status McpConnection::Notify(const std::string& method, const Json& params) {
  constexpr std::chrono::milliseconds kNotifyWriteTimeout{1'000};
  return WriteLine(EncodeNotification(method, params),
                   std::chrono::steady_clock::now() + kNotifyWriteTimeout);
}

void McpConnection::FailPending(std::int64_t id, Status status) {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.done) return;
  it->second.done = true;
  it->second.status = std::move(status);
  cv_.notify_all();
}

void McpConnection::HandleLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  JsonLimits limits;
  limits.max_bytes = max_message_bytes_;
  auto msg = ClassifyMessage(line, limits);
  if (!msg.ok()) {
    LogWarn(kLogComponent, "skipped a message from the MCP server",
            {{"server", name_}, {"reason", msg.status().message()}, {"line", Shorten(line)}});
    return;
  }
  switch (msg->kind) {
    case MessageKind::kNotification:
      LogDebug(kLogComponent, "notification", {{"server", name_}, {"method", msg->method}});
      return;
    case MessageKind::kRequest: {
      std::string reply =
          msg->method == "ping"
              ? EncodeResultReply(msg->raw_id, Json::object())
              : EncodeErrorReply(msg->raw_id, kJsonRpcMethodNotFound,
                                 "Method not found: this client does not offer " + msg->method);
      Status status = WriteLine(reply, std::chrono::steady_clock::now() + kReplyWriteTimeout);
      if (!status.ok()) {
        LogWarn(kLogComponent, "cannot answer a request from the MCP server",
                {{"server", name_}, {"method", msg->method}, {"error", status.message()}});
      }
      return;
    }
    case MessageKind::kResponse:
      break;
  }
  std::lock_guard lock(mutex_);
  auto it = msg->id ? pending_.find(*msg->id) : pending_.end();
  if (it == pending_.end() || it->second.done) {
    LogWarn(kLogComponent, "skipped a response to an unknown request id",
            {{"server", name_}, {"id", msg->raw_id}});
    return;
  }
  Pending& p = it->second;
  p.done = true;
  if (!msg->malformed.empty()) {
    p.status =
        Status(StatusCode::kUnknown, "MCP server '" + name_ + "' sent a malformed response to " +
                                         p.method + ": " + msg->malformed);
  } else {
    p.reply.result = std::move(msg->result);
    p.reply.error = std::move(msg->error);
  }
  cv_.notify_all();
}

void McpConnection::HandleOversizeLine(std::string_view head, std::string_view tail,
                                       std::size_t size) {
  std::string what = "MCP server '" + name_ + "' sent a message of more than " +
                     std::to_string(max_message_bytes_) + " bytes (max_message_bytes)";
  LogWarn(kLogComponent, "skipped an oversize message",
          {{"server", name_}, {"bytes_at_least", size}, {"max_message_bytes", max_message_bytes_}});
  if (auto id = FindIdInFragments(head, tail)) FailPending(*id, ResourceExhaustedError(what));
}

void McpConnection::ReadStdout() {
  std::string buffer(kReadChunkBytes, '\0');
  std::string line;
  bool discarding = false;  // inside a line longer than max_message_bytes
  std::string head;
  std::string tail;
  std::size_t discarded = 0;
  for (;;) {
    auto n = child_->ReadSome(Stream::kStdout, buffer.data(), buffer.size());
    if (!n.ok() || *n == 0) break;
    std::string_view chunk(buffer.data(), *n);
    while (!chunk.empty()) {
      std::size_t nl = chunk.find('\n');
      std::string_view part = chunk.substr(0, nl);
      if (!discarding && line.size() + part.size() > max_message_bytes_) {
        discarding = true;
        line += part;
        head = line.substr(0, kFragmentBytes);
        discarded = line.size();
        tail = line.substr(line.size() - std::min(line.size(), kFragmentBytes));
        line.clear();
        line.shrink_to_fit();
      } else if (discarding) {
        discarded += part.size();
        tail += part;
        if (tail.size() > kFragmentBytes) tail.erase(0, tail.size() - kFragmentBytes);
      } else {
        line += part;
      }
      if (nl == std::string_view::npos) break;
      chunk.remove_prefix(nl + 1);
      if (discarding) {
        HandleOversizeLine(head, tail, discarded);
        discarding = false;
        head.clear();
        tail.clear();
      } else {
        HandleLine(line);
        line.clear();
      }
    }
  }
  auto status = child_->Wait(kExitGrace);
  if (!status) {
    child_->Kill();
    status = child_->Wait(std::chrono::milliseconds::max());
  }
  Finish("exited with " + DescribeWaitStatus(status.value_or(0)));
}

void McpConnection::Finish(const std::string& description) {
  bool notify = false;
  {
    std::lock_guard lock(mutex_);
    exited_ = true;
    exit_description_ = description;
    for (auto& [id, p] : pending_) {
      if (p.done) continue;
      p.done = true;
      p.status =
          UnavailableError("MCP server '" + name_ + "' " + description + " during " + p.method);
    }
    cv_.notify_all();
    notify = !closing_;
  }
  if (!notify) return;
  LogWarn(kLogComponent, "MCP server exited", {{"server", name_}, {"how", description}});
  if (on_exit_) on_exit_();
}

void McpConnection::ReadStderr() {
  std::string buffer(kReadChunkBytes, '\0');
  std::string line;
  auto flush = [&] {
    if (line.empty()) return;
    LogInfo(kLogComponent, "server stderr", {{"server", name_}, {"line", line}});
    std::lock_guard lock(mutex_);
    recent_stderr_ += line;
    recent_stderr_ += '\n';
    if (recent_stderr_.size() > kRecentStderrBytes) {
      recent_stderr_.erase(0, recent_stderr_.size() - kRecentStderrBytes);
    }
    line.clear();
  };
  for (;;) {
    auto n = child_->ReadSome(Stream::kStderr, buffer.data(), buffer.size());
    if (!n.ok() || *n == 0) break;
    for (char c : std::string_view(buffer.data(), *n)) {
      if (c == '\n') {
        flush();
      } else if (line.size() < kMaxStderrLineBytes) {
        line += c;
      }
    }
  }
  flush();
}

}  // namespace sextant::toolserver::plugins
