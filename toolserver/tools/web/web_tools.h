// The web as tools: web_search and web_browse, over one SearchBackend and
// one Fetcher, with a Browser (browser.h) per ToolServer session.
//
//   web_search {query, k?}   k results (default kDefaultSearchK, at most
//                            max_search_results), shown a screen of three at
//                            a time; they become the session's search
//                            results, so web_browse open {result: n} works
//   web_browse {action, query?, result?, url?, link?, text?}
//                            one browsing action (browser.h); the schema
//                            requires each action's own argument
//
// Each result has text for the model (the view and "Actions now:") and JSON
// `data` (BrowseObservation::data).
//
// Sessions: a session's Browser is made on its first call and kept until it
// has been idle for session_idle, or until max_sessions others were used
// more recently; then its history and quotes are gone and it starts afresh.
// Closing a ToolServer session does not drop it at once.
//
// Ownership: the tools borrow the backend and the fetcher, which must outlive
// them. Thread safety: calls may run concurrently; calls on one session run
// one at a time (one waiting past the call's deadline is deadline_exceeded).
// Errors: what Browser gives (failed_precondition for an action the state
// does not allow, with the reason; resource_exhausted past a limit; the
// fetcher's and backend's errors as they are); invalid_argument for bad
// arguments when called without the schema check.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/tool.h"
#include "toolserver/tools/web/browser.h"
#include "toolserver/tools/web/fetch.h"
#include "toolserver/tools/web/search_backend.h"

namespace sextant::toolserver::web {

struct WebToolOptions {
  static constexpr std::size_t kDefaultSearchK = 3;
  static constexpr std::size_t kDefaultMaxSearchResults = 10;
  static constexpr std::size_t kDefaultMaxSessions = 64;
  static constexpr std::chrono::milliseconds kDefaultSessionIdle{30 * 60 * 1000};
  static constexpr std::size_t kDefaultMaxQueryBytes = 1024;
  static constexpr std::size_t kDefaultMaxUrlBytes = 4096;

  BrowserOptions browser;
  // Largest k of web_search (>= 1).
  std::size_t max_search_results = kDefaultMaxSearchResults;
  // Browsers kept at once (>= 1); the least recently used goes first.
  std::size_t max_sessions = kDefaultMaxSessions;
  // A browser unused this long is dropped.
  std::chrono::milliseconds session_idle = kDefaultSessionIdle;
  // Longest query and URL arguments, in bytes (>= 1).
  std::size_t max_query_bytes = kDefaultMaxQueryBytes;
  std::size_t max_url_bytes = kDefaultMaxUrlBytes;
};

// web_search and web_browse, sharing per-session browsers.
std::vector<std::unique_ptr<Tool>> MakeWebTools(SearchBackend& backend, Fetcher& fetcher,
                                                const WebToolOptions& options);

// A backend named `name` whose every search fails with `why` (not OK): for
// a search service that is not set up, so that web_browse open {url} works
// all the same.
std::unique_ptr<SearchBackend> MakeUnavailableSearchBackend(std::string name, Status why);

// A web_browse `arguments` object as an action: invalid_argument for an
// unknown action or a member of the wrong type.
[[nodiscard]] Result<BrowseAction> ParseBrowseAction(const Json& arguments);

}  // namespace sextant::toolserver::web
