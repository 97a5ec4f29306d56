// The route table behind sextant::Router: compiled path patterns and the
// matching that turns (method, path segments) into a route, a 404, a 405 or
// a 426.
//
// Thread safety: Add is not thread-safe; Match is const and may run on many
// threads at once once the table is built.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"

namespace sextant::internal {

enum class RouteKind { kSync, kAsync, kWebSocket };

struct PatternSegment {
  enum class Kind { kLiteral, kParam, kCatchAll };
  Kind kind = Kind::kLiteral;
  std::string text;  // the literal, or the parameter name
};

struct Route {
  RouteKind kind = RouteKind::kSync;
  std::string method;  // "GET" for WebSocket routes
  std::string pattern;
  std::vector<PatternSegment> segments;
  RouteOptions options;
  Handler handler;
  AsyncHandler async_handler;
  WebSocketHandler websocket_handler;
};

struct RouteMatch {
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed, kUpgradeRequired };
  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;               // set when kFound
  std::map<std::string, std::string> params;  // set when kFound
  std::string allow;                          // "GET, PUT" when kMethodNotAllowed
};

// Parses a pattern into segments: invalid_argument when it does not start
// with '/', has an empty or malformed {name}, repeats a name, or has a
// {name*} that is not last.
Result<std::vector<PatternSegment>> ParsePattern(std::string_view pattern);

class RouteTable {
 public:
  // Compiles route.pattern into route.segments and adds the route.
  Status Add(Route route);

  // `websocket` is true for a WebSocket upgrade request: only WebSocket
  // routes are considered for it, and when none matches, the request is
  // matched as a plain one.
  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments,
                   bool websocket) const;

 private:
  std::vector<Route> http_routes_;
  std::vector<Route> websocket_routes_;
};

}  // namespace sextant::internal
