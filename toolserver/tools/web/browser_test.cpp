// Browser on real pages: the sqlite3-doc site and readability's test pages
// served on 127.0.0.1, a real Fetcher (127.0.0.1 allow-listed) and a real
// local SearchIndex over the site.
#include "toolserver/tools/web/browser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/index_sources.h"
#include "toolserver/tools/web/search_index.h"
#include "toolserver/tools/web/sqlite_doc_queries.h"
#include "toolserver/tools/web/web_test_util.h"

namespace sextant::toolserver::web {
namespace {

namespace fs = std::filesystem;
using sextant::testing::Contains;
using sextant::testing::TempDir;
using Kind = BrowseActionKind;

constexpr char kWalQuery[] = "write-ahead log checkpoint";
constexpr char kWalTitle[] = "Write-Ahead Logging";
constexpr char kConcurrency[] =
    "WAL provides more concurrency as readers do not block writers and a writer does not block "
    "readers.";
constexpr char kConcurrently[] = "Reading and writing can proceed concurrently.";

std::chrono::steady_clock::time_point Deadline() {
  return std::chrono::steady_clock::now() + std::chrono::seconds(30);
}

// Lower-cased with whitespace runs as one space, for comparing texts.
std::string Squeeze(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The sqlite3-doc site under /sqlite, indexed once for the suite, and
// readability's pages under /pages.
class BrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_directory(kSqliteDocDir)) return;
    auto server = sextant::testing::LoopbackHttpServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
    testing::ServeDirectory(*server_, "/sqlite", kSqliteDocDir);
    if (auto root = sextant::testing::TestDataRoot()) {
      pages_ = *root / "html/readability/test-pages";
      if (fs::is_directory(pages_)) testing::ServeDirectory(*server_, "/pages", pages_);
    }
    server_->On("/plain.txt", sextant::testing::ScriptedReply::Full(
                                  200, "just text\n", {{"Content-Type", "text/plain"}}));
    dir_ = new TempDir();
    auto index = SearchIndex::Open(dir_->path() / "index.sqlite");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = index->release();
    auto report = IndexDirectory(*index_, fs::path(kSqliteDocDir), server_->Url("/sqlite"));
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    backend_ = MakeLocalSearchBackend(*index_).release();
  }

  static void TearDownTestSuite() {
    delete backend_;
    delete index_;
    delete dir_;
    delete server_;
  }

  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << kSqliteDocDir << " is absent (apt-get sqlite3-doc)";
    ASSERT_NE(backend_, nullptr);
    FetchOptions options;
    options.allow_addresses = {"127.0.0.1"};
    auto fetcher = Fetcher::Create(options);
    ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
    fetcher_ = std::move(fetcher).value();
  }

  std::unique_ptr<Browser> Make(BrowserOptions options = {}) {
    return std::make_unique<Browser>(*fetcher_, *backend_, options);
  }

  static BrowseAction Action(Kind kind) {
    BrowseAction a;
    a.kind = kind;
    return a;
  }
  static BrowseAction Search(std::string query) {
    BrowseAction a = Action(Kind::kSearch);
    a.query = std::move(query);
    return a;
  }
  static BrowseAction OpenResult(std::size_t n) {
    BrowseAction a = Action(Kind::kOpen);
    a.result = n;
    return a;
  }
  static BrowseAction OpenUrl(std::string url) {
    BrowseAction a = Action(Kind::kOpen);
    a.url = std::move(url);
    return a;
  }
  static BrowseAction Follow(std::size_t n) {
    BrowseAction a = Action(Kind::kFollow);
    a.link = n;
    return a;
  }
  static BrowseAction WithText(Kind kind, std::string text) {
    BrowseAction a = Action(kind);
    a.text = std::move(text);
    return a;
  }

  // Runs `action`, which must succeed.
  static Json Do(Browser& b, const BrowseAction& action) {
    auto obs = b.Act(action, Deadline());
    EXPECT_TRUE(obs.ok()) << BrowseActionName(action.kind) << ": " << obs.status().ToString();
    if (!obs.ok()) return Json::object();
    EXPECT_TRUE(Contains(obs->text, "Actions now: ")) << obs->text;
    return obs->data;
  }

  // Runs `action`, which must fail with `code` and a message holding `part`.
  static void Refused(Browser& b, const BrowseAction& action, StatusCode code,
                      std::string_view part) {
    auto obs = b.Act(action, Deadline());
    ASSERT_FALSE(obs.ok()) << BrowseActionName(action.kind) << " succeeded: " << obs->text;
    EXPECT_EQ(obs.status().code(), code) << obs.status().ToString();
    EXPECT_TRUE(Contains(obs.status().message(), part)) << obs.status().ToString();
  }

  static bool Allows(const Json& data, std::string_view name) {
    return std::find(data["actions"].begin(), data["actions"].end(), std::string(name)) !=
           data["actions"].end();
  }

  static std::string PageUrl(std::string_view page) {
    return server_->Url("/sqlite/" + std::string(page));
  }

  // The number of the result with `url` in a results view, or 0.
  static std::size_t ResultNumber(const Json& data, const std::string& url) {
    for (const Json& r : data["results"]) {
      if (r["url"] == url) return r["n"].get<std::size_t>();
    }
    return 0;
  }

  // The page's text as the browser shows it, extracted here independently.
  static std::string ExtractedText(std::string_view page) {
    ExtractOptions options;
    options.base_url = PageUrl(page);
    auto extracted = ExtractPage(
        sextant::testing::ReadFile(fs::path(kSqliteDocDir) / std::string(page)), options);
    return extracted.ok() ? extracted->text : "";
  }

  static inline sextant::testing::LoopbackHttpServer* server_ = nullptr;
  static inline TempDir* dir_ = nullptr;
  static inline SearchIndex* index_ = nullptr;
  static inline SearchBackend* backend_ = nullptr;
  static inline fs::path pages_;
  std::unique_ptr<Fetcher> fetcher_;
};

