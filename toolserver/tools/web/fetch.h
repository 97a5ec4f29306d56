// Fetching web pages for the web tools: libcurl (common/http_client.h) behind
// the egress guard, with content-type checks, charset decoding to UTF-8 and a
// SQLite response cache.
//
// Fetch refuses before connecting, and again for every redirect hop, any
// address the egress guard forbids (loopback, private, link-local, CGNAT,
// cloud metadata; IPv4 and IPv6, IPv4-mapped included) unless
// FetchOptions::allow_addresses lets it through. It never uses a proxy.
//
// Text only: text/html and application/xhtml+xml are HTML; other text/*,
// application/json, application/xml and +xml/+json types are plain text.
// Without a Content-Type the body is sniffed (HTML, text or binary). A body
// with NUL bytes or many control characters in its first KiB is binary
// whatever its type claims (UTF-16 with a byte order mark excepted). The
// body is decoded to UTF-8 as toolserver/tools/web/charset.h says. Pages
// fetched with a 2xx status are cached under the URL asked for; errors are
// not cached, and a cache that fails to read or write is logged and skipped.
//
// Ownership: a Fetcher owns its HTTP client and its cache connection.
// Thread safety: Fetch may be called from many threads at once.
// Errors (Fetch):
//   invalid_argument    a malformed URL, or a scheme other than http/https;
//   permission_denied   an address the egress guard refuses (the message
//                       names the address and why), also after a redirect;
//   unavailable         DNS, connect or TLS failure, or the reply is cut off;
//   deadline_exceeded   a timeout, or the call's deadline passed;
//   resource_exhausted  a body over max_bytes, or too many redirects;
//   failed_precondition a content type that is not text (PDF: "PDF is not
//                       supported yet"), a binary body, or an HTTP error
//                       status (4xx, 5xx; the message holds the status);
//   data_loss           a body that fails content decoding (gzip, deflate).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::toolserver::web {

struct FetchOptions {
  static constexpr int kDefaultConnectTimeoutMs = 10'000;
  static constexpr int kDefaultTimeoutMs = 20'000;
  static constexpr std::size_t kDefaultMaxBytes = std::size_t{8} << 20;  // 8 MiB
  static constexpr int kDefaultMaxRedirects = 5;
  static constexpr int kDefaultCacheTtlSeconds = 3600;
  static constexpr std::size_t kDefaultCacheMaxEntries = 1000;

  int connect_timeout_ms = kDefaultConnectTimeoutMs;
  // The whole transfer; the call's deadline may cut it shorter.
  int timeout_ms = kDefaultTimeoutMs;
  // Most body bytes after content decoding.
  std::size_t max_bytes = kDefaultMaxBytes;
  int max_redirects = kDefaultMaxRedirects;
  // Empty = DefaultHttpUserAgent().
  std::string user_agent;
  // Addresses the egress guard lets through although they are not public:
  // single addresses ("127.0.0.1", "::1") or CIDR blocks ("10.0.0.0/8").
  std::vector<std::string> allow_addresses;
  // The response cache's SQLite file; empty = no cache.
  std::filesystem::path cache_path;
  // How long a cached page is served without fetching again; 0 = no cache.
  int cache_ttl_seconds = kDefaultCacheTtlSeconds;
  // Pages the cache keeps at most (the oldest go first).
  std::size_t cache_max_entries = kDefaultCacheMaxEntries;
};

struct FetchedPage {
  std::string url;           // as asked for
  std::string final_url;     // after redirects
  long status = 0;           // the final HTTP status (2xx)
  std::string media_type;    // lower case, no parameters: "text/html", "text/plain"
  std::string charset;       // what the body was decoded from: "utf-8", "windows-1252", ...
  std::string charset_from;  // "header", "bom", "meta", "sniff" or "default"
  std::string body;          // the body as valid UTF-8
  bool from_cache = false;

  bool is_html() const {
    return media_type == "text/html" || media_type == "application/xhtml+xml";
  }
};

class Fetcher {
 public:
  // invalid_argument for a bad allow_addresses entry or option; the cache's
  // errors as PageCache::Create gives them (data_loss for a corrupt file).
  [[nodiscard]] static Result<std::unique_ptr<Fetcher>> Create(FetchOptions options);
  virtual ~Fetcher() = default;

  // GETs `url` and returns its body as UTF-8; see the file comment.
  [[nodiscard]] virtual Result<FetchedPage> Fetch(
      std::string_view url, std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace sextant::toolserver::web
