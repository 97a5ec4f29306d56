// `sextant toolserver`: serves the ToolServer API until SIGINT or SIGTERM.
// Prints "listening on http://HOST:PORT" on stdout once it accepts requests.
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/json.h"
#include "common/redact.h"
#include "toolserver/plugins/plugins.h"
#include "toolserver/sandbox/sandbox.h"
#include "toolserver/server.h"
#include "toolserver/server_config.h"
#include "toolserver/tools/kb.h"
#include "toolserver/tools/web/online_backends.h"
#include "toolserver/tools/web/search_index.h"
#include "toolserver/tools/web/web_config.h"
#include "toolserver/tools/web/web_tools.h"

namespace sextant::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::size_t kMaxSmallFileBytes = 1 << 20;

struct ToolServerFlags {
  std::string listen;
  std::string token_file;
  std::string workspace_root;
  std::string plugins_file;
  bool exit_with_parent = false;
};

int Fail(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

Result<std::string> ReadSmallFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(std::string(what) + " " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxSmallFileBytes) {
    return ResourceExhaustedError(std::string(what) + " " + path + " is over 1 MiB");
  }
  return text.str();
}

Result<std::string> ReadToken(const std::string& path) {
  if (path.empty())
    return InvalidArgumentError("--token-file (or toolserver.token_file) is required");
  SEXTANT_ASSIGN_OR_RETURN(std::string token, ReadSmallFile(path, "token file"));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) return InvalidArgumentError("token file " + path + " is empty");
  return token;
}

Result<std::unique_ptr<toolserver::plugins::PluginHost>> StartPlugins(
    const std::string& path, toolserver::ToolRegistry& registry) {
  SEXTANT_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, "plugins file"));
  SEXTANT_ASSIGN_OR_RETURN(Json json, ParseJson(text));
  SEXTANT_ASSIGN_OR_RETURN(
      toolserver::plugins::PluginsConfig config,
      toolserver::plugins::ParsePluginsConfig(json, fs::absolute(path).parent_path()));
  SEXTANT_ASSIGN_OR_RETURN(auto host, toolserver::plugins::PluginHost::Start(std::move(config)));
  for (auto& tool : host->MakeTools()) {
    SEXTANT_RETURN_IF_ERROR(registry.Add(std::move(tool)));
  }
  return host;
}

// What web_search and web_browse use; the tools borrow it.
struct WebToolBackend {
  std::unique_ptr<toolserver::web::SearchIndex> index;
  std::unique_ptr<toolserver::web::SearchBackend> search;
  std::unique_ptr<toolserver::web::Fetcher> fetcher;
};

// The fetcher from web.*, and the search backend web.search_backend names:
// "local" opens web.index_path read-only. A missing index is no error: the
// tools are served, web_search says how to build one, and web_browse still
// opens URLs.
Result<WebToolBackend> OpenWebToolBackend(const Config& config) {
  namespace web = toolserver::web;
  WebToolBackend out;
  SEXTANT_ASSIGN_OR_RETURN(out.fetcher, web::Fetcher::Create(web::FetchOptionsFromConfig(config)));
  if (config.GetString("web.search_backend") != "local") {
    SEXTANT_ASSIGN_OR_RETURN(out.search, web::MakeOnlineSearchBackend(config));
    return out;
  }
  const char* home = std::getenv("HOME");
  const fs::path path =
      web::ExpandHome(config.GetString("web.index_path"), home == nullptr ? "" : home);
  web::SearchIndexOptions options;
  options.read_only = true;
  auto index = web::SearchIndex::Open(path, options);
  if (index.ok()) {
    out.index = std::move(index).value();
    out.search = web::MakeLocalSearchBackend(*out.index);
    return out;
  }
  if (index.status().code() != StatusCode::kNotFound) return index.status();
  std::fprintf(stderr, "toolserver: no local search index at %s; web_search will say so\n",
               path.c_str());
  out.search = web::MakeUnavailableSearchBackend(
      "local", FailedPreconditionError("there is no local search index at " + path.string() +
                                       ": build one with `sextant index add`, or open a URL "
                                       "with web_browse"));
  return out;
}

