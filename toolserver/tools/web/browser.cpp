#include "toolserver/tools/web/browser.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <utility>

#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/internal/quote_list.h"
#include "toolserver/tools/web/internal/quote_match.h"
#include "toolserver/tools/web/internal/viewport.h"

namespace sextant::toolserver::web {
namespace {

namespace in = internal;
using Kind = BrowseActionKind;
using Clock = std::chrono::steady_clock;

constexpr std::array<std::string_view, 11> kActionNames = {
    "search",  "open", "follow", "scroll_down", "scroll_up", "scroll_top",
    "go_back", "find", "quote",  "merge",       "finish"};
constexpr std::size_t kMaxSpaceAfter = 64;
constexpr std::size_t kShownPassageChars = 300;
constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

std::uint64_t Hash(std::string_view text) {
  std::uint64_t h = kFnvOffset;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

// `text` cut to about `chars` characters, with "…" when cut.
std::string Clip(std::string_view text, std::size_t chars) {
  const std::size_t end = in::AdvanceChars(text, 0, chars);
  if (end >= text.size()) return std::string(text);
  return std::string(text.substr(0, end)) + "…";
}

std::string Range(std::size_t first, std::size_t last) {
  return first == last ? std::to_string(first) : std::to_string(first) + "–" + std::to_string(last);
}

std::string Fixed2(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// One entry of the history: a web page or a list of search results.
struct View {
  bool results = false;
  // A page: its final URL, title, text (cut to max_page_text_bytes) and
  // links; [begin, end) are the viewport's bytes.
  std::string url;
  std::string title;
  std::string text;
  std::vector<ExtractedLink> links;
  bool truncated = false;
  std::uint64_t hash = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
  // The last find on this page and where it landed.
  std::string find_text;
  std::size_t find_at = 0;
  // Results: [begin, end) are the shown results' indices.
  std::string query;
  std::string backend;
  std::vector<SearchResult> hits;
};

bool AtTop(const View& v) { return v.results ? v.begin == 0 : in::OnlySpace(v.text, 0, v.begin); }
bool AtEnd(const View& v) {
  return v.results ? v.end >= v.hits.size() : in::OnlySpace(v.text, v.end, v.text.size());
}
bool HasText(const View& v) { return !v.results && !in::OnlySpace(v.text, 0, v.text.size()); }

}  // namespace

std::string_view BrowseActionName(BrowseActionKind kind) {
  return kActionNames[static_cast<std::size_t>(kind)];
}

std::optional<BrowseActionKind> ParseBrowseActionKind(std::string_view name) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == name) return static_cast<BrowseActionKind>(i);
  }
  return std::nullopt;
}

std::vector<std::string> BrowseActionNames() { return {kActionNames.begin(), kActionNames.end()}; }

struct Browser::Impl {
  Impl(Fetcher& f, SearchBackend& s, BrowserOptions o) : fetcher(f), search(s), options(o) {
    options.viewport_chars = std::clamp(options.viewport_chars, BrowserOptions::kMinViewportChars,
                                        BrowserOptions::kMaxViewportChars);
    for (std::size_t* n : {&options.history_depth, &options.max_quotes, &options.max_quote_chars,
                           &options.max_page_text_bytes, &options.search_results}) {
      *n = std::max<std::size_t>(*n, 1);
    }
    if (!(options.quote_threshold > 0)) {
      options.quote_threshold = BrowserOptions::kDefaultQuoteThreshold;
    }
    options.quote_threshold = std::min(options.quote_threshold, 1.0);
  }

  Fetcher& fetcher;
  SearchBackend& search;
  BrowserOptions options;
  std::deque<View> history;  // the current view last
  std::vector<SearchResult> last_results;
  std::vector<Quote> quotes;

  View* current() { return history.empty() ? nullptr : &history.back(); }
  const View* current() const { return history.empty() ? nullptr : &history.back(); }

