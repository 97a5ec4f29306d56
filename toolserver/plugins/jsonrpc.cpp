#include "toolserver/plugins/jsonrpc.h"

#include <charconv>

namespace sextant::toolserver::plugins {
namespace {

constexpr std::string_view kIdKey = "\"id\"";

// Parses `"id"<blanks>:<blanks><digits>` at `pos` (which points at "id").
std::optional<std::int64_t> IdAt(std::string_view text, std::size_t pos) {
  std::size_t i = pos + kIdKey.size();
  auto skip_blanks = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  skip_blanks();
  if (i >= text.size() || text[i] != ':') return std::nullopt;
  ++i;
  skip_blanks();
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data() + i) return std::nullopt;
  return value;
}

}  // namespace

Result<IncomingMessage> ClassifyMessage(std::string_view line, const JsonLimits& limits) {
  auto parsed = ParseJson(line, limits);
  if (!parsed.ok()) return InvalidArgumentError("not JSON: " + parsed.status().message());
  Json& msg = *parsed;
  if (!msg.is_object()) return InvalidArgumentError("not a JSON object");
  auto version = msg.find("jsonrpc");
  if (version == msg.end() || !version->is_string() || *version != "2.0") {
    return InvalidArgumentError("\"jsonrpc\" is not \"2.0\"");
  }
  IncomingMessage out;
  auto method = msg.find("method");
  auto id = msg.find("id");
  bool has_id = id != msg.end() && !id->is_null();
  if (method != msg.end()) {
    if (!method->is_string()) return InvalidArgumentError("\"method\" is not a string");
    out.method = method->get<std::string>();
    if (auto params = msg.find("params"); params != msg.end()) out.params = *params;
    if (has_id) {
      if (!id->is_string() && !id->is_number_integer()) {
        return InvalidArgumentError("request id is neither a string nor an integer");
      }
      out.kind = MessageKind::kRequest;
      out.raw_id = *id;
    } else {
      out.kind = MessageKind::kNotification;
    }
    return out;
  }
  auto result = msg.find("result");
  auto error = msg.find("error");
  if (!has_id) {
    if (error != msg.end()) {
      return InvalidArgumentError("error response without an id: " + DescribeRpcError(*error));
    }
    return InvalidArgumentError("response without an id");
  }
  out.kind = MessageKind::kResponse;
  out.raw_id = *id;
  if (id->is_number_integer()) out.id = id->get<std::int64_t>();
  bool has_result = result != msg.end();
  bool has_error = error != msg.end();
  if (has_result && has_error) {
    out.malformed = "the response has both \"result\" and \"error\"";
  } else if (!has_result && !has_error) {
    out.malformed = "the response has neither \"result\" nor \"error\"";
  } else if (has_error && !error->is_object()) {
    out.malformed = "the response's \"error\" is not an object";
  } else if (has_result) {
    out.result = std::move(*result);
  } else {
    out.error = std::move(*error);
  }
  return out;
}

std::string EncodeRequest(std::int64_t id, std::string_view method, const Json& params) {
  Json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) msg["params"] = params;
  return DumpJson(msg) + "\n";
}

std::string EncodeNotification(std::string_view method, const Json& params) {
  Json msg = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) msg["params"] = params;
  return DumpJson(msg) + "\n";
}

std::string EncodeErrorReply(const Json& id, int code, std::string_view message) {
  Json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
  return DumpJson(msg) + "\n";
}

std::string EncodeResultReply(const Json& id, const Json& result) {
  Json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}};
  return DumpJson(msg) + "\n";
}

std::optional<std::int64_t> FindIdInFragments(std::string_view head, std::string_view tail) {
  for (std::size_t pos = tail.rfind(kIdKey); pos != std::string_view::npos;
       pos = pos == 0 ? std::string_view::npos : tail.rfind(kIdKey, pos - 1)) {
    if (auto id = IdAt(tail, pos)) return id;
  }
  for (std::size_t pos = head.find(kIdKey); pos != std::string_view::npos;
       pos = head.find(kIdKey, pos + 1)) {
    if (auto id = IdAt(head, pos)) return id;
  }
  return std::nullopt;
}

std::string DescribeRpcError(const Json& error) {
  if (!error.is_object()) return "malformed error " + DumpJson(error);
  std::string message = "(no message)";
  if (auto m = error.find("message"); m != error.end() && m->is_string()) {
    message = m->get<std::string>();
  }
  if (auto c = error.find("code"); c != error.end() && c->is_number_integer()) {
    message += " (code " + std::to_string(c->get<std::int64_t>()) + ")";
  }
  return message;
}

}  // namespace sextant::toolserver::plugins
