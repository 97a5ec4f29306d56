// A forgiving JSON reader for text written by language models: single-quoted
// strings and keys, bare identifier keys, trailing commas, Python
// True/False/None, // and /* */ comments, and raw control characters inside
// strings. Text after the value is left alone.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"

namespace sextant::agent::internal {

struct LenientJsonResult {
  std::optional<Json> value;  // set on success
  std::size_t end = 0;        // offset just past the value (on success)
  std::size_t error_offset = 0;
  std::string error;      // what is wrong, in words (on failure)
  bool too_deep = false;  // the failure is nesting past max_depth
};

// Parses one value starting at text[start] (leading whitespace and comments
// are skipped). Containers may nest at most `max_depth` levels.
LenientJsonResult ParseLenientJson(std::string_view text, std::size_t start, int max_depth);

// 1-based line and column (in bytes) of `offset` in `text`.
struct LineColumn {
  std::size_t line = 1;
  std::size_t column = 1;
};
LineColumn LineColumnAt(std::string_view text, std::size_t offset);

}  // namespace sextant::agent::internal
