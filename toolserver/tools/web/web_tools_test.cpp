// web_search and web_browse as Tools: their schemas (checked with the JSON
// Schema validator the server uses), per-session browsers with their limits,
// and errors. Real pages from the sqlite3-doc site on 127.0.0.1, a real
// local index and a real Fetcher.
#include "toolserver/tools/web/web_tools.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/json_schema.h"
#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"
#include "toolserver/tools/web/index_sources.h"
#include "toolserver/tools/web/search_index.h"
#include "toolserver/tools/web/sqlite_doc_queries.h"
#include "toolserver/tools/web/web_test_util.h"

namespace sextant::toolserver::web {
namespace {

namespace fs = std::filesystem;
using sextant::testing::Contains;
using sextant::testing::TempDir;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kPages[] = {"wal.html",  "lang_vacuum.html", "json1.html",
                                  "fts5.html", "pragma.html",      "atomiccommit.html"};

class WebToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kSqliteDocDir)) GTEST_SKIP() << kSqliteDocDir << " is absent";
    const fs::path site = dir_.path() / "site";
    fs::create_directories(site);
    for (const char* page : kPages) fs::copy_file(fs::path(kSqliteDocDir) / page, site / page);
    auto server = sextant::testing::LoopbackHttpServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    testing::ServeDirectory(*server_, "/doc", site);
    auto index = SearchIndex::Open(dir_.path() / "index.sqlite");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    ASSERT_TRUE(IndexDirectory(*index_, site, server_->Url("/doc")).ok());
    backend_ = MakeLocalSearchBackend(*index_);
    FetchOptions fetch;
    fetch.allow_addresses = {"127.0.0.1"};
    auto fetcher = Fetcher::Create(fetch);
    ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
    fetcher_ = std::move(fetcher).value();
  }

  void Make(const WebToolOptions& options = {}) {
    tools_ = MakeWebTools(*backend_, *fetcher_, options);
    ASSERT_EQ(tools_.size(), 2u);
    for (auto& tool : tools_) {
      auto schema = JsonSchema::Compile(tool->spec().parameters);
      ASSERT_TRUE(schema.ok()) << tool->spec().name << ": " << schema.status().ToString();
      schemas_.push_back(std::move(schema).value());
    }
  }

  Tool& search() { return *tools_[0]; }
  Tool& browse() { return *tools_[1]; }
  const JsonSchema& search_schema() { return schemas_[0]; }
  const JsonSchema& browse_schema() { return schemas_[1]; }

  static ToolContext Context(const std::string& session,
                             milliseconds timeout = milliseconds(30000)) {
    ToolContext c;
    c.session_id = session;
    c.deadline = steady_clock::now() + timeout;
    return c;
  }

  // A call that must pass the schema and succeed.
  ToolOutput Call(Tool& tool, const std::string& session, const Json& args) {
    const JsonSchema& schema = &tool == tools_[0].get() ? schemas_[0] : schemas_[1];
    EXPECT_TRUE(schema.IsValid(args)) << args.dump();
    auto out = tool.Call(Context(session), args);
    EXPECT_TRUE(out.ok()) << args.dump() << ": " << out.status().ToString();
    return out.ok() ? *out : ToolOutput{};
  }

  Status Fails(Tool& tool, const std::string& session, const Json& args) {
    auto out = tool.Call(Context(session), args);
    EXPECT_FALSE(out.ok()) << args.dump() << " succeeded";
    return out.ok() ? Status::Ok() : out.status();
  }

  // The first schema error's pointer, or "valid".
  static std::string Pointer(const JsonSchema& schema, const Json& args) {
    auto errors = schema.Validate(args);
    return errors.empty() ? "valid" : errors.front().instance_location;
  }
  static std::string Messages(const JsonSchema& schema, const Json& args) {
    return schema.Check(args, "arguments").ToString();
  }

  std::string Url(const std::string& page) { return server_->Url("/doc/" + page); }

  TempDir dir_;
  std::unique_ptr<sextant::testing::LoopbackHttpServer> server_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<SearchBackend> backend_;
  std::unique_ptr<Fetcher> fetcher_;
  std::vector<std::unique_ptr<Tool>> tools_;
  std::vector<JsonSchema> schemas_;
};

