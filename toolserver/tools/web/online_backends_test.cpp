// The online search backends against a real HTTP server on 127.0.0.1 that
// answers with each service's documented JSON (tests/fixtures/web/):
// parsing, request shape, k clamping, Google paging and empty results.
#include "toolserver/tools/web/online_backends.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/redact.h"
#include "toolserver/tools/web/online_test_util.h"
#include "toolserver/tools/web/web_config.h"

namespace sextant::toolserver::web {
namespace {

using namespace online_test;  // NOLINT(google-build-using-namespace)
using sextant::testing::Contains;

constexpr std::string_view kAwkwardQuery = "café & crème/100%+ x=y";

TEST(SearxngBackendTest, ParsesResultsInOrderWithTheirScores) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_results.json")));
  auto backend = Searxng(*server);
  ASSERT_EQ(backend->name(), "searxng");
  auto results = backend->Search("sqlite write-ahead log", 10, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 4u);
  const SearchResult& first = (*results)[0];
  EXPECT_EQ(first.url, "https://www.sqlite.org/wal.html");
  EXPECT_EQ(first.title, "Write-Ahead Logging");
  EXPECT_TRUE(Contains(first.snippet, "a new \"Write-Ahead Log\" option is available."));
  EXPECT_DOUBLE_EQ(first.score, 9.0);
  // Line breaks and runs of blanks inside a snippet collapse to one space.
  EXPECT_EQ((*results)[1].title, "SQLite – Wikipedia");
  EXPECT_TRUE(Contains((*results)[1].snippet, "enthält. Sie unterstützt"));
  EXPECT_EQ((*results)[2].snippet, "");
  EXPECT_EQ((*results)[3].title, "SQLite - ウィキペディア");
  EXPECT_DOUBLE_EQ((*results)[3].score, 0.2);
  for (std::size_t i = 1; i < results->size(); ++i) {
    EXPECT_LT((*results)[i].score, (*results)[i - 1].score);
  }
}

TEST(SearxngBackendTest, KeepsAtMostKResults) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_results.json")));
  auto results = Searxng(*server)->Search("sqlite", 2, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[1].url, "https://de.wikipedia.org/wiki/SQLite");
}

TEST(SearxngBackendTest, SendsTheDocumentedRequest) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_empty.json")));
  SearxngOptions o;
  o.common = TestOptions();
  o.url = server->Url("/") + "/";  // trailing slashes are dropped
  o.categories = "general,science";
  o.language = "de-CH";
  o.safesearch = 2;
  auto backend = MakeSearxngBackend(o);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  auto results = (*backend)->Search(kAwkwardQuery, 5, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_TRUE(results->empty());

  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/search");
  EXPECT_TRUE(Contains(requests[0].target, "q=caf%C3%A9%20%26%20cr%C3%A8me%2F100%25%2B%20x%3Dy"))
      << requests[0].target;
  const auto query = QueryOf(requests[0]);
  EXPECT_EQ(query.at("q"), kAwkwardQuery);
  EXPECT_EQ(query.at("format"), "json");
  EXPECT_EQ(query.at("pageno"), "1");
  EXPECT_EQ(query.at("categories"), "general,science");
  EXPECT_EQ(query.at("language"), "de-CH");
  EXPECT_EQ(query.at("safesearch"), "2");
  EXPECT_EQ(requests[0].Header("Accept"), "application/json");
}

TEST(SearxngBackendTest, LeavesOptionalParametersOutByDefault) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_empty.json")));
  ASSERT_TRUE(Searxng(*server)->Search("x", 5, Later()).ok());
  const auto query = QueryOf(server->requests().at(0));
  EXPECT_EQ(query.size(), 3u);
  EXPECT_FALSE(query.contains("safesearch"));
  EXPECT_FALSE(query.contains("categories"));
}