  void Push(View view) {
    history.push_back(std::move(view));
    while (history.size() > options.history_depth) history.pop_front();
  }

  std::vector<Kind> Allowed() const;
  std::string ActionsLine() const;
  BrowseObservation Observe(const std::string& message, bool show_view = true) const;
  void ViewText(const View& v, std::string& text, Json& data) const;

  Result<BrowseObservation> Search(std::string_view query, std::size_t k, Clock::time_point dl);
  Result<View> Load(const std::string& url, Clock::time_point deadline);
  Result<BrowseObservation> Open(const BrowseAction& a, Clock::time_point deadline);
  Result<BrowseObservation> Follow(const BrowseAction& a, Clock::time_point deadline);
  Result<BrowseObservation> Scroll(Kind kind);
  Result<BrowseObservation> GoBack();
  Result<BrowseObservation> Find(const std::string& text);
  Result<BrowseObservation> AddQuote(const std::string& text);
  Result<BrowseObservation> Merge();
  Result<BrowseObservation> Finish();
};

// ---- Observations ----

std::vector<Kind> Browser::Impl::Allowed() const {
  const View* v = current();
  std::vector<Kind> out = {Kind::kSearch, Kind::kOpen};
  if (v != nullptr && !v->results && !v->links.empty()) out.push_back(Kind::kFollow);
  if (v != nullptr && !AtEnd(*v)) out.push_back(Kind::kScrollDown);
  if (v != nullptr && !AtTop(*v)) out.insert(out.end(), {Kind::kScrollUp, Kind::kScrollTop});
  if (history.size() >= 2) out.push_back(Kind::kGoBack);
  if (v != nullptr && HasText(*v)) {
    out.push_back(Kind::kFind);
    if (quotes.size() < options.max_quotes) out.push_back(Kind::kQuote);
  }
  if (quotes.size() >= 2) out.push_back(Kind::kMerge);
  out.push_back(Kind::kFinish);
  return out;
}

std::string Browser::Impl::ActionsLine() const {
  std::string line = "Actions now:";
  const char* sep = " ";
  for (Kind k : Allowed()) {
    line += sep;
    sep = "; ";
    line += BrowseActionName(k);
    switch (k) {
      case Kind::kSearch:
        line += " {query}";
        break;
      case Kind::kOpen:
        if (!last_results.empty()) line += " {result: " + Range(1, last_results.size()) + "} or";
        line += " {url}";
        break;
      case Kind::kFollow:
        line += " {link: " + Range(1, current()->links.size()) + "}";
        break;
      case Kind::kFind:
      case Kind::kQuote:
        line += " {text}";
        break;
      default:
        break;
    }
  }
  return line + "\n";
}

void Browser::Impl::ViewText(const View& v, std::string& text, Json& data) const {
  if (v.results) {
    data["view"] = "results";
    data["query"] = v.query;
    data["backend"] = v.backend;
    Json hits = Json::array();
    for (std::size_t i = 0; i < v.hits.size(); ++i) {
      const SearchResult& h = v.hits[i];
      hits.push_back({{"n", i + 1}, {"title", h.title}, {"url", h.url}, {"snippet", h.snippet}});
    }
    data["results"] = std::move(hits);
    data["first"] = v.begin + 1;
    data["last"] = v.end;
    if (v.hits.empty()) {
      text += "Search for \"" + v.query + "\" (" + v.backend + ") found nothing.\n";
      return;
    }
    text += "Search results for \"" + v.query + "\" (" + v.backend + "): results " +
            Range(v.begin + 1, v.end) + " of " + std::to_string(v.hits.size()) + "\n";
    for (std::size_t i = v.begin; i < v.end; ++i) {
      const SearchResult& h = v.hits[i];
      text += "\n[" + std::to_string(i + 1) + "] " + h.title + "\n    " + h.url + "\n";
      if (!h.snippet.empty()) text += "    " + h.snippet + "\n";
    }
    return;
  }
  const std::string_view all = v.text;
  const std::size_t length = in::CountChars(all);
  const std::size_t first = in::CountChars(all.substr(0, v.begin)) + 1;
  const std::size_t last = first - 1 + in::CountChars(all.substr(v.begin, v.end - v.begin));
  std::string viewport = v.text.substr(v.begin, v.end - v.begin);
  while (!viewport.empty() && in::OnlySpace(viewport, viewport.size() - 1, viewport.size())) {
    viewport.pop_back();
  }
  data["view"] = "page";
  data["url"] = v.url;
  data["title"] = v.title;
  data["start"] = first;
  data["end"] = last;
  data["length"] = length;
  data["viewport"] = viewport;
  data["truncated"] = v.truncated;
  data["links"] = v.links.size();
  text += "Page: " + v.title + "\nURL: " + v.url + "\n";
  text += length == 0 ? std::string("[the page has no text]")
                      : "[chars " + Range(first, last) + " of " + std::to_string(length) + "]";
  if (v.truncated)
    text += " (the page's text was cut at " + std::to_string(v.text.size()) + " bytes)";
  text += "\n---\n" + viewport + "\n---\n";
}

