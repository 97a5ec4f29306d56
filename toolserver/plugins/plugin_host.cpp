#include <set>
#include <thread>

#include "common/log.h"
#include "toolserver/plugins/manifest_tool.h"
#include "toolserver/plugins/mcp_server.h"
#include "toolserver/plugins/plugins.h"

namespace sextant::toolserver::plugins {
namespace {

constexpr std::string_view kLogComponent = "plugins";

// An MCP server's tool; calls go to the server through tools/call.
class McpTool final : public Tool {
 public:
  McpTool(McpServer* server, RemoteTool tool) : server_(server), tool_(std::move(tool)) {}
  const ToolSpec& spec() const override { return tool_.spec; }
  Result<ToolOutput> Call(const ToolContext& context, const Json& arguments) override {
    auto deadline = context.deadline == std::chrono::steady_clock::time_point{}
                        ? std::chrono::steady_clock::time_point::max()
                        : context.deadline;
    return server_->CallTool(tool_.remote_name, arguments, deadline);
  }

 private:
  McpServer* server_;
  RemoteTool tool_;
};

class PluginHostImpl final : public PluginHost {
 public:
  PluginHostImpl(std::vector<std::unique_ptr<McpServer>> servers, std::vector<Manifest> manifests)
      : servers_(std::move(servers)), manifests_(std::move(manifests)) {}

  std::vector<std::unique_ptr<Tool>> MakeTools() override {
    std::vector<std::unique_ptr<Tool>> tools;
    std::set<std::string> names;
    auto add = [&](std::unique_ptr<Tool> tool) {
      if (!names.insert(tool->spec().name).second) {
        LogWarn(kLogComponent, "skipped a plugin tool whose name is taken",
                {{"tool", tool->spec().name}});
        return;
      }
      tools.push_back(std::move(tool));
    };
    for (const auto& server : servers_) {
      for (RemoteTool& t : server->tools()) {
        add(std::make_unique<McpTool>(server.get(), std::move(t)));
      }
    }
    for (const Manifest& m : manifests_) add(MakeManifestTool(m));
    return tools;
  }

 private:
  std::vector<std::unique_ptr<McpServer>> servers_;
  std::vector<Manifest> manifests_;
};

}  // namespace

Result<std::unique_ptr<PluginHost>> PluginHost::Start(PluginsConfig config) {
  std::vector<Manifest> manifests;
  std::set<std::string> manifest_names;
  for (const auto& path : config.manifests) {
    SEXTANT_ASSIGN_OR_RETURN(Manifest m, LoadManifest(path));
    if (!manifest_names.insert(m.spec.name).second) {
      return InvalidArgumentError("manifest " + path.string() + ": tool name '" + m.spec.name +
                                  "' is used by another manifest");
    }
    manifests.push_back(std::move(m));
  }
  // Servers start in parallel: each handshake may take a while.
  std::size_t n = config.mcp_servers.size();
  std::vector<std::unique_ptr<McpServer>> servers(n);
  std::vector<Status> errors(n);
  {
    std::vector<std::jthread> starters;
    starters.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      starters.emplace_back([&, i] {
        auto server = McpServer::Start(std::move(config.mcp_servers[i]));
        if (server.ok()) {
          servers[i] = std::move(*server);
        } else {
          errors[i] = server.status();
        }
      });
    }
  }
  for (const Status& error : errors) {
    if (!error.ok()) return error;
  }
  return std::unique_ptr<PluginHost>(
      std::make_unique<PluginHostImpl>(std::move(servers), std::move(manifests)));
}

}  // namespace sextant::toolserver::plugins