TEST_F(BrowserTest, SearchOpenScrollQuoteBackOpenFindQuoteMergeFinish) {
  auto b = Make();
  // search: a screen of three results.
  Json results = Do(*b, Search(kWalQuery));
  EXPECT_EQ(results["view"], "results");
  EXPECT_EQ(results["backend"], "local");
  EXPECT_EQ(results["first"], 1);
  EXPECT_EQ(results["last"], 3);
  ASSERT_EQ(results["results"].size(), BrowserOptions::kDefaultSearchResults);
  EXPECT_TRUE(Allows(results, "scroll_down"));
  EXPECT_FALSE(Allows(results, "scroll_up"));
  EXPECT_FALSE(Allows(results, "quote"));
  const std::size_t wal = ResultNumber(results, PageUrl("wal.html"));
  ASSERT_GE(wal, 1u) << results.dump(2);

  // open: the page's first screen.
  Json page = Do(*b, OpenResult(wal));
  EXPECT_EQ(page["view"], "page");
  EXPECT_EQ(page["title"], kWalTitle);
  EXPECT_EQ(page["url"], PageUrl("wal.html"));
  EXPECT_EQ(page["start"], 1);
  EXPECT_GT(page["links"].get<int>(), 10);
  const std::size_t first_end = page["end"];
  EXPECT_LE(first_end, BrowserOptions::kDefaultViewportChars);
  EXPECT_GE(first_end, BrowserOptions::kDefaultViewportChars / 2);
  EXPECT_EQ(b->history_size(), 2u);
  EXPECT_TRUE(Allows(page, "go_back"));
  EXPECT_TRUE(Allows(page, "follow"));

  // scroll_down: the next screen starts where the first ended.
  Json second = Do(*b, Action(Kind::kScrollDown));
  EXPECT_GT(second["start"].get<std::size_t>(), first_end);
  EXPECT_LE(second["start"].get<std::size_t>(), first_end + 3);  // past a line break at most
  EXPECT_TRUE(Allows(second, "scroll_up"));

  // quote: two adjoining sentences, typed loosely.
  Json q1 = Do(*b, WithText(Kind::kQuote,
                            "wal provides more concurrency as readers do NOT block "
                            "writers and a writer does not block readers"));
  EXPECT_EQ(q1["quote"]["text"], kConcurrency);
  EXPECT_EQ(q1["quote"]["similarity"], 1.0);
  Json q2 = Do(*b, WithText(Kind::kQuote, "Reading and writng can proceed concurrently."));
  EXPECT_EQ(q2["quote"]["text"], kConcurrently);
  EXPECT_LT(q2["quote"]["similarity"].get<double>(), 1.0);
  EXPECT_EQ(q2["quotes"], 2);
  EXPECT_EQ(b->quotes()[0].url, PageUrl("wal.html"));
  EXPECT_EQ(b->quotes()[0].title, kWalTitle);

  // go_back: the results as they were left.
  Json back = Do(*b, Action(Kind::kGoBack));
  EXPECT_EQ(back["view"], "results");
  EXPECT_EQ(b->history_size(), 1u);
  EXPECT_FALSE(Allows(back, "go_back"));

  // open another result, find a word on it, quote the sentence found.
  std::size_t other = 0;
  std::string other_url;
  for (const Json& r : back["results"]) {
    if (r["url"] != PageUrl("wal.html")) {
      other = r["n"];
      other_url = r["url"];
      break;
    }
  }
  ASSERT_GE(other, 1u);
  Json other_page = Do(*b, OpenResult(other));
  EXPECT_EQ(other_page["url"], other_url);
  Json found = Do(*b, WithText(Kind::kFind, "Checkpoint"));
  ASSERT_TRUE(found["found"].get<bool>()) << found["message"];
  const std::string viewport = found["viewport"];
  const std::size_t at = Squeeze(viewport).find("checkpoint");
  ASSERT_NE(at, std::string::npos) << viewport;
  EXPECT_TRUE(Contains(found["message"].get<std::string>(), "occurrence 1 of"));
  // The words around the occurrence, as the model would copy them.
  const std::string squeezed = Squeeze(viewport);
  const std::size_t from = squeezed.rfind(' ', at > 20 ? at - 20 : 0);
  const std::string passage =
      squeezed.substr(from == std::string::npos ? 0 : from + 1, 40 + (at > 20 ? 20 : at));
  const std::string words = passage.substr(0, passage.rfind(' '));
  Json q3 = Do(*b, WithText(Kind::kQuote, words));
  EXPECT_GE(q3["quote"]["similarity"].get<double>(), 0.8) << words;
  EXPECT_EQ(q3["quotes"], 3);

  // merge: the two adjoining sentences become one quote.
  Json merged = Do(*b, Action(Kind::kMerge));
  EXPECT_EQ(merged["merged"], 1);
  ASSERT_EQ(b->quotes().size(), 2u);
  EXPECT_EQ(b->quotes()[0].text, std::string(kConcurrency) + " " + kConcurrently);

  // finish: numbered citations; the quote list starts again.
  auto finished = b->Act(Action(Kind::kFinish), Deadline());
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  const Json& d = finished->data;
  ASSERT_EQ(d["citations"].size(), 2u);
  EXPECT_EQ(d["citations"][0]["source"], 1);
  EXPECT_EQ(d["citations"][1]["source"], 2);
  ASSERT_EQ(d["sources"].size(), 2u);
  EXPECT_EQ(d["sources"][0]["url"], PageUrl("wal.html"));
  EXPECT_EQ(d["sources"][1]["url"], other_url);
  EXPECT_TRUE(Contains(finished->text, "Finished with 2 quotes from 2 sources"));
  EXPECT_TRUE(Contains(finished->text,
                       "1. \"" + std::string(kConcurrency) + " " + kConcurrently + "\" [1]"));
  EXPECT_TRUE(
      Contains(finished->text, "[1] " + PageUrl("wal.html") + " \u2014 " + std::string(kWalTitle)));
  EXPECT_TRUE(b->quotes().empty());
  EXPECT_EQ(d["quotes"], 0);
}