BrowseObservation Browser::Impl::Observe(const std::string& message, bool show_view) const {
  BrowseObservation obs;
  Json& data = obs.data;
  data = Json::object();
  data["message"] = message;
  if (!message.empty()) obs.text += message + "\n\n";
  const View* v = current();
  if (!show_view) {
    data["view"] = "none";
  } else if (v == nullptr) {
    data["view"] = "none";
    obs.text += "No page is open.\n";
  } else {
    ViewText(*v, obs.text, data);
  }
  obs.text += "Quotes held: " + std::to_string(quotes.size()) + " of at most " +
              std::to_string(options.max_quotes) +
              ". Earlier pages: " + std::to_string(history.empty() ? 0 : history.size() - 1) +
              ".\n";
  obs.text += ActionsLine();
  Json actions = Json::array();
  for (Kind k : Allowed()) actions.push_back(std::string(BrowseActionName(k)));
  data["actions"] = std::move(actions);
  data["quotes"] = quotes.size();
  data["history"] = history.size();
  return obs;
}

// ---- Navigation ----

Result<BrowseObservation> Browser::Impl::Search(std::string_view query, std::size_t k,
                                                Clock::time_point deadline) {
  if (query.empty()) return InvalidArgumentError("search needs a query");
  SEXTANT_ASSIGN_OR_RETURN(std::vector<SearchResult> hits,
                           search.Search(query, std::max<std::size_t>(k, 1), deadline));
  View v;
  v.results = true;
  v.query = std::string(query);
  v.backend = std::string(search.name());
  v.hits = std::move(hits);
  v.end = std::min(BrowserOptions::kResultsPerScreen, v.hits.size());
  last_results = v.hits;
  Push(std::move(v));
  return Observe("");
}

Result<View> Browser::Impl::Load(const std::string& url, Clock::time_point deadline) {
  SEXTANT_ASSIGN_OR_RETURN(FetchedPage page, fetcher.Fetch(url, deadline));
  View v;
  v.url = page.final_url.empty() ? page.url : page.final_url;
  if (page.is_html()) {
    ExtractOptions options;
    options.base_url = v.url;
    SEXTANT_ASSIGN_OR_RETURN(ExtractedPage extracted, ExtractPage(page.body, options));
    v.title = std::move(extracted.title);
    v.text = std::move(extracted.text);
    v.links = std::move(extracted.links);
  } else {
    v.text = std::move(page.body);
  }
  if (v.title.empty()) v.title = v.url;
  const std::size_t keep = in::CutAtChar(v.text, options.max_page_text_bytes);
  v.truncated = keep < v.text.size();
  v.text.resize(keep);
  v.hash = Hash(v.text);
  v.begin = in::SkipSpace(v.text, 0);
  v.end = in::ViewportEnd(v.text, v.begin, options.viewport_chars);
  return v;
}

