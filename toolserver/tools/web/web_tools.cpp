#include "toolserver/tools/web/web_tools.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "toolserver/tools/function_tool.h"

namespace sextant::toolserver::web {
namespace {

using Clock = std::chrono::steady_clock;

// One session's browser; `mu` makes its calls run one at a time.
struct SessionBrowser {
  SessionBrowser(Fetcher& fetcher, SearchBackend& backend, const BrowserOptions& options)
      : browser(fetcher, backend, options) {}
  std::timed_mutex mu;
  Browser browser;
  Clock::time_point last_used;  // guarded by WebState::mu
};

// What the tools of one MakeWebTools call share.
struct WebState {
  WebState(SearchBackend& b, Fetcher& f, const WebToolOptions& o)
      : backend(b), fetcher(f), options(o) {
    for (std::size_t* n : {&options.max_search_results, &options.max_sessions,
                           &options.max_query_bytes, &options.max_url_bytes}) {
      *n = std::max<std::size_t>(*n, 1);
    }
  }

  // The session's browser: made on first use; idle ones and, over
  // max_sessions, the least recently used are dropped first.
  std::shared_ptr<SessionBrowser> Get(const std::string& session_id) {
    const std::lock_guard<std::mutex> lock(mu);
    const Clock::time_point now = Clock::now();
    std::erase_if(sessions,
                  [&](const auto& s) { return now - s.second->last_used >= options.session_idle; });
    auto it = sessions.find(session_id);
    if (it == sessions.end()) {
      while (sessions.size() >= options.max_sessions) {
        sessions.erase(
            std::min_element(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
              return a.second->last_used < b.second->last_used;
            }));
      }
      it = sessions
               .emplace(session_id,
                        std::make_shared<SessionBrowser>(fetcher, backend, options.browser))
               .first;
    }
    it->second->last_used = now;
    return it->second;
  }

  SearchBackend& backend;
  Fetcher& fetcher;
  WebToolOptions options;
  std::mutex mu;  // guards sessions
  std::map<std::string, std::shared_ptr<SessionBrowser>> sessions;
};

// Runs `fn` on the session's browser, holding its lock.
template <typename Fn>
Result<ToolOutput> WithBrowser(WebState& state, const ToolContext& ctx, Fn fn) {
  std::shared_ptr<SessionBrowser> session = state.Get(ctx.session_id);
  std::unique_lock<std::timed_mutex> lock(session->mu, std::defer_lock);
  if (!lock.try_lock_until(ctx.deadline)) {
    return DeadlineExceededError(
        "another call of this session held the browser until the deadline");
  }
  SEXTANT_ASSIGN_OR_RETURN(BrowseObservation obs, fn(session->browser));
  return ToolOutput{std::move(obs.text), std::move(obs.data)};
}

Result<std::string> StringArg(const Json& args, const char* key, std::size_t max_bytes) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgumentError(std::string(key) + " must be a string");
  std::string value = it->get<std::string>();
  if (value.size() > max_bytes) {
    return ResourceExhaustedError(std::string(key) + " is over " + std::to_string(max_bytes) +
                                  " bytes");
  }
  return value;
}

Result<std::optional<std::size_t>> NumberArg(const Json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return std::optional<std::size_t>();
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1) {
    return InvalidArgumentError(std::string(key) + " must be an integer >= 1");
  }
  return std::optional<std::size_t>(static_cast<std::size_t>(it->get<std::int64_t>()));
}

Result<ToolOutput> WebSearch(WebState& state, const ToolContext& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(std::string query,
                           StringArg(args, "query", state.options.max_query_bytes));
  if (query.empty()) return InvalidArgumentError("query is required");
  SEXTANT_ASSIGN_OR_RETURN(std::optional<std::size_t> k, NumberArg(args, "k"));
  const std::size_t max = state.options.max_search_results;
  if (k && *k > max) {
    return ResourceExhaustedError("k " + std::to_string(*k) + " is over the maximum of " +
                                  std::to_string(max));
  }
  const std::size_t count = k.value_or(std::min(WebToolOptions::kDefaultSearchK, max));
  return WithBrowser(state, ctx, [&](Browser& b) { return b.Search(query, count, ctx.deadline); });
}

Result<ToolOutput> WebBrowse(WebState& state, const ToolContext& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(BrowseAction action, ParseBrowseAction(args));
  if (action.query.size() > state.options.max_query_bytes ||
      action.url.size() > state.options.max_url_bytes) {
    return ResourceExhaustedError("query or url is over its limit of " +
                                  std::to_string(state.options.max_query_bytes) + " or " +
                                  std::to_string(state.options.max_url_bytes) + " bytes");
  }
  return WithBrowser(state, ctx, [&](Browser& b) { return b.Act(action, ctx.deadline); });
}

Json Text(std::size_t max_length, std::string description) {
  return {{"type", "string"},
          {"minLength", 1},
          {"maxLength", max_length},
          {"description", std::move(description)}};
}

Json Number(std::string description) {
  return {{"type", "integer"}, {"minimum", 1}, {"description", std::move(description)}};
}

