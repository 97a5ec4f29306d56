// Text helpers of the online search backends: query-string encoding, HTML
// snippets to plain text, and the rate-limit headers of 429 replies.
//
// Thread safety: free functions without shared state. Errors: none; input
// that cannot be read gives nullopt or is kept as text.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant::toolserver::web::internal {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding of every byte but the unreserved characters
// (ALPHA, DIGIT, '-', '.', '_', '~'); a space becomes %20.
std::string PercentEncode(std::string_view text);

// "a=1&b=x%20y": names and values percent-encoded, in order.
std::string EncodeQuery(const QueryParams& params);

// Runs of whitespace and control characters become one space; both ends are
// trimmed.
std::string CollapseBlanks(std::string_view text);

// The text of an HTML fragment ("<strong>C++</strong> &amp; more"): tags
// dropped, character references decoded (numeric ones and the common named
// ones; unknown names stay as written), whitespace collapsed. A '<' that
// does not open a tag is kept.
std::string HtmlFragmentToText(std::string_view html);

// `text` collapsed and cut to at most `max_bytes` at a UTF-8 boundary, with
// "..." appended when cut; for quoting replies in messages.
std::string ShortText(std::string_view text, std::size_t max_bytes);

// The wait a Retry-After value asks for: delay-seconds ("120") or an
// IMF-fixdate HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") taken relative to
// `now` (a past date is no wait). nullopt for anything else.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// The wait Brave's rate-limit headers ask for. X-RateLimit-Reset lists the
// seconds until each window resets ("1, 1419704": the per-second and the
// monthly window) and X-RateLimit-Remaining what is left in each ("0, 900").
// Returns the longest reset among the windows with nothing left, else the
// shortest reset; nullopt when `reset` is not a list of whole numbers.
std::optional<std::chrono::milliseconds> ParseRateLimitReset(std::string_view reset,
                                                             std::string_view remaining);

// "850 ms" under a second, else whole seconds rounded up ("120 s").
std::string FormatWait(std::chrono::milliseconds wait);

}  // namespace sextant::toolserver::web::internal