TEST_F(WebToolsTest, SearchThenBrowseTheResults) {
  Make();
  EXPECT_EQ(search().spec().name, "web_search");
  EXPECT_EQ(browse().spec().name, "web_browse");
  ToolOutput found = Call(search(), "s1", {{"query", "write-ahead log checkpoint"}});
  EXPECT_EQ(found.data["view"], "results");
  ASSERT_EQ(found.data["results"].size(), WebToolOptions::kDefaultSearchK);
  EXPECT_TRUE(Contains(found.content, "results 1–3 of 3")) << found.content;
  EXPECT_TRUE(Contains(found.content, "Actions now: search {query}; open {result: 1–3} or {url}"))
      << found.content;
  std::size_t wal = 0;
  for (const Json& r : found.data["results"]) {
    if (r["url"] == Url("wal.html")) wal = r["n"];
  }
  ASSERT_GE(wal, 1u);
  // The search is the session's: web_browse opens its results.
  ToolOutput page = Call(browse(), "s1", {{"action", "open"}, {"result", wal}});
  EXPECT_EQ(page.data["url"], Url("wal.html"));
  EXPECT_TRUE(Contains(page.content, "Page: Write-Ahead Logging\nURL: " + Url("wal.html")));
  EXPECT_TRUE(Contains(page.content, "[chars 1–")) << page.content;
  ToolOutput q =
      Call(browse(), "s1",
           {{"action", "quote"}, {"text", "WAL is significantly faster in most scenarios"}});
  EXPECT_EQ(q.data["quote"]["text"], "WAL is significantly faster in most scenarios.");
  ToolOutput done = Call(browse(), "s1", {{"action", "finish"}});
  EXPECT_TRUE(Contains(done.content, "[1] " + Url("wal.html") + " \u2014 Write-Ahead Logging"));

  ToolOutput five = Call(search(), "s1", {{"query", "database"}, {"k", 5}});
  EXPECT_EQ(five.data["results"].size(), 5u);
  EXPECT_EQ(five.data["last"], 3);
}

TEST_F(WebToolsTest, SessionsHaveTheirOwnBrowsers) {
  Make();
  Call(browse(), "a", {{"action", "open"}, {"url", Url("wal.html")}});
  Call(browse(), "b", {{"action", "open"}, {"url", Url("json1.html")}});
  ToolOutput a = Call(browse(), "a", {{"action", "scroll_down"}});
  EXPECT_EQ(a.data["url"], Url("wal.html"));
  EXPECT_EQ(a.data["history"], 1);
  Status c = Fails(browse(), "c", {{"action", "scroll_down"}});
  EXPECT_EQ(c.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(c.message(), "no page is open")) << c.ToString();
  // b's search results are b's alone.
  Call(search(), "b", {{"query", "json"}});
  Status open = Fails(browse(), "a", {{"action", "open"}, {"result", 1}});
  EXPECT_TRUE(Contains(open.message(), "no search results")) << open.ToString();
}

TEST_F(WebToolsTest, LeastRecentlyUsedSessionIsDroppedOverTheCap) {
  WebToolOptions options;
  options.max_sessions = 2;
  Make(options);
  Call(browse(), "a", {{"action", "open"}, {"url", Url("wal.html")}});
  Call(browse(), "b", {{"action", "open"}, {"url", Url("wal.html")}});
  Call(browse(), "a", {{"action", "scroll_down"}});  // b is now the least recent
  Call(browse(), "c", {{"action", "open"}, {"url", Url("wal.html")}});
  Call(browse(), "a", {{"action", "scroll_down"}});
  Status b = Fails(browse(), "b", {{"action", "scroll_down"}});
  EXPECT_TRUE(Contains(b.message(), "no page is open")) << b.ToString();
}

TEST_F(WebToolsTest, IdleSessionsAreDropped) {
  WebToolOptions options;
  options.session_idle = milliseconds(1);
  Make(options);
  Call(browse(), "a", {{"action", "open"}, {"url", Url("wal.html")}});
  std::this_thread::sleep_for(milliseconds(20));
  Status a = Fails(browse(), "a", {{"action", "scroll_down"}});
  EXPECT_TRUE(Contains(a.message(), "no page is open")) << a.ToString();
}