Result<BrowseObservation> Browser::Impl::Open(const BrowseAction& a, Clock::time_point deadline) {
  if (a.result.has_value() == !a.url.empty()) {
    return InvalidArgumentError("open needs either result (a search result's number) or url");
  }
  std::string url = a.url;
  std::string message;
  if (a.result) {
    if (last_results.empty()) {
      return FailedPreconditionError(
          "there are no search results to open: search first, or open a url");
    }
    if (*a.result < 1 || *a.result > last_results.size()) {
      return FailedPreconditionError("result " + std::to_string(*a.result) +
                                     " is out of range: the last search gave results " +
                                     Range(1, last_results.size()));
    }
    url = last_results[*a.result - 1].url;
    message = "Opened result " + std::to_string(*a.result) + ".";
  } else {
    message = "Opened " + url + ".";
  }
  SEXTANT_ASSIGN_OR_RETURN(View v, Load(url, deadline));
  if (v.url != url) message += " (Redirected from " + url + ".)";
  Push(std::move(v));
  return Observe(message);
}

Result<BrowseObservation> Browser::Impl::Follow(const BrowseAction& a, Clock::time_point deadline) {
  if (!a.link) return InvalidArgumentError("follow needs link, a link's number on the page");
  const View* v = current();
  if (v == nullptr) return FailedPreconditionError("no page is open: search or open a url first");
  if (v->results) {
    return FailedPreconditionError(
        "this is a list of search results, not a page: use open {result: n}");
  }
  if (v->links.empty()) return FailedPreconditionError("this page has no links to follow");
  const auto link = std::find_if(v->links.begin(), v->links.end(), [&](const ExtractedLink& l) {
    return l.n > 0 && static_cast<std::size_t>(l.n) == *a.link;
  });
  if (link == v->links.end()) {
    return FailedPreconditionError("this page has no link [" + std::to_string(*a.link) +
                                   "]; its links are [" + Range(1, v->links.size()) + "]");
  }
  const std::string url = link->url;
  SEXTANT_ASSIGN_OR_RETURN(View next, Load(url, deadline));
  std::string message = "Followed link [" + std::to_string(*a.link) + "] to " + next.url + ".";
  Push(std::move(next));
  return Observe(message);
}

Result<BrowseObservation> Browser::Impl::Scroll(Kind kind) {
  View* v = current();
  if (v == nullptr) return FailedPreconditionError("no page is open: search or open a url first");
  const char* what = v->results ? "the search results" : "the page";
  if (kind == Kind::kScrollDown) {
    if (AtEnd(*v)) {
      return FailedPreconditionError(std::string("you are at the end of ") + what +
                                     ": scroll_up, go_back, or open something else");
    }
    if (v->results) {
      v->begin = v->end;
      v->end = std::min(v->begin + BrowserOptions::kResultsPerScreen, v->hits.size());
    } else {
      v->begin = in::SkipSpace(v->text, v->end);
      v->end = in::ViewportEnd(v->text, v->begin, options.viewport_chars);
    }
    return Observe("");
  }
  if (AtTop(*v)) {
    return FailedPreconditionError(std::string("you are at the top of ") + what +
                                   (AtEnd(*v) ? ", which fits on one screen" : ": scroll_down"));
  }
  if (v->results) {
    v->begin = kind == Kind::kScrollTop || v->begin < BrowserOptions::kResultsPerScreen
                   ? 0
                   : v->begin - BrowserOptions::kResultsPerScreen;
    v->end = std::min(v->begin + BrowserOptions::kResultsPerScreen, v->hits.size());
  } else if (kind == Kind::kScrollTop) {
    v->begin = in::SkipSpace(v->text, 0);
    v->end = in::ViewportEnd(v->text, v->begin, options.viewport_chars);
  } else {
    v->end = v->begin;
    v->begin = in::SkipSpace(v->text, in::ViewportStart(v->text, v->end, options.viewport_chars));
  }
  return Observe("");
}

