#include "toolserver/client.h"

#include <utility>

namespace sextant::toolserver {
namespace {

constexpr long kHttpOkMin = 200;
constexpr long kHttpOkMax = 299;

// Percent-encodes a path for a URL, keeping '/' and unreserved characters.
std::string EncodePath(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

Status ReplyError(const HttpReply& reply) {
  Status mapped = HttpStatusToStatus(reply.status, reply.body);
  auto json = ParseJson(reply.body);
  if (json.ok() && json->is_object() && json->contains("error") && (*json)["error"].is_object()) {
    const Json& e = (*json)["error"];
    return Status(mapped.code(),
                  e.value("code", std::string("error")) + ": " + e.value("message", std::string()));
  }
  return mapped;
}

Result<Json> ParseReplyJson(const HttpReply& reply) {
  if (reply.status < kHttpOkMin || reply.status > kHttpOkMax) return ReplyError(reply);
  auto json = ParseJson(reply.body);
  if (!json.ok()) return json.status().WithContext("toolserver reply");
  if (!json->is_object()) return DataLossError("toolserver reply is not a JSON object");
  return json;
}

}  // namespace

ToolServerClient::ToolServerClient(ClientOptions options)
    : options_(std::move(options)), http_(std::make_unique<HttpClient>(options_.http)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

ToolServerClient::~ToolServerClient() = default;

Result<HttpReply> ToolServerClient::Send(std::string method, const std::string& path,
                                         std::string body, std::optional<int> timeout_ms) const {
  HttpCall call;
  call.method = std::move(method);
  call.url = options_.base_url + path;
  call.body = std::move(body);
  call.timeout_ms = timeout_ms;
  if (!options_.token.empty())
    call.headers.emplace_back("Authorization", "Bearer " + options_.token);
  if (!call.body.empty()) call.headers.emplace_back("Content-Type", "application/json");
  return http_->Send(call);
}

Result<Json> ToolServerClient::Health() const {
  SEXTANT_ASSIGN_OR_RETURN(HttpReply reply, Send("GET", "/v1/health", ""));
  return ParseReplyJson(reply);
}

Result<std::vector<ToolSpec>> ToolServerClient::ListTools() const {
  SEXTANT_ASSIGN_OR_RETURN(HttpReply reply, Send("GET", "/v1/tools", ""));
  SEXTANT_ASSIGN_OR_RETURN(Json json, ParseReplyJson(reply));
  const Json tools = json.value("tools", Json());
  if (!tools.is_array()) return DataLossError("toolserver reply: 'tools' is not an array");
  std::vector<ToolSpec> out;
  for (const Json& t : tools) {
    if (!t.is_object() || !t.contains("function") || !t["function"].is_object()) {
      return DataLossError("toolserver reply: a tool lacks its 'function' object");
    }
    const Json& f = t["function"];
    ToolSpec spec;
    spec.name = f.value("name", std::string());
    spec.description = f.value("description", std::string());
    spec.parameters = f.value("parameters", Json::object());
    out.push_back(std::move(spec));
  }
  return out;
}

Result<std::string> ToolServerClient::OpenSession(bool network,
                                                  const std::string& workspace) const {
  Json body = {{"network", network}};
  if (!workspace.empty()) body["workspace"] = workspace;
  SEXTANT_ASSIGN_OR_RETURN(HttpReply reply, Send("POST", "/v1/sessions", DumpJson(body)));
  SEXTANT_ASSIGN_OR_RETURN(Json json, ParseReplyJson(reply));
  std::string id;
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(json, "session_id", id));
  if (id.empty()) return DataLossError("toolserver reply lacks session_id");
  return id;
}

Status ToolServerClient::CloseSession(const std::string& session_id) const {
  SEXTANT_ASSIGN_OR_RETURN(HttpReply reply,
                           Send("DELETE", "/v1/sessions/" + EncodePath(session_id), ""));
  return ParseReplyJson(reply).status();
}

Result<CallResult> ToolServerClient::Call(const std::string& session_id, const std::string& name,
                                          const Json& arguments,
                                          std::chrono::steady_clock::time_point deadline) const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return DeadlineExceededError("call " + name + ": the deadline has passed");
  const Json body = {{"name", name}, {"arguments", arguments}, {"timeout_ms", left.count()}};
  SEXTANT_ASSIGN_OR_RETURN(
      HttpReply reply,
      Send("POST", "/v1/sessions/" + EncodePath(session_id) + "/call", DumpJson(body),
           static_cast<int>((left + options_.transport_slack).count())));
  SEXTANT_ASSIGN_OR_RETURN(Json json, ParseReplyJson(reply));
  CallResult result;
  result.ok = json.value("ok", false);
  result.content = json.value("content", std::string());
  result.data = json.value("data", Json());
  result.duration_ms = json.value("duration_ms", std::int64_t{0});
  if (json.contains("error") && json["error"].is_object()) {
    result.error = json["error"];
    result.error_code = result.error.value("code", std::string());
    result.error_message = result.error.value("message", std::string());
  }
  return result;
}

Status ToolServerClient::PutFile(const std::string& session_id, const std::string& path,
                                 const std::string& content) const {
  SEXTANT_ASSIGN_OR_RETURN(
      HttpReply reply,
      Send("PUT", "/v1/sessions/" + EncodePath(session_id) + "/files/" + EncodePath(path),
           content));
  return ParseReplyJson(reply).status();
}

Result<std::string> ToolServerClient::GetFile(const std::string& session_id,
                                              const std::string& path) const {
  SEXTANT_ASSIGN_OR_RETURN(
      HttpReply reply,
      Send("GET", "/v1/sessions/" + EncodePath(session_id) + "/files/" + EncodePath(path), ""));
  if (reply.status < kHttpOkMin || reply.status > kHttpOkMax) return ReplyError(reply);
  return std::move(reply.body);
}

}  // namespace sextant::toolserver
