// MCP servers that misbehave (tests/mcp/test_server.py): protocol eras,
// crashes, hangs, start failures and malformed messages.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/testing/testdata.h"
#include "toolserver/plugins/mcp_server.h"
#include "toolserver/plugins/plugins_test_util.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;
using testing::TestServerConfig;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kDeadline{10'000};
constexpr std::size_t kTestServerTools = 12;

std::unique_ptr<McpServer> StartOrDie(McpServerConfig config) {
  auto server = McpServer::Start(std::move(config));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

Result<ToolOutput> Call(McpServer& server, const std::string& tool, const Json& args = {}) {
  return server.CallTool(tool, args.is_null() ? Json::object() : args, Clock::now() + kDeadline);
}

TEST(McpFailuresTest, ModernServerGetsMetaOnEveryRequestAndPagesTools) {
  auto server = StartOrDie(TestServerConfig("m", {"--era", "modern", "--page-size", "5"}));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->era(), ProtocolEra::kModern);
  EXPECT_EQ(server->tools().size(), kTestServerTools);  // three pages
  auto echo = Call(*server, "echo", {{"text", "hi"}});
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  EXPECT_EQ(echo->content, "hi");
  EXPECT_EQ(echo->data["structuredContent"]["meta"]["io.modelcontextprotocol/protocolVersion"],
            kModernProtocolVersion);
}

TEST(McpFailuresTest, LegacyServerFallsBackToInitialize) {
  auto server = StartOrDie(TestServerConfig("l", {"--era", "legacy", "--page-size", "1"}));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->era(), ProtocolEra::kLegacy);
  EXPECT_EQ(server->tools().size(), kTestServerTools);
  auto echo = Call(*server, "echo", {{"text", "old"}});
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  EXPECT_TRUE(echo->data["structuredContent"]["meta"].is_null());
  // A tool with only a title gets it as its description.
  for (const auto& t : server->tools()) {
    if (t.remote_name == "titled") {
      EXPECT_EQ(t.spec.description, "No description, only a title");
    }
  }
}

TEST(McpFailuresTest, SilentProbeTimesOutThenInitializes) {
  auto config = TestServerConfig("s", {"--era", "silent-probe"});
  config.probe_timeout = std::chrono::milliseconds(200);
  auto server = StartOrDie(config);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->era(), ProtocolEra::kLegacy);
  EXPECT_TRUE(Call(*server, "echo", {{"text", "x"}}).ok());
}

TEST(McpFailuresTest, ProbeThatKillsTheServerRestartsItForInitialize) {
  auto server = StartOrDie(TestServerConfig("e", {"--era", "exit-on-probe"}));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->era(), ProtocolEra::kLegacy);
  EXPECT_TRUE(Call(*server, "echo", {{"text", "x"}}).ok());
}

TEST(McpFailuresTest, SkipsToolsWithBadOrDuplicateNames) {
  auto server = StartOrDie(TestServerConfig("b", {"--bad-names"}));
  ASSERT_NE(server, nullptr);
  std::set<std::string> names;
  for (const auto& t : server->tools()) names.insert(t.spec.name);
  EXPECT_EQ(names.size(), kTestServerTools);
  EXPECT_TRUE(names.contains("b__echo"));
  EXPECT_FALSE(names.contains("b__has space"));
}

TEST(McpFailuresTest, ServerThatFailsToStartGivesAClearError) {
  auto server = McpServer::Start(TestServerConfig("f", {"--fail-start"}));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(server.status().message(), "MCP server 'f' exited with status 2"))
      << server.status().message();
  EXPECT_TRUE(Contains(server.status().message(), "cannot open /nonexistent/config.json"))
      << server.status().message();

  McpServerConfig missing = TestServerConfig("g");
  missing.command = "/nonexistent/mcp-server";
  auto no_program = McpServer::Start(missing);
  ASSERT_FALSE(no_program.ok());
  EXPECT_EQ(no_program.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(no_program.status().message(), "cannot start '/nonexistent/mcp-server'"))
      << no_program.status().message();

  PluginsConfig config;
  config.mcp_servers.push_back(TestServerConfig("ok"));
  config.mcp_servers.push_back(TestServerConfig("f", {"--fail-start"}));
  auto host = PluginHost::Start(config);
  ASSERT_FALSE(host.ok());
  EXPECT_TRUE(Contains(host.status().message(), "'f'"));
}

TEST(McpFailuresTest, CrashMidCallFailsTheCallAndTheServerComesBack) {
  auto server = StartOrDie(TestServerConfig("c"));
  ASSERT_NE(server, nullptr);
  auto crashed = Call(*server, "crash");
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(
      Contains(crashed.status().message(), "MCP server 'c' exited with status 3 during tools/call"))
      << crashed.status().message();
  auto after = Call(*server, "echo", {{"text", "back"}});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->content, "back");
  EXPECT_EQ(server->restarts(), 1);
  EXPECT_EQ(server->tools().size(), kTestServerTools);
}

TEST(McpFailuresTest, ServerStaysDownAfterMaxRestarts) {
  auto config = TestServerConfig("d");
  config.max_restarts = 1;
  auto server = StartOrDie(config);
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(Call(*server, "crash").ok());
  ASSERT_TRUE(Call(*server, "echo", {{"text", "1"}}).ok());  // restart 1 of 1
  EXPECT_FALSE(Call(*server, "crash").ok());
  auto down = Call(*server, "echo", {{"text", "2"}});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(down.status().message(), "is down")) << down.status().message();
}