Result<BrowseObservation> Browser::Impl::GoBack() {
  if (history.size() < 2) {
    return FailedPreconditionError(history.empty()
                                       ? "there is no page to go back to: nothing was opened yet"
                                       : "there is no earlier page to go back to");
  }
  history.pop_back();
  const View& v = history.back();
  return Observe("Back to " + (v.results ? "the results for \"" + v.query + "\"" : v.title) + ".");
}

// ---- Find and quotes ----

Result<BrowseObservation> Browser::Impl::Find(const std::string& text) {
  if (in::OnlySpace(text, 0, text.size())) return InvalidArgumentError("find needs text");
  if (in::CountChars(text) > options.max_quote_chars) {
    return ResourceExhaustedError("find text is over " + std::to_string(options.max_quote_chars) +
                                  " characters");
  }
  View* v = current();
  if (v == nullptr || v->results) {
    return FailedPreconditionError(v == nullptr ? "no page is open: open a page first"
                                                : "find searches a page: open a result first");
  }
  if (!HasText(*v)) return FailedPreconditionError("this page has no text to search");
  const std::string folded = in::FoldForFind(text);
  const bool again = v->find_text == folded;
  const std::size_t from = again ? v->find_at + 1 : v->begin;
  const auto found = in::FindText(v->text, text, from);
  if (!found) {
    BrowseObservation obs = Observe("\"" + text + "\" is not on this page.");
    obs.data["found"] = false;
    return obs;
  }
  v->find_text = folded;
  v->find_at = found->begin;
  v->begin = in::StartShowing(v->text, found->begin, options.viewport_chars);
  v->end = std::max(in::ViewportEnd(v->text, v->begin, options.viewport_chars), found->end);
  std::string message = "Found \"" + text + "\" (occurrence " + std::to_string(found->occurrence) +
                        " of " + std::to_string(found->count) +
                        (found->wrapped ? ", wrapped to the top of the page)." : ").");
  BrowseObservation obs = Observe(message);
  obs.data["found"] = true;
  return obs;
}

Result<BrowseObservation> Browser::Impl::AddQuote(const std::string& text) {
  if (in::OnlySpace(text, 0, text.size())) return InvalidArgumentError("quote needs text");
  if (in::CountChars(text) > options.max_quote_chars) {
    return ResourceExhaustedError("the quote is over " + std::to_string(options.max_quote_chars) +
                                  " characters: quote a shorter passage");
  }
  if (quotes.size() >= options.max_quotes) {
    return ResourceExhaustedError("you hold " + std::to_string(quotes.size()) +
                                  " quotes, the most allowed: merge or finish first");
  }
  const View* v = current();
  if (v == nullptr || v->results) {
    return FailedPreconditionError(v == nullptr ? "no page is open: open a page first"
                                                : "quote takes text from a page: open one first");
  }
  const auto match = in::FindQuote(v->text, text, v->begin);
  if (!match) {
    return FailedPreconditionError(
        "nothing on this page resembles the quote: quote the page's own words");
  }
  const std::string span = v->text.substr(match->begin, match->end - match->begin);
  if (match->similarity < options.quote_threshold) {
    return FailedPreconditionError(
        "the quote is not on this page (similarity " + Fixed2(match->similarity) + ", at least " +
        Fixed2(options.quote_threshold) + " needed); the closest passage is: \"" +
        Clip(in::WithoutLinkMarkers(span), kShownPassageChars) + "\"");
  }
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const Quote& q = quotes[i];
    if (q.url == v->url && q.page_hash == v->hash && q.begin == match->begin &&
        q.end == match->end) {
      return Observe("Already quoted as [" + std::to_string(i + 1) + "]; nothing added.");
    }
  }
  Quote q{span, v->url, v->title, match->begin, match->end, v->hash, ""};
  for (std::size_t i = match->end; i < v->text.size() && q.space_after.size() < kMaxSpaceAfter &&
                                   in::OnlySpace(v->text, i, i + 1);
       ++i) {
    q.space_after.push_back(v->text[i]);
  }
  quotes.push_back(std::move(q));
  const std::string shown = in::WithoutLinkMarkers(span);
  BrowseObservation obs =
      Observe("Quoted [" + std::to_string(quotes.size()) + "] (similarity " +
              Fixed2(match->similarity) + "): \"" + Clip(shown, kShownPassageChars) + "\"");
  obs.data["quote"] = {{"text", shown}, {"similarity", match->similarity}};
  return obs;
}

