// The web.* config keys and the options they give the web tools.
//
// Thread safety: free functions over immutable inputs. Errors: none here;
// LoadConfig checks every value against its key's type and range, and
// Fetcher::Create checks the addresses in web.allow_addresses.
#pragma once

#include "common/config.h"
#include "toolserver/tools/web/fetch.h"
#include "toolserver/tools/web/web_tools.h"

namespace sextant::toolserver::web {

// Declares the web.* keys: for fetching, web.fetch_timeout_ms,
// web.connect_timeout_ms, web.max_page_bytes, web.max_redirects,
// web.allow_addresses, web.cache_path, web.cache_ttl_s and
// web.cache_max_entries; for the search backend, web.search_backend,
// web.index_path (the local index), web.searxng_url, web.brave_url, web.brave_api_key (secret),
// web.google_url, web.google_api_key (secret), web.google_cx,
// web.search_min_interval_ms and web.search_max_retry_wait_ms (read by
// MakeOnlineSearchBackend); for web_search and web_browse, web.tools and the
// keys WebToolOptionsFromConfig reads. A registry may receive them once.
void DeclareWebConfig(ConfigRegistry& registry);

// The fetcher's options from the web.* keys (user_agent stays the default).
FetchOptions FetchOptionsFromConfig(const Config& config);

// web_search's and web_browse's options from web.viewport_chars,
// web.browse_history, web.max_quotes, web.max_quote_chars,
// web.quote_threshold (the Browser clamps it into (0, 1]),
// web.max_page_text_bytes, web.browse_search_results,
// web.search_max_results, web.browse_sessions and web.browse_idle_ms.
// web.tools says whether the tools are served at all.
WebToolOptions WebToolOptionsFromConfig(const Config& config);

}  // namespace sextant::toolserver::web