TEST_F(BrowserTest, ScrollingCoversThePageWithoutGapsBothWays) {
  BrowserOptions options;
  options.viewport_chars = 700;
  auto b = Make(options);
  Json view = Do(*b, OpenUrl(PageUrl("wal.html")));
  std::string down = view["viewport"];
  std::vector<std::pair<std::size_t, std::size_t>> spans = {{view["start"], view["end"]}};
  while (Allows(view, "scroll_down")) {
    view = Do(*b, Action(Kind::kScrollDown));
    const std::size_t start = view["start"];
    const std::size_t end = view["end"];
    EXPECT_GT(start, spans.back().second);
    EXPECT_LE(end - start + 1, 700u);
    spans.emplace_back(start, end);
    down += "\n" + view["viewport"].get<std::string>();
    ASSERT_LT(spans.size(), 1000u);
  }
  EXPECT_EQ(spans.back().second, view["length"].get<std::size_t>());
  EXPECT_EQ(Squeeze(down), Squeeze(ExtractedText("wal.html")));
  Refused(*b, Action(Kind::kScrollDown), StatusCode::kFailedPrecondition, "end of the page");

  // Back up: each screen ends just before the one below it started.
  std::size_t below = view["start"];
  std::string up = view["viewport"];
  while (Allows(view, "scroll_up")) {
    view = Do(*b, Action(Kind::kScrollUp));
    EXPECT_EQ(view["end"].get<std::size_t>() + 1, below);
    EXPECT_LE(view["end"].get<std::size_t>() - view["start"].get<std::size_t>() + 1, 700u);
    below = view["start"];
    up = view["viewport"].get<std::string>() + "\n" + up;
    ASSERT_LT(up.size(), 10'000'000u);
  }
  EXPECT_EQ(view["start"], 1);
  EXPECT_EQ(Squeeze(up), Squeeze(ExtractedText("wal.html")));
  Refused(*b, Action(Kind::kScrollUp), StatusCode::kFailedPrecondition, "top of the page");
  Refused(*b, Action(Kind::kScrollTop), StatusCode::kFailedPrecondition, "top of the page");

  // scroll_top from the middle.
  Do(*b, Action(Kind::kScrollDown));
  Do(*b, Action(Kind::kScrollDown));
  EXPECT_EQ(Do(*b, Action(Kind::kScrollTop))["start"], 1);
}