TEST_F(WebToolsTest, CallsOnOneSessionRunOneAtATime) {
  Make();
  // A page that takes a while: the first call holds the session's browser.
  server_->On("/slow.html", sextant::testing::ScriptedReply::Head(
                                200, {{"Content-Type", "text/html"}, {"Content-Length", "20"}})
                                .Pause(milliseconds(1500))
                                .Write("<p>slow page</p>\n\n\n\n"));
  std::atomic<bool> first_ok{false};
  std::thread first([&] {
    auto out =
        browse().Call(Context("a"), {{"action", "open"}, {"url", server_->Url("/slow.html")}});
    first_ok = out.ok();
  });
  ASSERT_TRUE(server_->WaitForRequests(1, milliseconds(10000)));
  auto blocked = browse().Call(Context("a", milliseconds(200)), {{"action", "finish"}});
  EXPECT_EQ(blocked.status().code(), StatusCode::kDeadlineExceeded);
  // Another session is not held up.
  auto other = browse().Call(Context("b", milliseconds(1000)), {{"action", "finish"}});
  EXPECT_TRUE(other.ok()) << other.status().ToString();
  first.join();
  EXPECT_TRUE(first_ok);
  // The slow page is a's now, and a's next call goes through.
  ToolOutput after = Call(browse(), "a", {{"action", "find"}, {"text", "slow"}});
  EXPECT_EQ(after.data["url"], server_->Url("/slow.html"));
}

TEST_F(WebToolsTest, SchemaEnforcesEachActionsArgument) {
  Make();
  const JsonSchema& s = browse_schema();
  EXPECT_EQ(Pointer(s, {{"action", "search"}, {"query", "wal"}}), "valid");
  EXPECT_EQ(Pointer(s, {{"action", "open"}, {"result", 2}}), "valid");
  EXPECT_EQ(Pointer(s, {{"action", "open"}, {"url", "http://a/"}}), "valid");
  EXPECT_EQ(Pointer(s, {{"action", "follow"}, {"link", 3}}), "valid");
  EXPECT_EQ(Pointer(s, {{"action", "find"}, {"text", "x"}}), "valid");
  EXPECT_EQ(Pointer(s, {{"action", "quote"}, {"text", "x"}}), "valid");
  for (const char* a : {"scroll_down", "scroll_up", "scroll_top", "go_back", "merge", "finish"}) {
    EXPECT_EQ(Pointer(s, {{"action", a}}), "valid") << a;
  }
  // Missing arguments: the whole object, naming the argument.
  EXPECT_EQ(Pointer(s, {{"action", "search"}}), "");
  EXPECT_TRUE(Contains(Messages(s, {{"action", "search"}}), "query"))
      << Messages(s, {{"action", "search"}});
  EXPECT_EQ(Pointer(s, {{"action", "follow"}}), "");
  EXPECT_EQ(Pointer(s, {{"action", "quote"}}), "");
  EXPECT_EQ(Pointer(s, {{"action", "find"}}), "");
  EXPECT_EQ(Pointer(s, {{"action", "open"}}), "");
  EXPECT_EQ(Pointer(s, {{"action", "open"}, {"result", 1}, {"url", "http://a/"}}), "");
  EXPECT_EQ(Pointer(s, Json::object()), "");
  // Wrong types and values.
  EXPECT_EQ(Pointer(s, {{"action", "open"}, {"result", "two"}}), "/result");
  EXPECT_EQ(Pointer(s, {{"action", "open"}, {"result", 0}}), "/result");
  EXPECT_EQ(Pointer(s, {{"action", "follow"}, {"link", 1.5}}), "/link");
  EXPECT_EQ(Pointer(s, {{"action", "jump"}}), "/action");
  EXPECT_EQ(Pointer(s, {{"action", 3}}), "/action");
  EXPECT_EQ(Pointer(s, {{"action", "quote"}, {"text", ""}}), "/text");
  EXPECT_NE(Pointer(s, {{"action", "finish"}, {"extra", 1}}), "valid");
  EXPECT_EQ(Pointer(s, {{"action", "quote"}, {"text", std::string(3000, 'x')}}), "/text");

  const JsonSchema& w = search_schema();
  EXPECT_EQ(Pointer(w, {{"query", "wal"}}), "valid");
  EXPECT_EQ(Pointer(w, {{"query", "wal"}, {"k", 10}}), "valid");
  EXPECT_EQ(Pointer(w, Json::object()), "");
  EXPECT_EQ(Pointer(w, {{"query", 5}}), "/query");
  EXPECT_EQ(Pointer(w, {{"query", "wal"}, {"k", 11}}), "/k");
  EXPECT_EQ(Pointer(w, {{"query", "wal"}, {"k", "3"}}), "/k");
  EXPECT_EQ(Pointer(w, {{"query", std::string(2000, 'q')}}), "/query");
}

