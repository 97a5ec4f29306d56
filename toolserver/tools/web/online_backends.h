// The online web search backends: SearxNG (a self-hosted metasearch
// instance), the Brave Search API and Google Programmable Search (the Custom
// Search JSON API), each behind SearchBackend (search_backend.h).
//
// Each backend sends one GET per page to its configured URL with a deadline-
// bounded timeout, keeps a minimum interval between its own requests, and on
// HTTP 429 waits and retries once when the service says when (Retry-After in
// seconds or as an HTTP date, or Brave's X-RateLimit-Reset) and the wait fits
// both max_retry_wait_ms and the deadline; otherwise it returns
// resource_exhausted saying when to retry.
//
// Reading replies: a result needs a non-empty http(s) URL; a title or snippet
// of the wrong type, a missing URL or a non-object entry skips that result.
// A reply whose result list is not empty but holds no readable result is
// data_loss, as is a reply that is empty, not JSON, HTML, or JSON of another
// shape. A reply over max_response_bytes is resource_exhausted.
//
// Secrets: API keys are added to the process-wide redaction list when a
// backend is made, and no Status message ever holds one (transport errors are
// rebuilt without the request's query string).
//
// Ownership: the caller owns each backend; it owns its HTTP client.
// Thread safety: Search may be called from many threads at once; the interval
// between requests is kept across threads.
// Errors: the factories give invalid_argument for a missing key, cx or URL
// (naming the config key) or a bad option; Search's errors are listed in
// search_backend.h.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/status.h"
#include "toolserver/tools/web/search_backend.h"

namespace sextant::toolserver::web {

inline constexpr std::string_view kBraveDefaultUrl =
    "https://api.search.brave.com/res/v1/web/search";
inline constexpr std::string_view kGoogleDefaultUrl = "https://www.googleapis.com/customsearch/v1";

// Results per request the services allow: Brave's `count` is at most 20;
// Google's `num` is 1 to 10 and start + num may not pass 100.
inline constexpr std::size_t kBraveMaxCount = 20;
inline constexpr std::size_t kGoogleMaxNum = 10;
inline constexpr std::size_t kGoogleMaxStartPlusNum = 100;
// Brave refuses a query over 400 characters or 50 words.
inline constexpr std::size_t kBraveMaxQueryChars = 400;
inline constexpr std::size_t kBraveMaxQueryWords = 50;

// Settings every online backend shares.
struct OnlineSearchOptions {
  static constexpr int kDefaultConnectTimeoutMs = 10'000;
  static constexpr int kDefaultTimeoutMs = 20'000;
  static constexpr std::size_t kDefaultMaxResponseBytes = std::size_t{4} << 20;  // 4 MiB
  static constexpr std::size_t kDefaultMaxQueryBytes = 2048;
  static constexpr int kDefaultMinIntervalMs = 1000;
  static constexpr int kDefaultMaxRetryWaitMs = 5000;

  int connect_timeout_ms = kDefaultConnectTimeoutMs;
  // One request; the call's deadline may cut it shorter.
  int timeout_ms = kDefaultTimeoutMs;
  // Most body bytes of one reply.
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
  // A longer query (in bytes) is invalid_argument before any request.
  std::size_t max_query_bytes = kDefaultMaxQueryBytes;
  // Least time between the starts of two requests of one backend; 0 = none.
  int min_interval_ms = kDefaultMinIntervalMs;
  // Longest wait on a 429 before the one retry; 0 = never retry.
  int max_retry_wait_ms = kDefaultMaxRetryWaitMs;
  // Empty = DefaultHttpUserAgent().
  std::string user_agent;
  // As HttpClientOptions::proxy: nullopt reads the environment, "" = none.
  std::optional<std::string> proxy;
};

struct SearxngOptions {
  OnlineSearchOptions common;
  // The instance's root ("http://localhost:8888"); /search is appended.
  std::string url;
  // Sent when not empty: comma-separated categories ("general,science").
  std::string categories;
  // Sent when not empty: a language code ("en", "de-CH") or "all".
  std::string language;
  // 0 none, 1 moderate, 2 strict; -1 leaves the instance's default.
  int safesearch = -1;
};

struct BraveOptions {
  OnlineSearchOptions common;
  // The web search endpoint itself.
  std::string url = std::string(kBraveDefaultUrl);
  // Sent as X-Subscription-Token; required (web.brave_api_key).
  std::string api_key;
};

struct GoogleOptions {
  OnlineSearchOptions common;
  // The Custom Search JSON API endpoint itself.
  std::string url = std::string(kGoogleDefaultUrl);
  // Required (web.google_api_key and web.google_cx).
  std::string api_key;
  std::string cx;
};

[[nodiscard]] Result<std::unique_ptr<SearchBackend>> MakeSearxngBackend(SearxngOptions options);
[[nodiscard]] Result<std::unique_ptr<SearchBackend>> MakeBraveBackend(BraveOptions options);
[[nodiscard]] Result<std::unique_ptr<SearchBackend>> MakeGoogleBackend(GoogleOptions options);

// The backend named by web.search_backend, with its web.* settings
// (web_config.h; web.connect_timeout_ms as for fetching). invalid_argument for "local" (the local
// index backend is made elsewhere) and for a missing key, cx or URL.
[[nodiscard]] Result<std::unique_ptr<SearchBackend>> MakeOnlineSearchBackend(const Config& config);

}  // namespace sextant::toolserver::web
