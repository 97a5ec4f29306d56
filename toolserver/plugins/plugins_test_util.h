// Shared helpers for plugins_test: where the test MCP servers are, and
// configs that run them.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "toolserver/plugins/plugins.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::plugins::testing {

// tests/mcp, after checking that `npm ci` ran there (fails the test with a
// hint to run scripts/setup.sh when node_modules is missing).
std::filesystem::path McpTestDir();

// A config running tests/mcp/test_server.py with `args`.
McpServerConfig TestServerConfig(const std::string& name, std::vector<std::string> args = {});

// A config running an npm-installed server binary (node_modules/.bin/<bin>).
McpServerConfig NpmServerConfig(const std::string& name, const std::string& bin,
                                std::vector<std::string> args = {});

// A context whose deadline is `timeout` from now.
ToolContext ContextWithTimeout(std::chrono::milliseconds timeout);

}  // namespace sextant::toolserver::plugins::testing