TEST(McpFailuresTest, RestartWaitsForTheBackoff) {
  auto config = TestServerConfig("w");
  config.restart_backoff_initial = std::chrono::milliseconds(1'000);
  config.restart_backoff_max = std::chrono::milliseconds(1'000);
  auto server = StartOrDie(config);
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(Call(*server, "crash").ok());
  auto crashed_at = Clock::now();
  // A call whose deadline ends before the restart does not wait past it.
  auto early =
      server->CallTool("echo", {{"text", "x"}}, Clock::now() + std::chrono::milliseconds(100));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(Contains(early.status().message(), "restarting")) << early.status().message();
  auto later = Call(*server, "echo", {{"text", "x"}});
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_GE(Clock::now() - crashed_at, config.restart_backoff_initial);
}

TEST(McpFailuresTest, StartTimeoutBoundsTheHandshake) {
  auto config = TestServerConfig("st", {"--era", "silent-probe"});
  config.start_timeout = std::chrono::milliseconds(300);
  auto server = McpServer::Start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(server.status().message(), "in time")) << server.status().message();
}

TEST(McpFailuresTest, HangingCallTimesOutIsCancelledAndTheNextCallWorks) {
  auto config = TestServerConfig("h");
  config.call_timeout = std::chrono::milliseconds(300);
  auto server = StartOrDie(config);
  ASSERT_NE(server, nullptr);
  auto hung = Call(*server, "hang");
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().code(), StatusCode::kDeadlineExceeded);
  auto cancelled = Call(*server, "cancelled");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  auto ids = ParseJson(cancelled->content);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 1u) << cancelled->content;
  // The caller's deadline wins when it is sooner than call_timeout.
  config.call_timeout = std::chrono::milliseconds(60'000);
  auto patient = StartOrDie(config);
  ASSERT_NE(patient, nullptr);
  auto start = Clock::now();
  auto hung2 = patient->CallTool("hang", Json::object(), start + std::chrono::milliseconds(200));
  EXPECT_EQ(hung2.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(30'000));
  EXPECT_EQ(server->restarts(), 0);
}

TEST(McpFailuresTest, MalformedMessagesAreSkippedAndTheConnectionSurvives) {
  auto server = StartOrDie(TestServerConfig("g"));
  ASSERT_NE(server, nullptr);
  auto garbage = Call(*server, "garbage");
  ASSERT_TRUE(garbage.ok()) << garbage.status().ToString();
  EXPECT_EQ(garbage->content, "survived; client answered srv-1 with -32601");
  auto both = Call(*server, "both");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().code(), StatusCode::kUnknown);
  EXPECT_TRUE(Contains(both.status().message(), "both \"result\" and \"error\""));
  EXPECT_TRUE(Call(*server, "echo", {{"text", "still here"}}).ok());
  EXPECT_EQ(server->restarts(), 0);
}

TEST(McpFailuresTest, OversizeMessageFailsItsCallAndTheConnectionSurvives) {
  auto config = TestServerConfig("o");
  constexpr std::size_t kMaxMessage = 4096;
  config.max_message_bytes = kMaxMessage;
  auto server = StartOrDie(config);
  ASSERT_NE(server, nullptr);
  auto small = Call(*server, "giant", {{"n", kMaxMessage / 2}});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->content.size(), kMaxMessage / 2);
  auto giant = Call(*server, "giant", {{"n", kMaxMessage * 64}});
  ASSERT_FALSE(giant.ok());
  EXPECT_EQ(giant.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(giant.status().message(), "max_message_bytes"));
  EXPECT_TRUE(Call(*server, "echo", {{"text", "fine"}}).ok());
}

TEST(McpFailuresTest, ToolErrorsMapToStatuses) {
  auto server = StartOrDie(TestServerConfig("t"));
  ASSERT_NE(server, nullptr);
  auto failed = Call(*server, "fail");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(failed.status().message(), "the tool failed on purpose");
  auto rpc = Call(*server, "rpc_error");
  ASSERT_FALSE(rpc.ok());
  EXPECT_EQ(rpc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(rpc.status().message(), "t__rpc_error: bad params on purpose"));
  auto unknown = Call(*server, "nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  auto mixed = Call(*server, "mixed");
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(mixed->content,
            "first\n[image image/png, 6 bytes]\n[audio audio/wav, 3 bytes]\n"
            "[resource link a.txt file:///a.txt]\n[resource file:///b.txt]\nbee\n"
            "[resource file:///c.bin application/octet-stream, 4 bytes]");
  EXPECT_EQ(mixed->data["content"].size(), 6u);
}

TEST(McpFailuresTest, ConcurrentCallsGetTheirOwnAnswers) {
  PluginsConfig config;
  config.mcp_servers.push_back(TestServerConfig("p", {"--era", "modern"}));
  config.mcp_servers.push_back(TestServerConfig("q"));
  auto host = PluginHost::Start(config);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  auto tools = (*host)->MakeTools();
  EXPECT_EQ(tools.size(), 2 * kTestServerTools);
  Tool* echo_p = nullptr;
  Tool* echo_q = nullptr;
  for (auto& t : tools) {
    if (t->spec().name == "p__echo") echo_p = t.get();
    if (t->spec().name == "q__echo") echo_q = t.get();
  }
  ASSERT_NE(echo_p, nullptr);
  ASSERT_NE(echo_q, nullptr);
  constexpr int kThreads = 16;
  std::vector<std::string> answers(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        Tool* tool = i % 2 == 0 ? echo_p : echo_q;
        auto out = tool->Call(testing::ContextWithTimeout(kDeadline),
                              {{"text", "call " + std::to_string(i)}});
        answers[i] = out.ok() ? out->content : out.status().ToString();
      });
    }
  }
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(answers[i], "call " + std::to_string(i));
}

}  // namespace
}  // namespace sextant::toolserver::plugins
