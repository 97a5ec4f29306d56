// The "format" keyword's formats, checked when SchemaOptions::assert_format is
// set. Each check follows the RFC the 2020-12 validation spec names for it.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <string_view>

namespace sextant::internal::json_schema {

enum class FormatKind {
  kNone,     // no "format" keyword
  kUnknown,  // a format this validator does not know: always valid
  kDateTime,
  kDate,
  kTime,
  kDuration,
  kEmail,
  kIdnEmail,
  kHostname,
  kIdnHostname,
  kIpv4,
  kIpv6,
  kUri,
  kUriReference,
  kIri,
  kIriReference,
  kUriTemplate,
  kJsonPointer,
  kRelativeJsonPointer,
  kRegex,
  kUuid,
};

FormatKind FormatFromName(std::string_view name);

// Whether the string `value` is valid for `kind` (kNone and kUnknown: always).
bool IsValidFormat(FormatKind kind, std::string_view value);

// RFC 3339 / ISO 8601 checks, also used by the other format checkers.
bool IsDateTime(std::string_view s);
bool IsDate(std::string_view s);
bool IsTime(std::string_view s);
bool IsDuration(std::string_view s);

// RFC 3986 / RFC 3987 (with `allow_unicode`) URI and IRI grammar.
bool IsUri(std::string_view s, bool allow_unicode);
bool IsUriReference(std::string_view s, bool allow_unicode);
bool IsUriTemplate(std::string_view s);

// Host names (RFC 1123, IDNA 2008 for A-labels and U-labels) and addresses.
bool IsHostname(std::string_view s);
bool IsIdnHostname(std::string_view s);
bool IsIpv4(std::string_view s);
bool IsIpv6(std::string_view s);
bool IsEmail(std::string_view s, bool allow_unicode);

}  // namespace sextant::internal::json_schema
