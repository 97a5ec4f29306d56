// Plugin tools: Model Context Protocol servers over stdio, and manifest tools.
//
// A PluginHost starts every configured MCP server, learns its tools, and
// keeps it alive (a crashed server is restarted with backoff). Manifest
// tools are JSON files naming a command that runs in the sandbox. Both kinds
// are handed to the registry as Tool objects.
//
// Ownership: the host owns the MCP server processes; the tools it returns
// refer to it, so the host must outlive them. Thread safety: Tools() and the
// tools' Call are thread-safe. Errors: Start fails with invalid_argument for
// a bad config, and with unavailable when a server cannot be started or
// initialized at all (the message names the server and why).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::plugins {

struct McpServerConfig {
  std::string name;  // [a-zA-Z0-9_-]+; its tools are served as "<name>__<tool>"
  std::string command;
  std::vector<std::string> args;
  // Added to HOME, PATH and a few more taken from the host (child_process.h);
  // nothing else of the host's environment reaches the server.
  std::vector<std::pair<std::string, std::string>> env;
  // The whole handshake: discover/initialize and tools/list.
  std::chrono::milliseconds start_timeout{20'000};
  // One tools/call, unless the caller's deadline is sooner.
  std::chrono::milliseconds call_timeout{60'000};
  int max_restarts = 5;                              // then the server stays down
  std::size_t max_message_bytes = 16 * 1024 * 1024;  // one JSON-RPC line
  // How long the server/discover probe waits before falling back to initialize.
  std::chrono::milliseconds probe_timeout{5'000};
  // Restart delays double from the first to the cap.
  std::chrono::milliseconds restart_backoff_initial{100};
  std::chrono::milliseconds restart_backoff_max{5'000};
  // A server that stayed up this long before exiting gets its restart count
  // and backoff reset.
  std::chrono::milliseconds restart_reset_after{60'000};
};

struct PluginsConfig {
  std::vector<McpServerConfig> mcp_servers;
  std::vector<std::filesystem::path> manifests;  // manifest tool files (JSON)
};

// Reads {"mcp_servers":[{"name","command","args","env":{},...}], "manifests":[...]}.
// Relative manifest paths are taken from `base_dir`.
Result<PluginsConfig> ParsePluginsConfig(const Json& json, const std::filesystem::path& base_dir);

class PluginHost {
 public:
  static Result<std::unique_ptr<PluginHost>> Start(PluginsConfig config);
  virtual ~PluginHost() = default;

  // Builds the tools of every server and manifest, once per call. Each tool
  // refers to this host.
  virtual std::vector<std::unique_ptr<Tool>> MakeTools() = 0;
};

}  // namespace sextant::toolserver::plugins