TEST_F(WebToolsTest, WithoutTheSchemaBadArgumentsAreStillRefused) {
  WebToolOptions options;
  options.max_search_results = 4;
  options.max_query_bytes = 16;
  options.max_url_bytes = 32;
  Make(options);
  EXPECT_EQ(Fails(search(), "a", Json::object()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Fails(search(), "a", {{"query", 1}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Fails(search(), "a", {{"query", "wal"}, {"k", 5}}).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(Fails(search(), "a", {{"query", "wal"}, {"k", -1}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Fails(search(), "a", {{"query", std::string(17, 'q')}}).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(Fails(browse(), "a", {{"action", "search"}, {"query", std::string(17, 'q')}}).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(
      Fails(browse(), "a", {{"action", "open"}, {"url", "http://" + std::string(30, 'h')}}).code(),
      StatusCode::kResourceExhausted);
  Status unknown = Fails(browse(), "a", {{"action", "jump"}});
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(unknown.message(), "unknown action 'jump'; the actions are search, open"));
  EXPECT_EQ(Fails(browse(), "a", {{"action", "open"}, {"result", "1"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Fails(browse(), "a", {{"action", "search"}}).code(), StatusCode::kInvalidArgument);
  // Four is the most, and the schema says so too.
  EXPECT_EQ(search().spec().parameters["properties"]["k"]["maximum"], 4);
}

TEST(ParseBrowseActionTest, MalformedArguments) {
  EXPECT_FALSE(ParseBrowseAction(Json::array()).ok());
  EXPECT_FALSE(ParseBrowseAction(Json::object()).ok());
  EXPECT_FALSE(ParseBrowseAction({{"action", nullptr}}).ok());
  EXPECT_FALSE(ParseBrowseAction({{"action", "open"}, {"url", 7}}).ok());
  EXPECT_FALSE(ParseBrowseAction({{"action", "follow"}, {"link", 0}}).ok());
  EXPECT_FALSE(ParseBrowseAction({{"action", "follow"}, {"link", 2.5}}).ok());
  EXPECT_FALSE(ParseBrowseAction({{"action", "quote"}, {"text", Json::array()}}).ok());
  auto ok = ParseBrowseAction({{"action", "open"}, {"result", 3}, {"text", nullptr}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->kind, BrowseActionKind::kOpen);
  EXPECT_EQ(ok->result, 3u);
  EXPECT_TRUE(ok->text.empty());
}

TEST_F(WebToolsTest, ErrorsKeepTheirCodes) {
  Make();
  Status missing = Fails(browse(), "a", {{"action", "open"}, {"url", Url("absent.html")}});
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(missing.message(), "404")) << missing.ToString();
  EXPECT_EQ(Fails(browse(), "a", {{"action", "open"}, {"url", "http://169.254.169.254/"}}).code(),
            StatusCode::kPermissionDenied);
  auto down = MakeUnavailableSearchBackend("local", FailedPreconditionError("no index here"));
  auto tools = MakeWebTools(*down, *fetcher_, {});
  auto out = tools[0]->Call(Context("a"), {{"query", "wal"}});
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status().message(), "no index here");
  // Browsing by URL works all the same.
  auto page = tools[1]->Call(Context("a"), {{"action", "open"}, {"url", Url("wal.html")}});
  EXPECT_TRUE(page.ok()) << page.status().ToString();
}

}  // namespace
}  // namespace sextant::toolserver::web