TEST(BraveBackendTest, StripsMarkupAndDecodesEntities) {
  auto server = StartServer();
  server->On(std::string(kBravePath), JsonReply(200, Fixture("brave_results.json")));
  auto backend = Brave(server->Url(kBravePath));
  ASSERT_EQ(backend->name(), "brave");
  auto results = backend->Search("rust borrow checker", 10, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].url,
            "https://doc.rust-lang.org/book/ch04-02-references-and-borrowing.html");
  EXPECT_EQ((*results)[0].title, "References and Borrowing - The Rust Programming Language");
  EXPECT_EQ((*results)[0].snippet,
            "The borrow checker enforces these rules at compile time & rejects code that could "
            "race. Rust's references are \"borrowed\".");
  EXPECT_EQ((*results)[1].title, "Rustacean's guide: Borrow checking in 2024");
  EXPECT_EQ((*results)[1].snippet,
            "Why the checker says “cannot borrow as mutable” — and the Non‑Lexical Lifetimes "
            "fix…");
  EXPECT_EQ((*results)[2].snippet,
            "Le vérificateur d’emprunts (borrow checker) de Rust garantit la sûreté mémoire.");
  EXPECT_GT((*results)[0].score, (*results)[1].score);
  EXPECT_GT((*results)[1].score, (*results)[2].score);
}

TEST(BraveBackendTest, SendsTheKeyAsAHeaderAndClampsCount) {
  auto server = StartServer();
  server->On(std::string(kBravePath), JsonReply(200, Fixture("brave_results.json")));
  auto backend = Brave(server->Url(kBravePath));
  ASSERT_TRUE(backend->Search(kAwkwardQuery, 50, Later()).ok());
  ASSERT_TRUE(backend->Search("rust", 2, Later()).ok());

  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, kBravePath);
  EXPECT_EQ(requests[0].Header("X-Subscription-Token"), kBraveKey);
  EXPECT_EQ(requests[0].Header("Accept"), "application/json");
  EXPECT_FALSE(Contains(requests[0].target, "BSA-zebra"));
  const auto first = QueryOf(requests[0]);
  EXPECT_EQ(first.at("q"), kAwkwardQuery);
  EXPECT_EQ(first.at("count"), std::to_string(kBraveMaxCount));
  EXPECT_EQ(QueryOf(requests[1]).at("count"), "2");
}

TEST(BraveBackendTest, KeepsAtMostKEvenWhenTheServiceSendsMore) {
  auto server = StartServer();
  server->On(std::string(kBravePath), JsonReply(200, Fixture("brave_results.json")));
  auto results = Brave(server->Url(kBravePath))->Search("rust", 1, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 1u);
}

