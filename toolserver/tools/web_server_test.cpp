// web_search and web_browse through a real `sextant toolserver` process over
// HTTP, configured with --set web.*: a local index built here over pages of
// the sqlite3-doc site, which a loopback server in this process serves.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"
#include "toolserver/client.h"
#include "toolserver/server_process_test_util.h"
#include "toolserver/tools/web/index_sources.h"
#include "toolserver/tools/web/search_index.h"
#include "toolserver/tools/web/sqlite_doc_queries.h"
#include "toolserver/tools/web/web_test_util.h"

namespace sextant::toolserver {
namespace {

namespace fs = std::filesystem;
using sextant::testing::Contains;
using sextant::testing::TempDir;
using std::chrono::milliseconds;
using testing::ServerProcess;

constexpr char kToken[] = "web-tools-token-3";
constexpr const char* kPages[] = {"wal.html", "lang_vacuum.html", "json1.html", "pragma.html"};

class WebToolsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(web::kSqliteDocDir)) GTEST_SKIP() << web::kSqliteDocDir << " is absent";
    const fs::path site = tmp_.path() / "site";
    fs::create_directories(site);
    for (const char* page : kPages) {
      fs::copy_file(fs::path(web::kSqliteDocDir) / page, site / page);
    }
    auto pages = sextant::testing::LoopbackHttpServer::Start();
    ASSERT_TRUE(pages.ok()) << pages.status().ToString();
    pages_ = std::move(pages).value();
    web::testing::ServeDirectory(*pages_, "/doc", site);
    index_path_ = tmp_.path() / "index.sqlite";
    auto index = web::SearchIndex::Open(index_path_);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    ASSERT_TRUE(web::IndexDirectory(**index, site, pages_->Url("/doc")).ok());
  }

  std::unique_ptr<ServerProcess> Start(std::vector<std::string> sets = {}) {
    sets.insert(sets.begin(), {"web.search_backend=local", "web.index_path=" + index_path_.string(),
                               "web.allow_addresses=127.0.0.1"});
    return std::make_unique<ServerProcess>(tmp_.path(), kToken, sets);
  }

  static CallResult Run(const ToolServerClient& client, const std::string& session,
                        const std::string& name, const Json& args) {
    auto r = client.Call(session, name, args,
                         std::chrono::steady_clock::now() + std::chrono::seconds(30));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CallResult{};
  }

  std::string Url(const std::string& page) const { return pages_->Url("/doc/" + page); }

  TempDir tmp_;
  std::unique_ptr<sextant::testing::LoopbackHttpServer> pages_;
  fs::path index_path_;
};

