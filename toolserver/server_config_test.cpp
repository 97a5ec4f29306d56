#include "toolserver/server_config.h"

#include <gtest/gtest.h>

namespace sextant::toolserver {
namespace {

TEST(ServerConfigTest, ParseListenAddress) {
  ServerOptions o;
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:8080", o).ok());
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  ASSERT_TRUE(ParseListenAddress("[::1]:0", o).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 0);
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":80", "h:65536", "h:-1", "h:8x", "h:x"}) {
    EXPECT_EQ(ParseListenAddress(bad, o).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ServerConfigTest, KeysSetTheOptions) {
  ConfigRegistry registry;
  DeclareToolServerConfig(registry);
  ConfigSources sources;
  sources.flags = {{"toolserver.max_sessions", "7", "--set"},
                   {"toolserver.idle_timeout_ms", "1500", "--set"},
                   {"toolserver.max_concurrent_calls_per_session", "3", "--set"},
                   {"toolserver.allow_network", "true", "--set"},
                   {"toolserver.max_output_bytes", "4096", "--set"},
                   {"toolserver.sandbox_memory_mb", "64", "--set"},
                   {"toolserver.workspace_root", "/tmp/ws", "--set"},
                   {"toolserver.default_call_timeout_ms", "2000", "--set"}};
  auto config = LoadConfig(registry, sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ToolServerOptions o = ToolServerOptionsFromConfig(*config);
  EXPECT_EQ(o.sessions.max_sessions, 7);
  EXPECT_EQ(o.sessions.idle_timeout.count(), 1500);
  EXPECT_EQ(o.sessions.max_concurrent_calls, 3);
  EXPECT_TRUE(o.sessions.allow_network);
  EXPECT_EQ(o.sessions.workspace_root, "/tmp/ws");
  EXPECT_EQ(o.exec.limits.max_output_bytes, 4096u);
  EXPECT_EQ(o.files.max_read_bytes, 4096u);
  EXPECT_EQ(o.exec.limits.memory_bytes, 64 * sandbox::kMiB);
  EXPECT_EQ(o.exec.limits.wall_timeout.count(), 2000);
  EXPECT_EQ(o.default_call_timeout.count(), 2000);
}

TEST(ServerConfigTest, OutOfRangeValuesAreRefused) {
  ConfigRegistry registry;
  DeclareToolServerConfig(registry);
  for (const char* bad : {"toolserver.max_sessions=0", "toolserver.idle_timeout_ms=-5",
                          "toolserver.worker_threads=100000", "toolserver.allow_network=maybe"}) {
    auto set = ParseSetFlag(bad);
    ASSERT_TRUE(set.ok());
    ConfigSources sources;
    sources.flags = {*set};
    EXPECT_FALSE(LoadConfig(registry, sources).ok()) << bad;
  }
}

}  // namespace
}  // namespace sextant::toolserver
