// The real MCP servers from the npm registry (tests/mcp, installed by
// scripts/setup.sh): @modelcontextprotocol/server-filesystem and
// @modelcontextprotocol/server-everything.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <map>

#include "common/testing/testdata.h"
#include "toolserver/plugins/mcp_server.h"
#include "toolserver/plugins/plugins_test_util.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;
using testing::ContextWithTimeout;
using testing::NpmServerConfig;

constexpr std::chrono::milliseconds kCallTimeout{15'000};

std::map<std::string, std::unique_ptr<Tool>> ByName(std::vector<std::unique_ptr<Tool>> tools) {
  std::map<std::string, std::unique_ptr<Tool>> out;
  for (auto& t : tools) out[t->spec().name] = std::move(t);
  return out;
}

TEST(McpRealServersTest, FilesystemServerReadsWritesAndLists) {
  sextant::testing::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  PluginsConfig config;
  config.mcp_servers.push_back(NpmServerConfig("fs", "mcp-server-filesystem", {root.string()}));
  auto host = PluginHost::Start(config);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  auto tools = ByName((*host)->MakeTools());
  for (const char* name :
       {"fs__write_file", "fs__read_text_file", "fs__list_directory", "fs__create_directory"}) {
    ASSERT_TRUE(tools.contains(name)) << name;
    EXPECT_EQ(tools[name]->spec().parameters["type"], "object") << name;
  }
  EXPECT_TRUE(tools["fs__write_file"]->spec().parameters["properties"].contains("content"));
  EXPECT_FALSE(tools["fs__write_file"]->spec().description.empty());

  auto context = ContextWithTimeout(kCallTimeout);
  std::string file = (root / "notes.txt").string();
  std::string text = "line one\nline two: \"quoted\" $(not a shell)\n";
  auto wrote = tools["fs__write_file"]->Call(context, {{"path", file}, {"content", text}});
  ASSERT_TRUE(wrote.ok()) << wrote.status().ToString();
  EXPECT_EQ(sextant::testing::ReadFile(root / "notes.txt"), text);

  auto made = tools["fs__create_directory"]->Call(context, {{"path", (root / "sub").string()}});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_TRUE(std::filesystem::is_directory(root / "sub"));

  auto read = tools["fs__read_text_file"]->Call(context, {{"path", file}});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->content, text);
  ASSERT_TRUE(read->data["content"].is_array());
  EXPECT_EQ(read->data["content"][0]["type"], "text");

  auto listed = tools["fs__list_directory"]->Call(context, {{"path", root.string()}});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(Contains(listed->content, "[FILE] notes.txt")) << listed->content;
  EXPECT_TRUE(Contains(listed->content, "[DIR] sub")) << listed->content;

  // Outside the allowed directory: the server reports isError.
  auto denied = tools["fs__read_text_file"]->Call(context, {{"path", "/etc/hostname"}});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(denied.status().message().empty());
}

TEST(McpRealServersTest, EverythingServerToolsAndStructuredResults) {
  // The server sees its configured env and a minimal inherited one, not ours.
  ASSERT_EQ(::setenv("SEXTANT_PLUGINS_TEST_SECRET", "s3cret-value", 1), 0);
  auto config = NpmServerConfig("every", "mcp-server-everything");
  config.env = {{"PLUGIN_VAR", "visible-value"}};
  auto server = McpServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ((*server)->era(), ProtocolEra::kLegacy);  // it speaks 2025-11-25
  std::map<std::string, RemoteTool> tools;
  for (auto& t : (*server)->tools()) tools[t.remote_name] = t;
  for (const char* name : {"echo", "get-sum", "get-structured-content", "get-tiny-image"}) {
    ASSERT_TRUE(tools.contains(name)) << name;
    EXPECT_EQ(tools[name].spec.name, std::string("every__") + name);
  }
  EXPECT_TRUE(tools["get-sum"].spec.parameters["properties"].contains("a"));

  auto deadline = std::chrono::steady_clock::now() + kCallTimeout;
  auto echo = (*server)->CallTool("echo", {{"message", "hello, mcp"}}, deadline);
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  EXPECT_TRUE(Contains(echo->content, "hello, mcp")) << echo->content;

  auto sum = (*server)->CallTool("get-sum", {{"a", 19}, {"b", 23}}, deadline);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_TRUE(Contains(sum->content, "42")) << sum->content;

  auto weather = (*server)->CallTool("get-structured-content", {{"location", "Chicago"}}, deadline);
  ASSERT_TRUE(weather.ok()) << weather.status().ToString();
  ASSERT_TRUE(weather->data.contains("structuredContent"));
  const Json& structured = weather->data["structuredContent"];
  ASSERT_TRUE(structured.is_object());
  EXPECT_FALSE(structured.empty());
  // The text part carries the same object as JSON.
  auto text_json = ParseJson(weather->content);
  ASSERT_TRUE(text_json.ok()) << weather->content;
  EXPECT_EQ(*text_json, structured);

  auto image = (*server)->CallTool("get-tiny-image", Json::object(), deadline);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_TRUE(Contains(image->content, "[image image/png, ")) << image->content;
  bool has_image = false;
  for (const Json& part : image->data["content"]) has_image |= part.value("type", "") == "image";
  EXPECT_TRUE(has_image);

  auto env = (*server)->CallTool("get-env", Json::object(), deadline);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_TRUE(Contains(env->content, "visible-value"));
  EXPECT_TRUE(Contains(env->content, "PATH"));
  EXPECT_FALSE(Contains(env->content, "s3cret-value"));

  auto bad = (*server)->CallTool("get-sum", {{"a", "not a number"}}, deadline);
  EXPECT_FALSE(bad.ok());
  auto unknown = (*server)->CallTool("no-such-tool", Json::object(), deadline);
  EXPECT_FALSE(unknown.ok());
}

}  // namespace
}  // namespace sextant::toolserver::plugins
