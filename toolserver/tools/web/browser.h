// One session's web browsing state for the web_browse tool, with WebCPM's
// action space: a history of pages with a viewport over the current one, the
// last search's results, and the quotes collected so far.
//
//   search {query}        search results, kResultsPerScreen to a screen
//   open {result: n}      the last search's result n (from 1)
//   open {url}            any http(s) URL the Fetcher allows
//   follow {link: n}      the current page's link "[n]"
//   scroll_down, scroll_up, scroll_top
//                         move the viewport (a screen of results, or about
//                         viewport_chars characters of a page, cut at a line
//                         or word boundary)
//   go_back               back to the page before, as it was left
//   find {text}           the next occurrence on the page (case and
//                         whitespace ignored), wrapping to the top; says so
//                         when there is none
//   quote {text}          stores the page's own text that best matches
//                         `text` (internal/quote_match.h) when its similarity
//                         is at least quote_threshold; else refuses, showing
//                         the closest passage
//   merge                 joins quotes of one page that overlap or are only
//                         whitespace apart, and drops duplicates
//   finish                the quotes with numbered citations ("[1] url —
//                         title"); the list then starts empty. Finishing
//                         without quotes is allowed: it says nothing was
//                         collected, so a model can give up without
//                         inventing a quote.
//
// Each observation shows the view (title, URL, "[chars a–b of n]" and the
// viewport's text, or a screen of results) and "Actions now:", the actions
// the state allows, with their argument ranges.
//
// Ownership: a Browser borrows the Fetcher and the SearchBackend, which must
// outlive it. Thread safety: none; callers serialize calls on one Browser.
// Errors (Act, Search): an action the state does not allow is
// failed_precondition with why and what to do instead (scroll_down at the end
// of a page, go_back with nothing before, follow without a page or with a
// link the page lacks, open {result} without a search or out of range, quote
// without a page or with text the page lacks, merge with fewer than two
// quotes); a quote over max_quote_chars, or past max_quotes, is
// resource_exhausted; a missing argument is invalid_argument; the Fetcher's
// and SearchBackend's errors come back as they are. A failed action leaves
// the state as it was.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/tools/web/fetch.h"
#include "toolserver/tools/web/search_backend.h"

namespace sextant::toolserver::web {

struct BrowserOptions {
  static constexpr std::size_t kMinViewportChars = 500;
  static constexpr std::size_t kMaxViewportChars = 3000;
  static constexpr std::size_t kDefaultViewportChars = 1000;
  static constexpr std::size_t kDefaultHistoryDepth = 16;
  static constexpr std::size_t kDefaultMaxQuotes = 20;
  static constexpr std::size_t kDefaultMaxQuoteChars = 2000;
  static constexpr std::size_t kDefaultMaxPageTextBytes = std::size_t{1} << 20;  // 1 MiB
  static constexpr std::size_t kDefaultSearchResults = 9;
  static constexpr std::size_t kResultsPerScreen = 3;
  static constexpr double kDefaultQuoteThreshold = 0.8;

  // Characters a page's viewport shows; clamped to [kMin, kMax].
  std::size_t viewport_chars = kDefaultViewportChars;
  // Pages kept for go_back, the current one included (>= 1); opening one
  // more drops the oldest.
  std::size_t history_depth = kDefaultHistoryDepth;
  // Quotes held at once (>= 1).
  std::size_t max_quotes = kDefaultMaxQuotes;
  // Longest text a quote or find action may give, in characters (>= 1).
  std::size_t max_quote_chars = kDefaultMaxQuoteChars;
  // A page's text is cut to this many bytes at a character boundary (>= 1);
  // the view says so.
  std::size_t max_page_text_bytes = kDefaultMaxPageTextBytes;
  // Results a search action asks the backend for (>= 1).
  std::size_t search_results = kDefaultSearchResults;
  // Least similarity a quote needs, in (0, 1]: above 1 is 1, and 0 or less
  // (or NaN) is the default.
  double quote_threshold = kDefaultQuoteThreshold;
};

enum class BrowseActionKind {
  kSearch,
  kOpen,
  kFollow,
  kScrollDown,
  kScrollUp,
  kScrollTop,
  kGoBack,
  kFind,
  kQuote,
  kMerge,
  kFinish,
};

// "search", "open", "follow", "scroll_down", ...
std::string_view BrowseActionName(BrowseActionKind kind);
std::optional<BrowseActionKind> ParseBrowseActionKind(std::string_view name);
// Every action's name, in enum order.
std::vector<std::string> BrowseActionNames();

struct BrowseAction {
  BrowseActionKind kind = BrowseActionKind::kFinish;
  std::string query;                  // search
  std::optional<std::size_t> result;  // open: a result number from 1 ...
  std::string url;                    // ... or a URL
  std::optional<std::size_t> link;    // follow
  std::string text;                   // find, quote
};

// A quoted passage.
struct Quote {
  // The page's own text, "[n]" link markers included; observations and
  // citations show it without them.
  std::string text;
  std::string url;  // the page's final URL
  std::string title;
  // Where it sits, for merge: bytes [begin, end) of the page text whose hash
  // is page_hash, and the whitespace that follows it there (at most 64 bytes).
  std::size_t begin = 0;
  std::size_t end = 0;
  std::uint64_t page_hash = 0;
  std::string space_after;
};

struct BrowseObservation {
  std::string text;  // for the model
  // {view: "none"|"page"|"results", message, actions: [names], quotes: N
  //  held, history: N views; for a page: url, title, start, end, length (in
  //  characters), viewport, truncated, links: N; for results: query,
  //  backend, first, last, results: [{n, title, url, snippet}]; find adds
  //  found, quote adds quote: {text, similarity}, merge adds merged: N, and
  //  finish adds citations: [{text, url, title, source}] and sources:
  //  [{n, url, title}]}
  Json data;
};

class Browser {
 public:
  Browser(Fetcher& fetcher, SearchBackend& search, BrowserOptions options);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  [[nodiscard]] Result<BrowseObservation> Act(const BrowseAction& action,
                                              std::chrono::steady_clock::time_point deadline);
  // A search for `k` results (>= 1) instead of options().search_results.
  [[nodiscard]] Result<BrowseObservation> Search(std::string_view query, std::size_t k,
                                                 std::chrono::steady_clock::time_point deadline);

  // The actions the current state allows.
  std::vector<BrowseActionKind> AllowedActions() const;
  const std::vector<Quote>& quotes() const;
  // Views held for go_back, the current one included.
  std::size_t history_size() const;
  const BrowserOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::toolserver::web