TEST(BraveBackendTest, RefusesQueriesOverBravesLimits) {
  auto server = StartServer();
  auto backend = Brave(server->Url(kBravePath));
  std::string long_query;
  for (std::size_t i = 0; i <= kBraveMaxQueryChars; ++i) long_query += "é";  // 401 characters
  EXPECT_EQ(backend->Search(long_query, 5, Later()).status().code(), StatusCode::kInvalidArgument);
  std::string many_words;
  for (std::size_t i = 0; i <= kBraveMaxQueryWords; ++i) many_words += "w ";
  EXPECT_EQ(backend->Search(many_words, 5, Later()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server->requests().empty());
}

TEST(GoogleBackendTest, ParsesOnePage) {
  auto server = StartServer();
  server->On(std::string(kGooglePath), JsonReply(200, Fixture("google_page1.json")));
  auto backend = Google(server->Url(kGooglePath));
  ASSERT_EQ(backend->name(), "google");
  auto results = backend->Search("lectures", 10, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 10u);
  EXPECT_EQ((*results)[0].title, "Physics lectures | MIT OpenCourseWare");
  EXPECT_EQ((*results)[0].url, "https://ocw.mit.edu/courses/8-01sc-classical-mechanics-fall-2016/");
  EXPECT_EQ((*results)[0].snippet,
            "Free physics lectures from MIT OpenCourseWare. Video, notes and problem sets ...");
  EXPECT_EQ((*results)[5].title, "量子力学 lectures | 東京大学");
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto query = QueryOf(requests[0]);
  EXPECT_EQ(query.at("key"), kGoogleKey);
  EXPECT_EQ(query.at("cx"), kGoogleCx);
  EXPECT_EQ(query.at("q"), "lectures");
  EXPECT_EQ(query.at("num"), "10");
  EXPECT_FALSE(query.contains("start"));
  EXPECT_EQ(requests[0].Header("Accept"), "application/json");
}

TEST(GoogleBackendTest, SendsSmallKAsNum) {
  auto server = StartServer();
  server->On(std::string(kGooglePath), JsonReply(200, Fixture("google_page1.json")));
  auto results = Google(server->Url(kGooglePath))->Search(kAwkwardQuery, 4, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 4u);
  const auto query = QueryOf(server->requests().at(0));
  EXPECT_EQ(query.at("num"), "4");
  EXPECT_EQ(query.at("q"), kAwkwardQuery);
}

// The n-th request (from 1) gets page1 or page2.
LoopbackHttpServer::Handler TwoPages() {
  return [](const ReceivedRequest& request) {
    const auto query = QueryOf(request);
    const bool second = query.contains("start") && query.at("start") == "11";
    return JsonReply(200, Fixture(second ? "google_page2.json" : "google_page1.json"));
  };
}

TEST(GoogleBackendTest, PagesPastTenAndStopsAtTheLastPage) {
  auto server = StartServer();
  server->Handle(std::string(kGooglePath), TwoPages());
  auto results = Google(server->Url(kGooglePath))->Search("lectures", 30, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 13u);
  EXPECT_EQ((*results)[10].title, "Compilers lectures | Stanford CS143");
  EXPECT_EQ((*results)[12].url, "https://oyc.yale.edu/music/musi-112/lectures");
  for (std::size_t i = 1; i < results->size(); ++i) {
    EXPECT_LT((*results)[i].score, (*results)[i - 1].score);
  }
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(QueryOf(requests[0]).at("num"), "10");
  EXPECT_EQ(QueryOf(requests[1]).at("start"), "11");
  EXPECT_EQ(QueryOf(requests[1]).at("num"), "10");
}

TEST(GoogleBackendTest, AsksTheSecondPageOnlyForWhatIsMissing) {
  auto server = StartServer();
  server->Handle(std::string(kGooglePath), TwoPages());
  auto results = Google(server->Url(kGooglePath))->Search("lectures", 12, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 12u);
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(QueryOf(requests[1]).at("num"), "2");
}

// Full pages of synthetic results for any start, always with a next page.
ScriptedReply EndlessPage(const ReceivedRequest& request) {
  const auto query = QueryOf(request);
  const int start = query.contains("start") ? std::stoi(query.at("start")) : 1;
  const int num = std::stoi(query.at("num"));
  Json items = Json::array();
  for (int i = 0; i < num; ++i) {
    const std::string n = std::to_string(start + i);
    items.push_back({{"title", "Result " + n},
                     {"link", "https://example.org/r/" + n},
                     {"snippet", "Snippet " + n}});
  }
  Json page = {
      {"kind", "customsearch#search"},
      {"queries", {{"request", Json::array()}, {"nextPage", Json::array({Json::object()})}}},
      {"items", items}};
  return JsonReply(200, DumpJson(page));
}

TEST(GoogleBackendTest, ClampsKToTheHundredResultLimit) {
  auto server = StartServer();
  server->Handle(std::string(kGooglePath), EndlessPage);
  auto results = Google(server->Url(kGooglePath))->Search("many", 500, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  // start + num may not pass 100: pages start at 1, 11, ..., 91 (num 9).
  ASSERT_EQ(results->size(), 99u);
  EXPECT_EQ(results->back().url, "https://example.org/r/99");
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 10u);
  EXPECT_EQ(QueryOf(requests.back()).at("start"), "91");
  EXPECT_EQ(QueryOf(requests.back()).at("num"), "9");
}

TEST(GoogleBackendTest, DropsResultsRepeatedOnALaterPage) {
  auto server = StartServer();
  server->Handle(std::string(kGooglePath), [](const ReceivedRequest& request) {
    if (!QueryOf(request).contains("start")) return JsonReply(200, Fixture("google_page1.json"));
    Json page = Json::parse(Fixture("google_page2.json"));
    page["items"][1]["link"] = "https://www.feynmanlectures.caltech.edu/";  // on page 1 too
    return JsonReply(200, DumpJson(page));
  });
  auto results = Google(server->Url(kGooglePath))->Search("lectures", 20, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 12u);
  int feynman = 0;
  for (const SearchResult& r : *results)
    feynman += r.url == "https://www.feynmanlectures.caltech.edu/";
  EXPECT_EQ(feynman, 1);
}

TEST(OnlineBackendsTest, EmptyResultsAreNotErrors) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_empty.json")));
  server->On(std::string(kBravePath), JsonReply(200, Fixture("brave_empty.json")));
  server->On(std::string(kGooglePath), JsonReply(200, Fixture("google_empty.json")));
  const std::unique_ptr<SearchBackend> backends[] = {
      Searxng(*server), Brave(server->Url(kBravePath)), Google(server->Url(kGooglePath))};
  for (const auto& backend : backends) {
    auto results = backend->Search("zzqxv nothing matches this", 10, Later());
    ASSERT_TRUE(results.ok()) << backend->name() << ": " << results.status().ToString();
    EXPECT_TRUE(results->empty()) << backend->name();
  }
  EXPECT_EQ(server->requests().size(), 3u);
}

