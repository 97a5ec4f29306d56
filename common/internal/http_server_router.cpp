#include "common/internal/http_server_router.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <utility>

#include "common/internal/http_server_util.h"

namespace sextant::internal {
namespace {

constexpr std::string_view kWebSocketMethod = "GET";
constexpr std::string_view kCatchAllSuffix = "*";

// Higher ranks are more specific; routes compare by their ranks, segment by segment.
int SegmentRank(PatternSegment::Kind kind) {
  switch (kind) {
    case PatternSegment::Kind::kLiteral:
      return 2;
    case PatternSegment::Kind::kParam:
      return 1;
    case PatternSegment::Kind::kCatchAll:
      return 0;
  }
  return 0;
}

std::vector<int> Ranks(const Route& route) {
  std::vector<int> ranks;
  ranks.reserve(route.segments.size());
  for (const PatternSegment& s : route.segments) ranks.push_back(SegmentRank(s.kind));
  return ranks;
}

// The pattern with parameter names erased: two routes with the same shape and
// method would be ambiguous.
std::string Shape(const std::vector<PatternSegment>& segments) {
  std::string shape;
  for (const PatternSegment& s : segments) {
    switch (s.kind) {
      case PatternSegment::Kind::kLiteral:
        shape += "/=" + s.text;
        break;
      case PatternSegment::Kind::kParam:
        shape += "/{}";
        break;
      case PatternSegment::Kind::kCatchAll:
        shape += "/{*}";
        break;
    }
  }
  return shape;
}

bool IsParamName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Fills `params` and returns true when `route` matches the path.
bool MatchRoute(const Route& route, const std::vector<std::string>& path,
                std::map<std::string, std::string>* params) {
  std::map<std::string, std::string> found;
  const std::vector<PatternSegment>& pattern = route.segments;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const PatternSegment& seg = pattern[i];
    if (seg.kind == PatternSegment::Kind::kCatchAll) {
      std::string rest;
      for (std::size_t j = i; j < path.size(); ++j) {
        if (j > i) rest += '/';
        rest += path[j];
      }
      found[seg.text] = std::move(rest);
      if (params != nullptr) *params = std::move(found);
      return true;
    }
    if (i >= path.size()) return false;
    if (seg.kind == PatternSegment::Kind::kLiteral) {
      if (seg.text != path[i]) return false;
    } else {
      found[seg.text] = path[i];
    }
  }
  if (pattern.size() != path.size()) return false;
  if (params != nullptr) *params = std::move(found);
  return true;
}

// The most specific route among `routes` that matches the path and, when
// `method` is not empty, has that method.
const Route* BestMatch(const std::vector<Route>& routes, std::string_view method,
                       const std::vector<std::string>& path) {
  const Route* best = nullptr;
  for (const Route& route : routes) {
    if (!method.empty() && route.method != method) continue;
    if (!MatchRoute(route, path, nullptr)) continue;
    if (best == nullptr || Ranks(route) > Ranks(*best)) best = &route;
  }
  return best;
}

}  // namespace

Result<std::vector<PatternSegment>> ParsePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    return InvalidArgumentError("route pattern '" + std::string(pattern) + "' must start with '/'");
  }
  std::vector<PatternSegment> segments;
  std::set<std::string, std::less<>> names;
  std::string_view rest = pattern.substr(1);
  for (;;) {
    const std::size_t slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    const auto bad = [&](std::string_view why) {
      return InvalidArgumentError("route pattern '" + std::string(pattern) + "': segment '" +
                                  std::string(text) + "' " + std::string(why));
    };
    if (!segments.empty() && segments.back().kind == PatternSegment::Kind::kCatchAll) {
      return bad("follows a catch-all segment");
    }
    PatternSegment segment;
    if (!text.empty() && text.front() == '{') {
      if (text.size() < 2 || text.back() != '}') return bad("is not {name} or {name*}");
      std::string_view name = text.substr(1, text.size() - 2);
      segment.kind = PatternSegment::Kind::kParam;
      if (name.size() > kCatchAllSuffix.size() && name.ends_with(kCatchAllSuffix)) {
        segment.kind = PatternSegment::Kind::kCatchAll;
        name.remove_suffix(kCatchAllSuffix.size());
      }
      if (!IsParamName(name)) return bad("needs a name of letters, digits and '_'");
      if (!names.emplace(name).second) return bad("repeats a parameter name");
      segment.text = std::string(name);
    } else {
      if (text.find_first_of("{}") != std::string_view::npos) return bad("has a stray brace");
      segment.text = std::string(text);
    }
    segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

Status RouteTable::Add(Route route) {
  if (!IsHttpToken(route.method)) {
    return InvalidArgumentError("route method '" + route.method + "' is not an HTTP token");
  }
  SEXTANT_ASSIGN_OR_RETURN(route.segments, ParsePattern(route.pattern));
  const bool websocket = route.kind == RouteKind::kWebSocket;
  std::vector<Route>& routes = websocket ? websocket_routes_ : http_routes_;
  const std::string shape = Shape(route.segments);
  for (const Route& existing : routes) {
    if (existing.method == route.method && Shape(existing.segments) == shape) {
      return AlreadyExistsError("route " + route.method + " " + route.pattern + " overlaps route " +
                                existing.method + " " + existing.pattern);
    }
  }
  routes.push_back(std::move(route));
  return Status::Ok();
}

RouteMatch RouteTable::Match(std::string_view method, const std::vector<std::string>& segments,
                             bool websocket) const {
  RouteMatch match;
  const Route* route = nullptr;
  if (websocket && method == kWebSocketMethod) {
    route = BestMatch(websocket_routes_, method, segments);
  }
  if (route == nullptr) route = BestMatch(http_routes_, method, segments);
  if (route != nullptr) {
    match.outcome = RouteMatch::Outcome::kFound;
    match.route = route;
    MatchRoute(*route, segments, &match.params);
    return match;
  }
  std::set<std::string> allowed;
  for (const Route& r : http_routes_) {
    if (MatchRoute(r, segments, nullptr)) allowed.insert(r.method);
  }
  const bool websocket_path = BestMatch(websocket_routes_, {}, segments) != nullptr;
  if (websocket_path) {
    if (method == kWebSocketMethod) {
      match.outcome = RouteMatch::Outcome::kUpgradeRequired;
      return match;
    }
    allowed.insert(std::string(kWebSocketMethod));
  }
  if (allowed.empty()) return match;  // kNotFound
  match.outcome = RouteMatch::Outcome::kMethodNotAllowed;
  for (const std::string& m : allowed) {
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += m;
  }
  return match;
}

}  // namespace sextant::internal