Result<BrowseObservation> Browser::Impl::Merge() {
  if (quotes.size() < 2) {
    return FailedPreconditionError("merge needs at least 2 quotes; you hold " +
                                   std::to_string(quotes.size()));
  }
  const std::size_t before = quotes.size();
  in::MergeQuotes(quotes);
  std::string message = before == quotes.size()
                            ? "No quotes overlap, adjoin or repeat; nothing merged."
                            : "Merged " + std::to_string(before) + " quotes into " +
                                  std::to_string(quotes.size()) + ".";
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    message += "\n[" + std::to_string(i + 1) + "] \"" +
               Clip(in::WithoutLinkMarkers(quotes[i].text), kShownPassageChars) + "\" — " +
               quotes[i].url;
  }
  BrowseObservation obs = Observe(message);
  obs.data["merged"] = before - quotes.size();
  return obs;
}

Result<BrowseObservation> Browser::Impl::Finish() {
  const std::size_t count = quotes.size();
  in::Citations cited = in::CiteQuotes(quotes);
  const std::size_t n_sources = cited.sources.size();
  quotes.clear();
  BrowseObservation obs = Observe(
      count == 0 ? std::string("Finished with no quotes: nothing was collected.")
                 : "Finished with " + std::to_string(count) +
                       (count == 1 ? " quote from " : " quotes from ") + std::to_string(n_sources) +
                       (n_sources == 1 ? " source:\n" : " sources:\n") + cited.text,
      false);
  obs.data["citations"] = std::move(cited.quotes);
  obs.data["sources"] = std::move(cited.sources);
  return obs;
}

// ---- Browser ----

Browser::Browser(Fetcher& fetcher, SearchBackend& search, BrowserOptions options)
    : impl_(std::make_unique<Impl>(fetcher, search, options)) {}

Browser::~Browser() = default;

Result<BrowseObservation> Browser::Act(const BrowseAction& action, Clock::time_point deadline) {
  switch (action.kind) {
    case Kind::kSearch:
      return impl_->Search(action.query, impl_->options.search_results, deadline);
    case Kind::kOpen:
      return impl_->Open(action, deadline);
    case Kind::kFollow:
      return impl_->Follow(action, deadline);
    case Kind::kScrollDown:
    case Kind::kScrollUp:
    case Kind::kScrollTop:
      return impl_->Scroll(action.kind);
    case Kind::kGoBack:
      return impl_->GoBack();
    case Kind::kFind:
      return impl_->Find(action.text);
    case Kind::kQuote:
      return impl_->AddQuote(action.text);
    case Kind::kMerge:
      return impl_->Merge();
    case Kind::kFinish:
      return impl_->Finish();
  }
  return InvalidArgumentError("unknown action");
}

Result<BrowseObservation> Browser::Search(std::string_view query, std::size_t k,
                                          Clock::time_point deadline) {
  return impl_->Search(query, k, deadline);
}

std::vector<BrowseActionKind> Browser::AllowedActions() const { return impl_->Allowed(); }
const std::vector<Quote>& Browser::quotes() const { return impl_->quotes; }
std::size_t Browser::history_size() const { return impl_->history.size(); }
const BrowserOptions& Browser::options() const { return impl_->options; }

}  // namespace sextant::toolserver::web