TEST(OnlineBackendsTest, ZeroKAndBadQueriesSendNothing) {
  auto server = StartServer();
  OnlineSearchOptions options = TestOptions();
  options.max_query_bytes = 16;
  const std::unique_ptr<SearchBackend> backends[] = {Searxng(*server, options),
                                                     Brave(server->Url(kBravePath), options),
                                                     Google(server->Url(kGooglePath), options)};
  for (const auto& backend : backends) {
    auto none = backend->Search("fine", 0, Later());
    ASSERT_TRUE(none.ok()) << backend->name() << ": " << none.status().ToString();
    EXPECT_TRUE(none->empty());
    EXPECT_EQ(backend->Search(" \t\n", 5, Later()).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->Search("", 5, Later()).status().code(), StatusCode::kInvalidArgument);
    const Status long_query = backend->Search("seventeen bytes!!", 5, Later()).status();
    EXPECT_EQ(long_query.code(), StatusCode::kInvalidArgument) << backend->name();
    EXPECT_TRUE(Contains(long_query.message(), "16")) << long_query.ToString();
    EXPECT_TRUE(backend->Search("sixteen bytes!!!", 0, Later()).ok());
  }
  EXPECT_TRUE(server->requests().empty());
}

TEST(OnlineBackendsTest, FactoriesNameTheMissingSetting) {
  SearxngOptions searxng;
  auto s = MakeSearxngBackend(searxng);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.status().message(), "web.searxng_url")) << s.status().ToString();

  BraveOptions brave;
  auto b = MakeBraveBackend(brave);
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(b.status().message(), "web.brave_api_key")) << b.status().ToString();

  GoogleOptions google;
  google.cx = "cx";
  auto g = MakeGoogleBackend(google);
  EXPECT_TRUE(Contains(g.status().message(), "web.google_api_key")) << g.status().ToString();
  google.cx.clear();
  google.api_key = "some-key-value";
  g = MakeGoogleBackend(google);
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(g.status().message(), "web.google_cx")) << g.status().ToString();
}

TEST(OnlineBackendsTest, FactoriesRefuseBadUrlsAndOptions) {
  SearxngOptions o;
  o.url = "ftp://example.org";
  EXPECT_TRUE(Contains(MakeSearxngBackend(o).status().message(), "web.searxng_url"));
  o.url = "http://example.org/?token=abc";
  EXPECT_EQ(MakeSearxngBackend(o).status().code(), StatusCode::kInvalidArgument);
  o.url = "http://example.org";
  o.safesearch = 3;
  EXPECT_EQ(MakeSearxngBackend(o).status().code(), StatusCode::kInvalidArgument);
  o.safesearch = -1;
  o.common.timeout_ms = 0;
  EXPECT_EQ(MakeSearxngBackend(o).status().code(), StatusCode::kInvalidArgument);
  o.common.timeout_ms = 1000;
  o.common.min_interval_ms = -1;
  EXPECT_EQ(MakeSearxngBackend(o).status().code(), StatusCode::kInvalidArgument);
  o.common.min_interval_ms = 0;
  EXPECT_TRUE(MakeSearxngBackend(o).ok());

  BraveOptions b;
  b.api_key = "brave-key-value";
  b.url = "";
  EXPECT_TRUE(Contains(MakeBraveBackend(b).status().message(), "web.brave_url"));
  GoogleOptions g;
  g.api_key = "google-key-value";
  g.cx = "cx";
  g.url = "https://www.googleapis.com/customsearch/v1?alt=json";
  EXPECT_TRUE(Contains(MakeGoogleBackend(g).status().message(), "web.google_url"));
}