TEST_F(WebToolsServerTest, SearchAndBrowsePerSessionWithConfiguredLimits) {
  auto server = Start({"web.viewport_chars=600", "web.max_quotes=1", "web.search_max_results=4"});
  ASSERT_FALSE(server->url().empty()) << "the server did not start";
  ToolServerClient client(ClientOptions{server->url(), kToken, {}, milliseconds(5000)});
  auto tools = client.ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status().ToString();
  std::vector<std::string> names;
  for (const ToolSpec& t : *tools) names.push_back(t.name);
  for (const char* name : {"web_search", "web_browse"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  auto a = client.OpenSession();
  auto b = client.OpenSession();
  ASSERT_TRUE(a.ok() && b.ok());

  CallResult found = Run(client, *a, "web_search", {{"query", "write-ahead log"}});
  ASSERT_TRUE(found.ok) << found.error_message;
  EXPECT_EQ(found.data["results"][0]["url"], Url("wal.html"));
  EXPECT_TRUE(Contains(found.content, "[1] Write-Ahead Logging")) << found.content;
  CallResult page = Run(client, *a, "web_browse", {{"action", "open"}, {"result", 1}});
  ASSERT_TRUE(page.ok) << page.error_message;
  EXPECT_EQ(page.data["title"], "Write-Ahead Logging");
  EXPECT_LE(page.data["end"].get<int>(), 600);
  EXPECT_TRUE(Contains(page.content, "Actions now: ")) << page.content;

  // b has no page; a's stays where it is.
  CallResult other = Run(client, *b, "web_browse", {{"action", "scroll_down"}});
  EXPECT_FALSE(other.ok);
  EXPECT_EQ(other.error_code, "failed_precondition");
  EXPECT_TRUE(Contains(other.error_message, "no page is open")) << other.error_message;
  CallResult down = Run(client, *a, "web_browse", {{"action", "scroll_down"}});
  ASSERT_TRUE(down.ok) << down.error_message;
  EXPECT_GT(down.data["start"].get<int>(), page.data["end"].get<int>());

  CallResult quote =
      Run(client, *a, "web_browse",
          {{"action", "quote"}, {"text", "WAL is significantly faster in most scenarios."}});
  ASSERT_TRUE(quote.ok) << quote.error_message;
  CallResult second =
      Run(client, *a, "web_browse",
          {{"action", "quote"}, {"text", "Reading and writing can proceed concurrently."}});
  EXPECT_EQ(second.error_code, "resource_exhausted");

  // The schema is checked before the call: each action's argument, types, k.
  CallResult no_query = Run(client, *a, "web_browse", {{"action", "search"}});
  EXPECT_EQ(no_query.error_code, "invalid_arguments");
  EXPECT_EQ(no_query.error.value("pointer", "?"), "");
  EXPECT_TRUE(Contains(no_query.error_message, "query")) << no_query.error_message;
  CallResult bad_type = Run(client, *a, "web_browse", {{"action", "open"}, {"result", "one"}});
  EXPECT_EQ(bad_type.error_code, "invalid_arguments");
  EXPECT_EQ(bad_type.error.value("pointer", ""), "/result");
  CallResult big_k = Run(client, *a, "web_search", {{"query", "wal"}, {"k", 5}});
  EXPECT_EQ(big_k.error_code, "invalid_arguments");
  EXPECT_EQ(big_k.error.value("pointer", ""), "/k");

  CallResult done = Run(client, *a, "web_browse", {{"action", "finish"}});
  ASSERT_TRUE(done.ok) << done.error_message;
  EXPECT_TRUE(Contains(done.content, "[1] " + Url("wal.html") + " \u2014 Write-Ahead Logging"))
      << done.content;
  EXPECT_TRUE(client.CloseSession(*a).ok());
  EXPECT_TRUE(client.CloseSession(*b).ok());
}

TEST_F(WebToolsServerTest, ToolsOffServesNeither) {
  auto server = Start({"web.tools=false"});
  ASSERT_FALSE(server->url().empty()) << "the server did not start";
  ToolServerClient client(ClientOptions{server->url(), kToken, {}, milliseconds(5000)});
  auto session = client.OpenSession();
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(Run(client, *session, "web_search", {{"query", "wal"}}).error_code, "unknown_tool");
  EXPECT_EQ(Run(client, *session, "web_browse", {{"action", "finish"}}).error_code, "unknown_tool");
}

TEST_F(WebToolsServerTest, MissingIndexStillBrowsesByUrl) {
  const fs::path absent = tmp_.path() / "absent.sqlite";
  ServerProcess server(tmp_.path(), kToken,
                       {"web.index_path=" + absent.string(), "web.allow_addresses=127.0.0.1"});
  ASSERT_FALSE(server.url().empty()) << "the server did not start";
  ToolServerClient client(ClientOptions{server.url(), kToken, {}, milliseconds(5000)});
  auto session = client.OpenSession();
  ASSERT_TRUE(session.ok());
  CallResult search = Run(client, *session, "web_search", {{"query", "wal"}});
  EXPECT_EQ(search.error_code, "failed_precondition");
  EXPECT_TRUE(Contains(search.error_message, "sextant index add")) << search.error_message;
  CallResult page =
      Run(client, *session, "web_browse", {{"action", "open"}, {"url", Url("json1.html")}});
  EXPECT_TRUE(page.ok) << page.error_message;
  EXPECT_FALSE(fs::exists(absent));
}

TEST_F(WebToolsServerTest, ABadWebSettingStopsTheServer) {
  ServerProcess server(tmp_.path(), kToken, {"web.allow_addresses=not-an-address"});
  EXPECT_TRUE(server.url().empty());
  EXPECT_EQ(server.Wait(), 1);
}

}  // namespace
}  // namespace sextant::toolserver