// "when action is `name`, then `then`".
Json When(const char* name, Json then) {
  return {{"if", {{"properties", {{"action", {{"const", name}}}}}}}, {"then", std::move(then)}};
}

Json Requires(const char* key) { return {{"required", {key}}}; }

Json BrowseSchema(const WebToolOptions& o) {
  const std::size_t text_chars = std::max<std::size_t>(o.browser.max_quote_chars, 1);
  Json properties = {
      {"action", {{"type", "string"}, {"enum", BrowseActionNames()}}},
      {"query", Text(o.max_query_bytes, "search: the query")},
      {"result", Number("open: a result number")},
      {"url", Text(o.max_url_bytes, "open: an http(s) URL")},
      {"link", Number("follow: a link number [n]")},
      {"text", Text(text_chars, "find: text to look for; quote: a passage copied from the page")},
  };
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", {"action"}},
          {"additionalProperties", false},
          {"allOf",
           {When("search", Requires("query")),
            When("open", {{"oneOf", {Requires("result"), Requires("url")}}}),
            When("follow", Requires("link")), When("find", Requires("text")),
            When("quote", Requires("text"))}}};
}

constexpr char kBrowseDescription[] =
    "Browse the web like a text browser and collect quotes as evidence; each reply ends with "
    "the actions possible now. search {query}: results, three a screen. open {result: n} or "
    "{url}. follow {link: n}: the page's link [n]. scroll_down, scroll_up, scroll_top, go_back. "
    "find {text}: jump to its next occurrence. quote {text}: keep a passage copied from the "
    "page. merge: join adjoining quotes. finish: the quotes with numbered sources.";

class UnavailableSearchBackend final : public SearchBackend {
 public:
  UnavailableSearchBackend(std::string name, Status why)
      : name_(std::move(name)), why_(std::move(why)) {}
  std::string_view name() const override { return name_; }
  Result<std::vector<SearchResult>> Search(std::string_view, std::size_t,
                                           Clock::time_point) override {
    return why_;
  }

 private:
  std::string name_;
  Status why_;
};

}  // namespace

std::unique_ptr<SearchBackend> MakeUnavailableSearchBackend(std::string name, Status why) {
  if (why.ok()) why = InternalError("the search backend is unavailable");
  return std::make_unique<UnavailableSearchBackend>(std::move(name), std::move(why));
}

Result<BrowseAction> ParseBrowseAction(const Json& arguments) {
  if (!arguments.is_object()) return InvalidArgumentError("arguments must be an object");
  auto it = arguments.find("action");
  if (it == arguments.end() || !it->is_string()) {
    return InvalidArgumentError("action must be a string");
  }
  const auto kind = ParseBrowseActionKind(it->get_ref<const std::string&>());
  if (!kind) {
    std::string names;
    for (const std::string& n : BrowseActionNames()) names += (names.empty() ? "" : ", ") + n;
    return InvalidArgumentError("unknown action '" + it->get<std::string>() +
                                "'; the actions are " + names);
  }
  constexpr std::size_t kAnyLength = SIZE_MAX;
  BrowseAction action;
  action.kind = *kind;
  SEXTANT_ASSIGN_OR_RETURN(action.query, StringArg(arguments, "query", kAnyLength));
  SEXTANT_ASSIGN_OR_RETURN(action.url, StringArg(arguments, "url", kAnyLength));
  SEXTANT_ASSIGN_OR_RETURN(action.text, StringArg(arguments, "text", kAnyLength));
  SEXTANT_ASSIGN_OR_RETURN(action.result, NumberArg(arguments, "result"));
  SEXTANT_ASSIGN_OR_RETURN(action.link, NumberArg(arguments, "link"));
  return action;
}

std::vector<std::unique_ptr<Tool>> MakeWebTools(SearchBackend& backend, Fetcher& fetcher,
                                                const WebToolOptions& options) {
  auto state = std::make_shared<WebState>(backend, fetcher, options);
  const WebToolOptions& o = state->options;
  const std::size_t default_k = std::min(WebToolOptions::kDefaultSearchK, o.max_search_results);
  Json search_schema = {
      {"type", "object"},
      {"properties",
       {{"query", Text(o.max_query_bytes, "the query")},
        {"k",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", o.max_search_results},
          {"description", "results (default " + std::to_string(default_k) + ")"}}}}},
      {"required", {"query"}},
      {"additionalProperties", false}};
  std::vector<std::unique_ptr<Tool>> tools;
  tools.push_back(tools::MakeFunctionTool(
      {"web_search",
       "Search the web: title, URL and snippet, three a screen. Open a result with web_browse "
       "{action: \"open\", result: n}.",
       std::move(search_schema)},
      [state](const ToolContext& c, const Json& a) { return WebSearch(*state, c, a); }));
  tools.push_back(tools::MakeFunctionTool(
      {"web_browse", kBrowseDescription, BrowseSchema(o)},
      [state](const ToolContext& c, const Json& a) { return WebBrowse(*state, c, a); }));
  return tools;
}

}  // namespace sextant::toolserver::web
