#include "toolserver/plugins/plugins_test_util.h"

#include <gtest/gtest.h>

namespace sextant::toolserver::plugins::testing {

std::filesystem::path McpTestDir() {
  std::filesystem::path dir = SEXTANT_MCP_TEST_DIR;
  if (!std::filesystem::exists(dir / "node_modules" / ".bin" / "mcp-server-filesystem") ||
      !std::filesystem::exists(dir / "node_modules" / ".bin" / "mcp-server-everything")) {
    ADD_FAILURE() << "the MCP test servers are not installed in " << (dir / "node_modules")
                  << ": run scripts/setup.sh (it runs `npm ci` in tests/mcp)";
  }
  return dir;
}

McpServerConfig TestServerConfig(const std::string& name, std::vector<std::string> args) {
  McpServerConfig config;
  config.name = name;
  config.command = "python3";
  config.args = {(std::filesystem::path(SEXTANT_MCP_TEST_DIR) / "test_server.py").string()};
  config.args.insert(config.args.end(), args.begin(), args.end());
  config.start_timeout = std::chrono::milliseconds(10'000);
  config.call_timeout = std::chrono::milliseconds(10'000);
  config.probe_timeout = std::chrono::milliseconds(10'000);  // a busy machine starts python slowly
  config.restart_backoff_initial = std::chrono::milliseconds(20);
  config.restart_backoff_max = std::chrono::milliseconds(200);
  return config;
}

McpServerConfig NpmServerConfig(const std::string& name, const std::string& bin,
                                std::vector<std::string> args) {
  McpServerConfig config;
  config.name = name;
  config.command = (McpTestDir() / "node_modules" / ".bin" / bin).string();
  config.args = std::move(args);
  config.start_timeout = std::chrono::milliseconds(20'000);
  config.call_timeout = std::chrono::milliseconds(20'000);
  return config;
}

ToolContext ContextWithTimeout(std::chrono::milliseconds timeout) {
  ToolContext context;
  context.session_id = "test";
  context.deadline = std::chrono::steady_clock::now() + timeout;
  return context;
}

}  // namespace sextant::toolserver::plugins::testing