TEST_F(BrowserTest, FindStepsThroughOccurrencesAndWraps) {
  auto b = Make();
  Do(*b, OpenUrl(PageUrl("wal.html")));
  const std::string text = ExtractedText("wal.html");
  const std::string lower = Squeeze(text);
  std::size_t count = 0;
  for (std::size_t p = lower.find("end mark"); p != std::string::npos;
       p = lower.find("end mark", p + 1)) {
    ++count;
  }
  ASSERT_GE(count, 3u);
  std::size_t last_start = 0;
  for (std::size_t i = 1; i <= count; ++i) {
    Json f = Do(*b, WithText(Kind::kFind, "END  MARK"));
    ASSERT_TRUE(f["found"].get<bool>());
    EXPECT_TRUE(Contains(f["message"].get<std::string>(),
                         "occurrence " + std::to_string(i) + " of " + std::to_string(count)))
        << f["message"];
    EXPECT_TRUE(Contains(Squeeze(f["viewport"].get<std::string>()), "end mark"));
    EXPECT_GE(f["start"].get<std::size_t>(), last_start);
    last_start = f["start"];
  }
  Json wrapped = Do(*b, WithText(Kind::kFind, "end mark"));
  EXPECT_TRUE(Contains(wrapped["message"].get<std::string>(), "occurrence 1 of"));
  EXPECT_TRUE(Contains(wrapped["message"].get<std::string>(), "wrapped"));

  const std::size_t before = wrapped["start"];
  Json missing = Do(*b, WithText(Kind::kFind, "no such phrase anywhere"));
  EXPECT_FALSE(missing["found"].get<bool>());
  EXPECT_TRUE(Contains(missing["message"].get<std::string>(), "is not on this page"));
  EXPECT_EQ(missing["start"], before);  // the view stays
}

