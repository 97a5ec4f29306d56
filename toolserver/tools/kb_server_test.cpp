// The kb_* tools through a real `sextant toolserver` process over HTTP,
// configured with --set toolserver.kb_path=... and the other kb keys.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "knowledge/knowledge_base.h"
#include "toolserver/client.h"
#include "toolserver/server_process_test_util.h"

namespace sextant::toolserver {
namespace {

namespace fs = std::filesystem;
using sextant::testing::Contains;
using sextant::testing::TempDir;
using sextant::testing::WriteFile;
using std::chrono::milliseconds;

constexpr char kToken[] = "kb-tools-token-7";
constexpr int kMaxResults = 2;

using sextant::toolserver::testing::ServerProcess;

class KbToolsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kb_path_ = tmp_.path() / "kb.sqlite";
    auto kb = knowledge::KnowledgeBase::Open(kb_path_);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    for (const char* s : {"Paris", "Lyon", "Nice"}) {
      ASSERT_TRUE((*kb)->AddTriple({s, "located_in", "France", "seed", 1.0}).ok());
    }
    ASSERT_TRUE((*kb)->AddTriple({"Paris", "capital_of", "France", "seed", 1.0}).ok());
    ASSERT_TRUE((*kb)->SetRelationFunctional("capital_of", true).ok());
  }
  std::unique_ptr<ServerProcess> Start(bool allow_add) {
    return std::make_unique<ServerProcess>(
        tmp_.path(), kToken,
        std::vector<std::string>{
            "toolserver.kb_path=" + kb_path_.string(),
            std::string("toolserver.kb_allow_add=") + (allow_add ? "true" : "false"),
            "toolserver.kb_max_results=" + std::to_string(kMaxResults)});
  }
  static CallResult Run(const ToolServerClient& client, const std::string& session,
                        const std::string& name, const Json& args) {
    auto r = client.Call(session, name, args,
                         std::chrono::steady_clock::now() + std::chrono::seconds(20));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CallResult{};
  }

  TempDir tmp_;
  fs::path kb_path_;
};

TEST_F(KbToolsServerTest, ServesTheToolsWithLimitsAndProvenance) {
  auto server = Start(true);
  ASSERT_FALSE(server->url().empty()) << "the server did not start";
  ToolServerClient client(ClientOptions{server->url(), kToken, {}, milliseconds(5000)});
  auto tools = client.ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status().ToString();
  std::vector<std::string> names;
  for (const ToolSpec& t : *tools) names.push_back(t.name);
  for (const char* name : {"kb_query", "kb_search", "kb_verify", "kb_add"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  auto session = client.OpenSession();
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  CallResult verify =
      Run(client, *session, "kb_verify",
          {{"triples", {{"Paris", "capital of", "France"}, {"Lyon", "capital_of", "France"}}}});
  ASSERT_TRUE(verify.ok) << verify.error_message;
  EXPECT_EQ(verify.data["results"][0]["verdict"], "supported");
  EXPECT_TRUE(Contains(verify.content, "supported"));

  CallResult at =
      Run(client, *session, "kb_query", {{"relation", "located_in"}, {"limit", kMaxResults}});
  ASSERT_TRUE(at.ok) << at.error_message;
  EXPECT_EQ(at.data["count"], kMaxResults);
  EXPECT_TRUE(at.data["truncated"].get<bool>());
  CallResult over =
      Run(client, *session, "kb_query", {{"relation", "located_in"}, {"limit", kMaxResults + 1}});
  EXPECT_FALSE(over.ok);
  EXPECT_EQ(over.error_code, "invalid_arguments");
  EXPECT_EQ(over.error.value("pointer", ""), "/limit");

  CallResult malformed = Run(client, *session, "kb_verify",
                             {{"triples", Json::array({Json::array({"Paris", "France"})})}});
  EXPECT_EQ(malformed.error_code, "invalid_arguments");
  CallResult no_part = Run(client, *session, "kb_query", Json::object());
  EXPECT_EQ(no_part.error_code, "invalid_argument");
  CallResult no_source = Run(client, *session, "kb_add", {{"triples", {{"a", "b", "c"}}}});
  EXPECT_EQ(no_source.error_code, "invalid_arguments");

  CallResult search = Run(client, *session, "kb_search", {{"text", "Nice France"}});
  ASSERT_TRUE(search.ok) << search.error_message;
  EXPECT_EQ(search.data["hits"][0]["s"], "Nice");

  CallResult add = Run(client, *session, "kb_add",
                       {{"triples", {{"Marseille", "located_in", "France"}}}, {"source", "a map"}});
  ASSERT_TRUE(add.ok) << add.error_message;
  EXPECT_EQ(add.data["added"], 1);
  CallResult stored = Run(client, *session, "kb_query", {{"subject", "Marseille"}});
  ASSERT_TRUE(stored.ok);
  const std::string source = stored.data["triples"][0]["source"];
  EXPECT_TRUE(std::regex_match(
      source, std::regex("kb_add session=" + *session + " time=\\S+Z source=a map")))
      << source;
  EXPECT_TRUE(client.CloseSession(*session).ok());

  // The triple is in the file, for other readers.
  server.reset();
  auto kb = knowledge::KnowledgeBase::Open(kb_path_);
  ASSERT_TRUE(kb.ok());
  knowledge::TriplePattern marseille;
  marseille.s = "Marseille";
  auto rows = (*kb)->Query(marseille);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].source, source);
}

TEST_F(KbToolsServerTest, AddIsRefusedUnlessAllowed) {
  auto server = Start(false);
  ASSERT_FALSE(server->url().empty()) << "the server did not start";
  ToolServerClient client(ClientOptions{server->url(), kToken, {}, milliseconds(5000)});
  auto session = client.OpenSession();
  ASSERT_TRUE(session.ok());
  CallResult add = Run(client, *session, "kb_add",
                       {{"triples", {{"Marseille", "located_in", "France"}}}, {"source", "x"}});
  EXPECT_FALSE(add.ok);
  EXPECT_EQ(add.error_code, "unknown_tool");
  CallResult query = Run(client, *session, "kb_query", {{"subject", "Paris"}});
  EXPECT_TRUE(query.ok) << query.error_message;
  EXPECT_TRUE(client.CloseSession(*session).ok());
}

TEST_F(KbToolsServerTest, AMissingKnowledgeBaseStopsTheServer) {
  ServerProcess server(tmp_.path(), kToken,
                       {"toolserver.kb_path=" + (tmp_.path() / "none.sqlite").string()});
  EXPECT_TRUE(server.url().empty());
  EXPECT_EQ(server.Wait(), 1);
  EXPECT_FALSE(fs::exists(tmp_.path() / "none.sqlite"));
}

}  // namespace
}  // namespace sextant::toolserver
