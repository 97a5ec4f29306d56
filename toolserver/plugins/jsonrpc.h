// JSON-RPC 2.0 messages as MCP sends them over stdio: one JSON object per line.
//
// ClassifyMessage sorts a line the server sent into a response (to one of
// our requests), a request from the server, or a notification, and rejects
// what JSON-RPC 2.0 does not allow, with a message saying why. The client
// only ever sends integer ids, so a response with any other id is unknown.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace sextant::toolserver::plugins {

inline constexpr int kJsonRpcParseError = -32700;
inline constexpr int kJsonRpcInvalidRequest = -32600;
inline constexpr int kJsonRpcMethodNotFound = -32601;

enum class MessageKind { kResponse, kRequest, kNotification };

struct IncomingMessage {
  MessageKind kind = MessageKind::kNotification;
  std::optional<std::int64_t> id;  // responses: our id, when it is an integer
  Json raw_id;                     // requests: the server's id, echoed in our reply
  std::string method;              // requests and notifications
  Json params;                     // requests and notifications; null when absent
  // Responses: exactly one of these is set.
  std::optional<Json> result;
  std::optional<Json> error;  // {"code","message","data"?}
  // A response that carries our id but breaks the protocol (both result and
  // error, or neither): the reason, to fail that request with.
  std::string malformed;
};

// Parses and classifies one line. invalid_argument with the reason for a line
// that is not JSON, not an object, not "jsonrpc":"2.0", or neither a request,
// a notification nor a response.
Result<IncomingMessage> ClassifyMessage(std::string_view line, const JsonLimits& limits);

// The request or notification line (with a trailing newline) to send.
std::string EncodeRequest(std::int64_t id, std::string_view method, const Json& params);
std::string EncodeNotification(std::string_view method, const Json& params);
// A reply to a request from the server: an error with `code` and `message`.
std::string EncodeErrorReply(const Json& id, int code, std::string_view message);
std::string EncodeResultReply(const Json& id, const Json& result);

// Finds the integer id of a response line that was too long to parse, from
// its first and last bytes: the last `"id":N` in `tail`, else the first in
// `head`. nullopt when neither has one.
std::optional<std::int64_t> FindIdInFragments(std::string_view head, std::string_view tail);

// "message (code -32601)" from a JSON-RPC error object, tolerating a bad shape.
std::string DescribeRpcError(const Json& error);

}  // namespace sextant::toolserver::plugins
