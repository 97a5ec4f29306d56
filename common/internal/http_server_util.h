// Request-line and header helpers of the HTTP server: percent-decoding,
// request-target parsing, bearer tokens and header validation.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::internal {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`). A malformed
// escape or a decoded NUL gives invalid_argument.
Result<std::string> PercentDecode(std::string_view in, bool plus_is_space);

struct ParsedTarget {
  std::string path;                   // percent-decoded, "/a b/c"
  std::vector<std::string> segments;  // the decoded segments after the first '/', {"a b", "c"}
  std::map<std::string, std::string> query;  // a repeated key keeps its first value
};

// Parses an origin-form request target ("/path?query"). Anything else
// (absolute-form, "*", a fragment, control bytes, bad escapes) gives
// invalid_argument.
Result<ParsedTarget> ParseTarget(std::string_view target);

// Compares `given` with `expected` in time that depends only on their lengths:
// there is no early exit on the first differing byte or on a length mismatch.
bool ConstantTimeEquals(std::string_view expected, std::string_view given);

// The token of an Authorization value "Bearer <token>" (scheme compared
// case-insensitively), or an empty view when the value is not one.
std::string_view BearerToken(std::string_view authorization);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// An HTTP token (RFC 9110 tchar+), as header names and methods must be.
bool IsHttpToken(std::string_view s);
// A header value with no CR, LF, NUL or other control byte but HTAB.
bool IsValidHeaderValue(std::string_view s);

}  // namespace sextant::internal