TEST_F(BrowserTest, FollowLinksAndGoBackToTheViewAsLeft) {
  auto b = Make();
  Json page = Do(*b, OpenUrl(PageUrl("wal.html")));
  Do(*b, Action(Kind::kScrollDown));
  const Json left = Do(*b, Action(Kind::kScrollDown));
  // The page's "[n] rollback journal" link, numbered as extracted here.
  ExtractOptions options;
  options.base_url = PageUrl("wal.html");
  auto extracted =
      ExtractPage(sextant::testing::ReadFile(fs::path(kSqliteDocDir) / "wal.html"), options);
  ASSERT_TRUE(extracted.ok());
  const auto link =
      std::find_if(extracted->links.begin(), extracted->links.end(),
                   [](const ExtractedLink& l) { return l.text == "rollback journal"; });
  ASSERT_NE(link, extracted->links.end());
  ASSERT_TRUE(Contains(page["viewport"].get<std::string>(),
                       "[" + std::to_string(link->n) + "] rollback journal"));
  Json followed = Do(*b, Follow(static_cast<std::size_t>(link->n)));
  EXPECT_EQ(followed["url"], link->url);
  EXPECT_EQ(followed["start"], 1);
  EXPECT_TRUE(Contains(followed["message"].get<std::string>(),
                       "Followed link [" + std::to_string(link->n) + "]"));
  EXPECT_EQ(b->history_size(), 2u);
  Do(*b, Action(Kind::kScrollDown));
  Json back = Do(*b, Action(Kind::kGoBack));
  EXPECT_EQ(back["url"], PageUrl("wal.html"));
  EXPECT_EQ(back["start"], left["start"]);
  EXPECT_TRUE(Contains(back["message"].get<std::string>(), "Back to Write-Ahead Logging"));
}

TEST_F(BrowserTest, EachRefusalSaysWhyAndLeavesTheStateAsItWas) {
  auto b = Make();
  const StatusCode pre = StatusCode::kFailedPrecondition;
  Refused(*b, Action(Kind::kScrollDown), pre, "no page is open");
  Refused(*b, Action(Kind::kScrollUp), pre, "no page is open");
  Refused(*b, Action(Kind::kGoBack), pre, "nothing was opened yet");
  Refused(*b, Follow(1), pre, "no page is open");
  Refused(*b, OpenResult(1), pre, "no search results");
  Refused(*b, WithText(Kind::kFind, "x"), pre, "no page is open");
  Refused(*b, WithText(Kind::kQuote, "x"), pre, "no page is open");
  Refused(*b, Action(Kind::kMerge), pre, "merge needs at least 2 quotes; you hold 0");
  // Missing arguments.
  const StatusCode arg = StatusCode::kInvalidArgument;
  Refused(*b, Search(""), arg, "search needs a query");
  Refused(*b, Action(Kind::kOpen), arg, "open needs either result");
  BrowseAction both = OpenUrl("http://x/");
  both.result = 1;
  Refused(*b, both, arg, "open needs either");
  Refused(*b, Action(Kind::kFollow), arg, "follow needs link");
  Refused(*b, WithText(Kind::kQuote, " "), arg, "quote needs text");
  Refused(*b, WithText(Kind::kFind, ""), arg, "find needs text");

  Json results = Do(*b, Search(kWalQuery));
  Refused(*b, OpenResult(99), pre, "result 99 is out of range: the last search gave results 1–9");
  Refused(*b, Follow(1), pre, "list of search results");
  Refused(*b, Action(Kind::kScrollUp), pre, "top of the search results");
  Refused(*b, WithText(Kind::kQuote, "x"), pre, "open one first");
  Refused(*b, Action(Kind::kGoBack), pre, "no earlier page");
  for (int i = 0; i < 2; ++i) Do(*b, Action(Kind::kScrollDown));
  Refused(*b, Action(Kind::kScrollDown), pre, "end of the search results");

  Do(*b, OpenUrl(PageUrl("wal.html")));
  Refused(*b, Follow(999), pre, "this page has no link [999]; its links are [1–");
  Refused(*b, WithText(Kind::kQuote, "The moon is made of cheese and nobody has ever denied it."),
          pre, "the quote is not on this page");
  auto invented = b->Act(WithText(Kind::kQuote,
                                  "WAL provides less concurrency because readers "
                                  "always block every writer."),
                         Deadline());
  ASSERT_FALSE(invented.ok());
  EXPECT_TRUE(Contains(invented.status().message(), "the closest passage is: \""))
      << invented.status().ToString();
  Do(*b, WithText(Kind::kQuote, kConcurrently));
  Refused(*b, Action(Kind::kMerge), pre, "you hold 1");
  EXPECT_EQ(b->quotes().size(), 1u);
  EXPECT_EQ(b->history_size(), 2u);

  // Quoting the same span again adds nothing.
  Json again = Do(*b, WithText(Kind::kQuote, "reading and writing can proceed concurrently"));
  EXPECT_TRUE(Contains(again["message"].get<std::string>(), "Already quoted as [1]"));
  EXPECT_EQ(b->quotes().size(), 1u);
}

