#include "toolserver/tools/web/web_config.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "toolserver/tools/web/online_backends.h"

namespace sextant::toolserver::web {
namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
constexpr std::int64_t kMaxTimeoutMs = 3'600'000;         // an hour
constexpr std::int64_t kMaxCacheTtlSeconds = 31'536'000;  // a year
constexpr std::int64_t kMaxRedirects = 50;
constexpr std::int64_t kMaxCacheEntries = 10'000'000;

void DeclareFetchKeys(ConfigRegistry& registry) {
  const FetchOptions d;
  const ConfigKey keys[] = {
      ConfigKey::Int("web.fetch_timeout_ms", d.timeout_ms,
                     "Web fetch: time limit for a whole page transfer")
          .Range(1, kMaxTimeoutMs),
      ConfigKey::Int("web.connect_timeout_ms", d.connect_timeout_ms,
                     "Web fetch: time limit to resolve and connect (TLS included)")
          .Range(1, kMaxTimeoutMs),
      ConfigKey::Int("web.max_page_bytes", static_cast<std::int64_t>(d.max_bytes),
                     "Web fetch: largest page body, after content decoding")
          .Range(1, kGiB),
      ConfigKey::Int("web.max_redirects", d.max_redirects, "Web fetch: redirects followed at most")
          .Range(0, kMaxRedirects),
      ConfigKey::StringList("web.allow_addresses", {},
                            "Web fetch: addresses or CIDR blocks let through although not public "
                            "(such as 127.0.0.1 or 10.0.0.0/8)"),
      ConfigKey::String("web.cache_path", "",
                        "Web fetch: SQLite file that caches fetched pages (empty: no cache)"),
      ConfigKey::Int("web.cache_ttl_s", d.cache_ttl_seconds,
                     "Web fetch: seconds a cached page is served (0: no cache)")
          .Range(0, kMaxCacheTtlSeconds),
      ConfigKey::Int("web.cache_max_entries", static_cast<std::int64_t>(d.cache_max_entries),
                     "Web fetch: pages the cache keeps at most")
          .Range(1, kMaxCacheEntries),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) {
      std::fprintf(stderr, "config declaration error: %s\n", st.message().c_str());
      std::abort();
    }
  }
}

// web_search and web_browse (web_tools.h).
void DeclareBrowseKeys(ConfigRegistry& registry) {
  const WebToolOptions d;
  const BrowserOptions& b = d.browser;
  constexpr std::int64_t kMaxCount = 1'000'000;
  constexpr std::int64_t kMaxResults = 100;
  constexpr std::int64_t kDayMs = 86'400'000;
  auto size = [](std::size_t n) { return static_cast<std::int64_t>(n); };
  const ConfigKey keys[] = {
      ConfigKey::Bool("web.tools", true,
                      "Web tools: whether the ToolServer serves web_search and web_browse"),
      ConfigKey::Int("web.viewport_chars", size(b.viewport_chars),
                     "Web browse: characters of a page shown at once")
          .Range(size(BrowserOptions::kMinViewportChars), size(BrowserOptions::kMaxViewportChars)),
      ConfigKey::Int("web.browse_history", size(b.history_depth),
                     "Web browse: pages kept for go_back, the current one included")
          .Range(1, kMaxCount),
      ConfigKey::Int("web.max_quotes", size(b.max_quotes),
                     "Web browse: quotes a session holds at once")
          .Range(1, kMaxCount),
      ConfigKey::Int("web.max_quote_chars", size(b.max_quote_chars),
                     "Web browse: longest quote or find text, in characters")
          .Range(1, kMaxCount),
      ConfigKey::Double("web.quote_threshold", b.quote_threshold,
                        "Web browse: least similarity (0 to 1) a quote needs to the page's text"),
      ConfigKey::Int("web.max_page_text_bytes", size(b.max_page_text_bytes),
                     "Web browse: a page's extracted text is cut to this many bytes")
          .Range(1, kGiB),
      ConfigKey::Int("web.browse_search_results", size(b.search_results),
                     "Web browse: results a search action asks for")
          .Range(1, kMaxResults),
      ConfigKey::Int("web.search_max_results", size(d.max_search_results),
                     "Web search: largest k a web_search call may ask for")
          .Range(1, kMaxResults),
      ConfigKey::Int("web.browse_sessions", size(d.max_sessions),
                     "Web browse: sessions whose browsing state is kept at once")
          .Range(1, kMaxCount),
      ConfigKey::Int("web.browse_idle_ms", d.session_idle.count(),
                     "Web browse: a session's browsing state unused this long is dropped")
          .Range(1, 30 * kDayMs),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) {
      std::fprintf(stderr, "config declaration error: %s\n", st.message().c_str());
      std::abort();
    }
  }
}

