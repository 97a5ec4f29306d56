// JSON helpers over nlohmann::json: bounded parsing that never throws, and
// dumping that never throws on invalid UTF-8.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace sextant {

using Json = nlohmann::json;

struct JsonLimits {
  static constexpr std::size_t kDefaultMaxBytes = 16u << 20;  // 16 MiB
  static constexpr int kDefaultMaxDepth = 128;

  std::size_t max_bytes = kDefaultMaxBytes;  // longer input: resource_exhausted
  int max_depth = kDefaultMaxDepth;          // deeper nesting: resource_exhausted
};

// Parses `text` as one JSON value. Malformed input gives invalid_argument with
// the byte offset and what was expected; limits give resource_exhausted.
Result<Json> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Compact (indent < 0) or indented dump. Invalid UTF-8 in strings is replaced
// with U+FFFD instead of throwing.
std::string DumpJson(const Json& value, int indent = -1);

// Escapes one reference token for a JSON Pointer (RFC 6901): ~ → ~0, / → ~1.
std::string JsonPointerEscape(std::string_view token);

// Reads an optional member of an object with a type check. Absent (or null)
// leaves `out` alone and returns OK; a wrong type gives invalid_argument that
// names the member.
Status ReadJsonMember(const Json& object, std::string_view key, std::string& out);
Status ReadJsonMember(const Json& object, std::string_view key, bool& out);
Status ReadJsonMember(const Json& object, std::string_view key, std::int64_t& out);
Status ReadJsonMember(const Json& object, std::string_view key, double& out);

}  // namespace sextant