TEST_F(BrowserTest, FetchErrorsComeBackAsTheyAreAndChangeNothing) {
  auto b = Make();
  Do(*b, OpenUrl(PageUrl("wal.html")));
  auto missing = b->Act(OpenUrl(PageUrl("no-such-page.html")), Deadline());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(missing.status().message(), "404")) << missing.status().ToString();
  auto guarded = b->Act(OpenUrl("http://10.255.255.1/"), Deadline());
  EXPECT_EQ(guarded.status().code(), StatusCode::kPermissionDenied);
  auto scheme = b->Act(OpenUrl("ftp://127.0.0.1/x"), Deadline());
  EXPECT_EQ(scheme.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b->history_size(), 1u);

  // Plain text is shown as it is, titled by its URL.
  Json plain = Do(*b, OpenUrl(server_->Url("/plain.txt")));
  EXPECT_EQ(plain["viewport"], "just text");
  EXPECT_EQ(plain["title"], server_->Url("/plain.txt"));
  EXPECT_EQ(plain["links"], 0);
  EXPECT_FALSE(Allows(plain, "follow"));
}

TEST_F(BrowserTest, ReadabilityPageWithLinksMarkersQuotesCleanly) {
  if (pages_.empty() || !fs::is_directory(pages_ / "wikipedia")) GTEST_SKIP() << "no test pages";
  auto b = Make();
  Json page = Do(*b, OpenUrl(server_->Url("/pages/wikipedia/source.html")));
  EXPECT_EQ(page["title"], "Mozilla - Wikipedia");
  // The text reads "... supported institutionally by the [n] Mozilla
  // Foundation ..."; the model leaves the marker out.
  Json q = Do(*b, WithText(Kind::kQuote,
                           "The community is supported institutionally by the Mozilla Foundation"));
  EXPECT_EQ(q["quote"]["similarity"], 1.0);
  EXPECT_EQ(q["quote"]["text"],
            "The community is supported institutionally by the Mozilla Foundation");
  ASSERT_EQ(b->quotes().size(), 1u);
  EXPECT_TRUE(Contains(b->quotes()[0].text, "] Mozilla Foundation")) << b->quotes()[0].text;
  auto finished = b->Act(Action(Kind::kFinish), Deadline());
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(finished->data["citations"][0]["text"],
            "The community is supported institutionally by the Mozilla Foundation");
}

TEST_F(BrowserTest, FinishWithoutQuotesIsAllowed) {
  auto b = Make();
  auto finished = b->Act(Action(Kind::kFinish), Deadline());
  ASSERT_TRUE(finished.ok());
  EXPECT_TRUE(Contains(finished->text, "Finished with no quotes"));
  EXPECT_TRUE(finished->data["citations"].empty());
}

TEST_F(BrowserTest, HistoryDepthDropsTheOldestPage) {
  BrowserOptions options;
  options.history_depth = 2;
  auto b = Make(options);
  for (const char* page : {"wal.html", "lang_vacuum.html", "json1.html"}) {
    Do(*b, OpenUrl(PageUrl(page)));
  }
  EXPECT_EQ(b->history_size(), 2u);
  Json back = Do(*b, Action(Kind::kGoBack));
  EXPECT_EQ(back["url"], PageUrl("lang_vacuum.html"));
  Refused(*b, Action(Kind::kGoBack), StatusCode::kFailedPrecondition, "no earlier page");
}

