// Reading a function call out of a model's free-text reply, for models whose
// tool calls did not come back structured, and suggesting tool names close to
// a misspelled one.
//
// Thread safety: pure functions.
// Errors: ParseFunctionCall fails only with invalid_argument, whose message is
// written to be shown to the model as an observation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace sextant::agent {

struct FunctionCall {
  std::string name;
  Json arguments = Json::object();
};

struct FunctionCallLimits {
  static constexpr std::size_t kDefaultMaxTextBytes = std::size_t{1} << 20;
  static constexpr int kDefaultMaxDepth = 64;

  // A longer reply is refused without being read.
  std::size_t max_text_bytes = kDefaultMaxTextBytes;
  // Deepest nesting of objects and arrays, counting the call itself.
  int max_depth = kDefaultMaxDepth;
};

// Reads one function call out of `text`. Tolerates: a ```json (or ```) fence,
// prose before and after the JSON object, single-quoted strings and keys,
// bare keys, trailing commas, comments, Python True/False/None, "arguments"
// given as a JSON string holding an object, and the shapes
// {"name", "arguments"}, {"name", "parameters"}, {"function": {"name",
// "arguments"}} and {"tool_calls": [{...}, ...]} (the first call is taken).
// A missing or null "arguments" reads as {}.
//
// The JSON object tried first is the first one in a fence, else the first
// '{' in the text; later objects are tried only when they start outside the
// ones before. When none yields a call, the first object's problem is
// reported: "no JSON object found in the reply", "JSON syntax error at line L
// column C: <what>", "the call has no \"name\" string", "\"arguments\" must
// be an object, got array", "too deep: ...", or that the reply is over
// max_text_bytes.
Result<FunctionCall> ParseFunctionCall(std::string_view text,
                                       const FunctionCallLimits& limits = {});

// Up to `max` names from `known` that are close to `name`, closest first
// (ties by name): those within Levenshtein distance max(2, name.size() / 2),
// compared case-insensitively, and those that contain `name` or are
// contained in it, or share its first kCloseNamePrefix characters. Only the
// first kCloseNameMaxBytes bytes of each name count towards the distance.
inline constexpr std::size_t kCloseNamePrefix = 3;
inline constexpr std::size_t kCloseNameMaxBytes = 256;
std::vector<std::string> CloseNames(std::string_view name, const std::vector<std::string>& known,
                                    std::size_t max = 3);

}  // namespace sextant::agent
