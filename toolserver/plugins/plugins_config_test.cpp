#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/plugins/plugins.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;

Json Parse(std::string_view text) {
  auto json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

TEST(PluginsConfigTest, ParsesEveryField) {
  Json json = Parse(R"({
    "mcp_servers": [{"name": "fs", "command": "node", "args": ["a", "b"],
                     "env": {"K": "V"}, "start_timeout_ms": 1000, "call_timeout_ms": 2000,
                     "max_restarts": 3, "max_message_bytes": 4096, "probe_timeout_ms": 300,
                     "restart_backoff_initial_ms": 10, "restart_backoff_max_ms": 20,
                     "restart_reset_after_ms": 30}],
    "manifests": ["tools/wc.json", "/abs/x.json"]})");
  auto config = ParsePluginsConfig(json, "/base");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->mcp_servers.size(), 1u);
  const McpServerConfig& s = config->mcp_servers[0];
  EXPECT_EQ(s.name, "fs");
  EXPECT_EQ(s.command, "node");
  EXPECT_EQ(s.args, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(s.env.size(), 1u);
  EXPECT_EQ(s.env[0], (std::pair<std::string, std::string>{"K", "V"}));
  EXPECT_EQ(s.start_timeout.count(), 1000);
  EXPECT_EQ(s.call_timeout.count(), 2000);
  EXPECT_EQ(s.max_restarts, 3);
  EXPECT_EQ(s.max_message_bytes, 4096u);
  EXPECT_EQ(s.probe_timeout.count(), 300);
  EXPECT_EQ(s.restart_backoff_initial.count(), 10);
  EXPECT_EQ(s.restart_backoff_max.count(), 20);
  EXPECT_EQ(s.restart_reset_after.count(), 30);
  ASSERT_EQ(config->manifests.size(), 2u);
  EXPECT_EQ(config->manifests[0], std::filesystem::path("/base/tools/wc.json"));
  EXPECT_EQ(config->manifests[1], std::filesystem::path("/abs/x.json"));
}

TEST(PluginsConfigTest, DefaultsAndEmpty) {
  auto empty = ParsePluginsConfig(Json::object(), "/");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->mcp_servers.empty());
  auto minimal = ParsePluginsConfig(Parse(R"({"mcp_servers":[{"name":"a","command":"b"}]})"), "/");
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->mcp_servers[0].max_restarts, McpServerConfig{}.max_restarts);
}

TEST(PluginsConfigTest, RejectsBadConfigsNamingTheField) {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {R"([])", "not a JSON object"},
      {R"({"servers":[]})", "unknown field \"servers\""},
      {R"({"mcp_servers":{}})", "mcp_servers must be an array"},
      {R"({"mcp_servers":[5]})", "mcp_servers[0]. must be an object"},
      {R"({"mcp_servers":[{"command":"x"}]})", "mcp_servers[0].name is missing"},
      {R"({"mcp_servers":[{"name":"a b","command":"x"}]})", "name must match"},
      {R"({"mcp_servers":[{"name":"a"}]})", "('a').command must be a non-empty string"},
      {R"({"mcp_servers":[{"name":"a","command":""}]})", "command must be a non-empty string"},
      {R"({"mcp_servers":[{"name":"a","command":"x","args":"y"}]})", "args must be an array"},
      {R"({"mcp_servers":[{"name":"a","command":"x","args":[1]}]})", "args must hold only strings"},
      {R"({"mcp_servers":[{"name":"a","command":"x","env":{"K":1}}]})", "env.K must be a string"},
      {R"({"mcp_servers":[{"name":"a","command":"x","env":[]}]})", "env must be an object"},
      {R"({"mcp_servers":[{"name":"a","command":"x","call_timeout_ms":0}]})",
       "call_timeout_ms must be a positive integer"},
      {R"({"mcp_servers":[{"name":"a","command":"x","max_restarts":-1}]})",
       "max_restarts must be a non-negative integer"},
      {R"({"mcp_servers":[{"name":"a","command":"x","max_message_bytes":"1"}]})",
       "max_message_bytes must be a positive integer"},
      {R"({"mcp_servers":[{"name":"a","command":"x","colour":"red"}]})",
       "colour is not a known field"},
      {R"({"mcp_servers":[{"name":"a","command":"x"},{"name":"a","command":"y"}]})",
       "mcp_servers[1] ('a').name is used by another server"},
      {R"({"manifests":"x.json"})", "manifests must be an array"},
      {R"({"manifests":[""]})", "manifests[0] must be a non-empty path"},
  };
  for (const Case& c : cases) {
    auto config = ParsePluginsConfig(Parse(c.json), "/");
    ASSERT_FALSE(config.ok()) << c.json;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(config.status().message(), c.expect))
        << c.json << " -> " << config.status().message();
  }
  std::string long_name(62, 'n');
  auto too_long = ParsePluginsConfig(
      Parse(R"({"mcp_servers":[{"name":")" + long_name + R"(","command":"x"}]})"), "/");
  EXPECT_FALSE(too_long.ok());
}

}  // namespace
}  // namespace sextant::toolserver::plugins