TEST_F(BrowserTest, QuoteCountAndLengthLimits) {
  BrowserOptions options;
  options.max_quotes = 2;
  options.max_quote_chars = 60;
  auto b = Make(options);
  Do(*b, OpenUrl(PageUrl("wal.html")));
  Do(*b, WithText(Kind::kQuote, kConcurrently));
  Do(*b, WithText(Kind::kQuote, "WAL is significantly faster in most scenarios."));
  Json full = Do(*b, Action(Kind::kScrollDown));
  EXPECT_FALSE(Allows(full, "quote"));
  EXPECT_TRUE(Allows(full, "merge"));
  Refused(*b, WithText(Kind::kQuote, "Disk I/O operations tends to be more sequential using WAL."),
          StatusCode::kResourceExhausted, "you hold 2 quotes, the most allowed");
  Refused(*b, WithText(Kind::kQuote, kConcurrency), StatusCode::kResourceExhausted,
          "over 60 characters");
  Refused(*b, WithText(Kind::kFind, kConcurrency), StatusCode::kResourceExhausted,
          "over 60 characters");
}

TEST_F(BrowserTest, QuoteThresholdIsConfigurable) {
  const std::string typo = "WAL is significantly fastr in most scenarios.";
  BrowserOptions strict_options;
  strict_options.quote_threshold = 1.0;
  auto strict = Make(strict_options);
  Do(*strict, OpenUrl(PageUrl("wal.html")));
  Refused(*strict, WithText(Kind::kQuote, typo), StatusCode::kFailedPrecondition,
          "at least 1.00 needed");
  auto loose = Make();
  Do(*loose, OpenUrl(PageUrl("wal.html")));
  Json q = Do(*loose, WithText(Kind::kQuote, typo));
  EXPECT_EQ(q["quote"]["text"], "WAL is significantly faster in most scenarios.");
}

TEST_F(BrowserTest, PageTextAndViewportLimits) {
  BrowserOptions options;
  options.viewport_chars = 100;
  options.max_page_text_bytes = 2000;
  auto b = Make(options);
  Json page = Do(*b, OpenUrl(PageUrl("wal.html")));
  EXPECT_TRUE(page["truncated"].get<bool>());
  EXPECT_LE(page["length"].get<std::size_t>(), 2000u);
  // Clamped up to the smallest viewport.
  EXPECT_EQ(b->options().viewport_chars, BrowserOptions::kMinViewportChars);
  EXPECT_LE(page["end"].get<std::size_t>(), BrowserOptions::kMinViewportChars);
  EXPECT_GT(page["end"].get<std::size_t>(), BrowserOptions::kMinViewportChars / 2);
  auto obs = b->Act(Action(Kind::kScrollDown), Deadline());
  ASSERT_TRUE(obs.ok());
  EXPECT_TRUE(Contains(obs->text, "the page's text was cut at")) << obs->text;

  BrowserOptions wide_options;
  wide_options.viewport_chars = 100'000;
  auto wide = Make(wide_options);
  Json big = Do(*wide, OpenUrl(PageUrl("wal.html")));
  EXPECT_EQ(wide->options().viewport_chars, BrowserOptions::kMaxViewportChars);
  EXPECT_LE(big["end"].get<std::size_t>(), BrowserOptions::kMaxViewportChars);
  EXPECT_GT(big["end"].get<std::size_t>(), BrowserOptions::kMaxViewportChars / 2);
}

TEST_F(BrowserTest, SearchResultCountAndScreens) {
  BrowserOptions options;
  options.search_results = 4;
  auto b = Make(options);
  Json r = Do(*b, Search(kWalQuery));
  ASSERT_EQ(r["results"].size(), 4u);
  Json next = Do(*b, Action(Kind::kScrollDown));
  EXPECT_EQ(next["first"], 4);
  EXPECT_EQ(next["last"], 4);
  EXPECT_FALSE(Allows(next, "scroll_down"));
  auto k2 = b->Search(kWalQuery, 2, Deadline());
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(k2->data["results"].size(), 2u);
  EXPECT_TRUE(Contains(k2->text, "results 1–2 of 2"));
  EXPECT_TRUE(Contains(k2->text, "open {result: 1–2} or {url}"));
  Json none = Do(*b, Search("zzzqqqxxy"));
  EXPECT_TRUE(none["results"].empty());
  Refused(*b, OpenResult(1), StatusCode::kFailedPrecondition, "no search results");
}

}  // namespace
}  // namespace sextant::toolserver::web
