// URI references (RFC 3986) and JSON Pointers (RFC 6901) as JSON Schema uses
// them to identify schema resources.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant::internal::json_schema {

// Resolves `reference` against `base` (RFC 3986 section 5.2), removing dot
// segments. An empty or relative base works too: resolution then keeps the
// result relative ("a/b.json" + "c.json" = "a/c.json").
std::string ResolveUri(std::string_view base, std::string_view reference);

// Splits "uri#fragment" at the first '#'. The fragment is still
// percent-encoded and is empty when there is none.
std::pair<std::string, std::string> SplitFragment(std::string_view uri);

// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view text);

// The unescaped reference tokens of a JSON Pointer ("" has none), or nullopt
// when it is malformed (no leading '/', or '~' not followed by 0 or 1).
std::optional<std::vector<std::string>> ParseJsonPointer(std::string_view pointer);

// Whether `token` is an array index in JSON Pointer form ("0", "12"; no
// leading zeros, no sign), and its value when it fits.
std::optional<std::size_t> ParseArrayIndex(std::string_view token);

}  // namespace sextant::internal::json_schema