TEST(OnlineBackendsTest, KeysJoinTheRedactionListWhenABackendIsMade) {
  // Unique per run: the process-wide list only grows.
  const std::string key =
      "brave-registration-key-" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  EXPECT_TRUE(Contains(RedactText("token " + key), key));
  BraveOptions b;
  b.api_key = key;
  ASSERT_TRUE(MakeBraveBackend(b).ok());
  EXPECT_FALSE(Contains(RedactText("token " + key), key));
}

Result<Config> WebConfig(std::map<std::string, std::string> env) {
  ConfigRegistry registry;
  DeclareWebConfig(registry);
  ConfigSources sources;
  sources.env = std::move(env);
  return LoadConfig(registry, sources);
}

TEST(OnlineBackendsConfigTest, BuildsTheConfiguredBackend) {
  auto server = StartServer();
  server->On(std::string(kBravePath), JsonReply(200, Fixture("brave_results.json")));
  auto config = WebConfig({{"SEXTANT_WEB_SEARCH_BACKEND", "brave"},
                           {"SEXTANT_WEB_BRAVE_URL", server->Url(kBravePath)},
                           {"SEXTANT_WEB_BRAVE_API_KEY", std::string(kBraveKey)},
                           {"SEXTANT_WEB_SEARCH_MIN_INTERVAL_MS", "0"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto backend = MakeOnlineSearchBackend(*config);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  EXPECT_EQ((*backend)->name(), "brave");
  auto results = (*backend)->Search("rust", 3, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 3u);
  EXPECT_EQ(server->requests().at(0).Header("X-Subscription-Token"), kBraveKey);
  // The key is secret: shown masked.
  for (const ConfigEntry& entry : config->Entries()) {
    if (entry.key == "web.brave_api_key") {
      EXPECT_EQ(entry.value, "***");
    }
  }
}

TEST(OnlineBackendsConfigTest, DefaultsAndErrors) {
  auto config = WebConfig({});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("web.search_backend"), "local");
  EXPECT_EQ(config->GetString("web.brave_url"), kBraveDefaultUrl);
  EXPECT_EQ(config->GetString("web.google_url"), kGoogleDefaultUrl);
  auto local = MakeOnlineSearchBackend(*config);
  EXPECT_EQ(local.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(local.status().message(), "local")) << local.status().ToString();

  const std::pair<std::string, std::string> missing[] = {{"searxng", "web.searxng_url"},
                                                         {"brave", "web.brave_api_key"},
                                                         {"google", "web.google_api_key"}};
  for (const auto& [name, key] : missing) {
    auto c = WebConfig({{"SEXTANT_WEB_SEARCH_BACKEND", name}});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto backend = MakeOnlineSearchBackend(*c);
    EXPECT_EQ(backend.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(Contains(backend.status().message(), key)) << backend.status().ToString();
  }
  auto google = WebConfig({{"SEXTANT_WEB_SEARCH_BACKEND", "google"},
                           {"SEXTANT_WEB_GOOGLE_API_KEY", "google-config-key-1"}});
  ASSERT_TRUE(google.ok());
  EXPECT_TRUE(Contains(MakeOnlineSearchBackend(*google).status().message(), "web.google_cx"));
  EXPECT_FALSE(WebConfig({{"SEXTANT_WEB_SEARCH_BACKEND", "bing"}}).ok());
  EXPECT_FALSE(WebConfig({{"SEXTANT_WEB_SEARCH_MIN_INTERVAL_MS", "-1"}}).ok());
}

}  // namespace
}  // namespace sextant::toolserver::web