int RunToolServer(const ToolServerFlags& flags, const Config& config) {
  if (flags.exit_with_parent) {
    // SIGTERM when the process that started this one dies, even by SIGKILL;
    // shut down at once if that already happened.
    const pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) return 0;
  }
  toolserver::ToolServerOptions options = toolserver::ToolServerOptionsFromConfig(config);
  const std::string listen =
      flags.listen.empty() ? config.GetString("toolserver.listen") : flags.listen;
  if (Status st = toolserver::ParseListenAddress(listen, options.http); !st.ok()) return Fail(st);
  auto token = ReadToken(flags.token_file.empty() ? config.GetString("toolserver.token_file")
                                                  : flags.token_file);
  if (!token.ok()) return Fail(token.status());
  options.http.bearer_token = *token;
  AddRedactedValues({*token});
  if (!flags.workspace_root.empty()) options.sessions.workspace_root = flags.workspace_root;
  if (options.sessions.workspace_root.empty()) {
    return Fail(
        InvalidArgumentError("--workspace-root (or toolserver.workspace_root) is required"));
  }
  options.http.on_error = [](std::string_view line) {
    std::fprintf(stderr, "toolserver: %.*s\n", static_cast<int>(line.size()), line.data());
  };

  // Every thread started from here on inherits the blocked signals, so that
  // sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto sandbox = toolserver::sandbox::Sandbox::Create({});
  if (!sandbox.ok()) return Fail(sandbox.status());
  if (!(*sandbox)->support().cgroup_limits) {
    std::fprintf(
        stderr,
        "toolserver: no cgroup limits (%s); memory and processes are bounded by rlimits only\n",
        (*sandbox)->support().cgroup_note.c_str());
  }
  auto registry = std::make_unique<toolserver::ToolRegistry>();
  if (Status st = toolserver::AddBuiltinTools(*registry, options); !st.ok()) return Fail(st);
  toolserver::tools::KnowledgeToolBackend kb;
  if (const std::string& kb_path = config.GetString("toolserver.kb_path"); !kb_path.empty()) {
    const toolserver::tools::KbToolOptions kb_options = toolserver::KbToolOptionsFromConfig(config);
    auto opened = toolserver::tools::OpenKnowledgeToolBackend(kb_path, kb_options.allow_add);
    if (!opened.ok()) return Fail(opened.status());
    kb = std::move(opened).value();
    for (auto& tool : toolserver::tools::MakeKnowledgeTools(*kb.kb, *kb.verifier, kb_options)) {
      if (Status st = registry->Add(std::move(tool)); !st.ok()) return Fail(st);
    }
  }
  WebToolBackend web;
  if (config.GetBool("web.tools")) {
    auto opened = OpenWebToolBackend(config);
    if (!opened.ok()) return Fail(opened.status());
    web = std::move(opened).value();
    for (auto& tool : toolserver::web::MakeWebTools(
             *web.search, *web.fetcher, toolserver::web::WebToolOptionsFromConfig(config))) {
      if (Status st = registry->Add(std::move(tool)); !st.ok()) return Fail(st);
    }
  }
  std::unique_ptr<toolserver::plugins::PluginHost> plugins;
  const std::string plugins_file =
      flags.plugins_file.empty() ? config.GetString("toolserver.plugins_file") : flags.plugins_file;
  if (!plugins_file.empty()) {
    auto host = StartPlugins(plugins_file, *registry);
    if (!host.ok()) return Fail(host.status());
    plugins = std::move(host).value();
  }
  auto server = toolserver::ToolServer::Start(std::move(options), std::move(registry),
                                              std::move(sandbox).value());
  if (!server.ok()) return Fail(server.status());
  std::printf("listening on http://%s\n", (*server)->address().c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "toolserver: %s received, shutting down\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown(milliseconds(config.GetInt("toolserver.default_call_timeout_ms")));
  server->reset();
  plugins.reset();
  return 0;
}

}  // namespace

void AddToolServerCommand(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ToolServerFlags>();
  CLI::App* cmd = app.add_subcommand("toolserver", "Serve tools over HTTP (the ToolServer API)");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to bind (port 0: any free port)")
      ->type_name("HOST:PORT");
  cmd->add_option("--token-file", flags->token_file, "File holding the bearer token")
      ->type_name("FILE");
  cmd->add_option("--workspace-root", flags->workspace_root,
                  "Directory that holds one workspace per session")
      ->type_name("DIR");
  cmd->add_option("--plugins", flags->plugins_file, "JSON file of MCP servers and manifest tools")
      ->type_name("FILE");
  cmd->add_flag("--exit-with-parent", flags->exit_with_parent,
                "Shut down when the process that started this one ends");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunToolServer(*flags, *ctx.config); });
}

}  // namespace sextant::cli