// The search backend (online_backends.h for the online ones).
void DeclareSearchBackendKeys(ConfigRegistry& registry) {
  const OnlineSearchOptions d;
  constexpr std::int64_t kMaxWaitMs = 3'600'000;  // an hour
  const ConfigKey keys[] = {
      ConfigKey::String("web.search_backend", "local",
                        "Web search: local (the offline index), searxng, brave or google")
          .OneOf({"local", "searxng", "brave", "google"}),
      ConfigKey::String("web.index_path", "~/.local/share/sextant/index.sqlite",
                        "Web search: the local index's SQLite file (a leading ~ is $HOME)"),
      ConfigKey::String("web.searxng_url", "",
                        "Web search: SearxNG instance root (its settings.yml must allow the json "
                        "format)"),
      ConfigKey::String("web.brave_url", std::string(kBraveDefaultUrl),
                        "Web search: Brave Search API web search endpoint"),
      ConfigKey::String("web.brave_api_key", "", "Web search: Brave Search API subscription token")
          .Secret(),
      ConfigKey::String("web.google_url", std::string(kGoogleDefaultUrl),
                        "Web search: Google Custom Search JSON API endpoint"),
      ConfigKey::String("web.google_api_key", "", "Web search: Google Cloud API key").Secret(),
      ConfigKey::String("web.google_cx", "", "Web search: Programmable Search Engine ID (cx)"),
      ConfigKey::Int("web.search_min_interval_ms", d.min_interval_ms,
                     "Web search: least time between two requests to an online search service")
          .Range(0, kMaxWaitMs),
      ConfigKey::Int("web.search_max_retry_wait_ms", d.max_retry_wait_ms,
                     "Web search: longest wait on HTTP 429 before the one retry (0: no retry)")
          .Range(0, kMaxWaitMs),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) {
      std::fprintf(stderr, "config declaration error: %s\n", st.message().c_str());
      std::abort();
    }
  }
}

}  // namespace

void DeclareWebConfig(ConfigRegistry& registry) {
  DeclareFetchKeys(registry);
  DeclareBrowseKeys(registry);
  DeclareSearchBackendKeys(registry);
}

FetchOptions FetchOptionsFromConfig(const Config& config) {
  FetchOptions o;
  o.timeout_ms = static_cast<int>(config.GetInt("web.fetch_timeout_ms"));
  o.connect_timeout_ms = static_cast<int>(config.GetInt("web.connect_timeout_ms"));
  o.max_bytes = static_cast<std::size_t>(config.GetInt("web.max_page_bytes"));
  o.max_redirects = static_cast<int>(config.GetInt("web.max_redirects"));
  o.allow_addresses = config.GetStringList("web.allow_addresses");
  o.cache_path = config.GetString("web.cache_path");
  o.cache_ttl_seconds = static_cast<int>(config.GetInt("web.cache_ttl_s"));
  o.cache_max_entries = static_cast<std::size_t>(config.GetInt("web.cache_max_entries"));
  return o;
}

WebToolOptions WebToolOptionsFromConfig(const Config& config) {
  auto size = [&](const char* key) { return static_cast<std::size_t>(config.GetInt(key)); };
  WebToolOptions o;
  BrowserOptions& b = o.browser;
  b.viewport_chars = size("web.viewport_chars");
  b.history_depth = size("web.browse_history");
  b.max_quotes = size("web.max_quotes");
  b.max_quote_chars = size("web.max_quote_chars");
  b.quote_threshold = config.GetDouble("web.quote_threshold");
  b.max_page_text_bytes = size("web.max_page_text_bytes");
  b.search_results = size("web.browse_search_results");
  o.max_search_results = size("web.search_max_results");
  o.max_sessions = size("web.browse_sessions");
  o.session_idle = std::chrono::milliseconds(config.GetInt("web.browse_idle_ms"));
  return o;
}

}  // namespace sextant::toolserver::web
