// `sextant run "TASK"`: one agent run, live, with the embedded ToolServer or
// --toolserver URL, and `--resume ID` to continue one.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "agent/agent_config.h"
#include "agent/human_channel.h"
#include "agent/run_store.h"
#include "agent/runner.h"
#include "cli/commands.h"
#include "cli/model_util.h"
#include "cli/run_printer.h"
#include "cli/run_setup.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/verifier.h"
#include "toolserver/client.h"
#ifdef SEXTANT_HAVE_TOOLSERVER
#include "cli/embedded_toolserver.h"
#endif

namespace sextant::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct RunFlags {
  std::string task;
  std::string resume;
  std::string mode;
  std::string store;
  std::string toolserver;
  std::string token_file;
  std::string plugins;
  std::string kb;
  bool no_tools = false;
  bool quiet = false;
  bool json = false;
  int max_steps = 0;
  BackendFlags backend;
};

std::atomic<agent::Runner*> g_runner{nullptr};

extern "C" void OnInterrupt(int /*signal*/) {
  if (agent::Runner* runner = g_runner.load()) runner->Cancel();
}

// Ctrl-C cancels the run at its next step; a second Ctrl-C kills the program.
class InterruptGuard {
 public:
  explicit InterruptGuard(agent::Runner& runner) {
    g_runner.store(&runner);
    struct sigaction action {};
    action.sa_handler = OnInterrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &previous_, nullptr);
    g_runner.store(nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction previous_ {};
};

Result<std::string> ReadToken(const std::string& path) {
  if (path.empty()) {
    const char* env = std::getenv("SEXTANT_TOOLSERVER_TOKEN");
    if (env == nullptr || *env == '\0') {
      return InvalidArgumentError(
          "--toolserver needs --token-file FILE or the SEXTANT_TOOLSERVER_TOKEN variable");
    }
    return std::string(env);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("token file " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

// The ToolServer the run uses, and what keeps it alive.
struct Tools {
#ifdef SEXTANT_HAVE_TOOLSERVER
  std::unique_ptr<EmbeddedToolServer> embedded;
#endif
  std::unique_ptr<toolserver::ToolServerClient> client;
  std::string url;
};

Result<Tools> ConnectTools(const RunFlags& flags, const std::filesystem::path& store_path) {
  Tools tools;
  if (flags.no_tools) return tools;
  toolserver::ClientOptions options;
  if (!flags.toolserver.empty()) {
    options.base_url = flags.toolserver;
    SEXTANT_ASSIGN_OR_RETURN(options.token, ReadToken(flags.token_file));
  } else {
#ifdef SEXTANT_HAVE_TOOLSERVER
    SEXTANT_ASSIGN_OR_RETURN(tools.embedded,
                             EmbeddedToolServer::Start(WorkspaceRoot(store_path), flags.plugins));
    options.base_url = tools.embedded->url();
    options.token = tools.embedded->token();
#else
    (void)store_path;
    return InvalidArgumentError(
        "this build has no ToolServer: give --toolserver URL or --no-tools");
#endif
  }
  tools.url = options.base_url;
  tools.client = std::make_unique<toolserver::ToolServerClient>(options);
  // Listing the tools checks the address and the token before a run starts.
  SEXTANT_RETURN_IF_ERROR(tools.client->ListTools().status());
  return tools;
}

Result<agent::RunnerOptions> Options(const RunFlags& flags, const Config& config) {
  SEXTANT_ASSIGN_OR_RETURN(agent::RunnerOptions options, agent::RunnerOptionsFromConfig(config));
  if (!flags.mode.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(options.mode, agent::ParseRunMode(flags.mode));
  }
  if (flags.max_steps > 0) options.max_steps = flags.max_steps;
  return options;
}

std::size_t CountModelCalls(const std::vector<agent::Event>& events) {
  std::size_t n = 0;
  for (const agent::Event& e : events) n += e.type == agent::EventType::kLlmCall ? 1 : 0;
  return n;
}

int RunTask(const RunFlags& flags, const Config& config) {
  if (flags.task.empty() == flags.resume.empty()) {
    std::fprintf(stderr, "error: give a TASK or --resume ID (not both)\n");
    return kExitUsage;
  }
  Result<agent::RunnerOptions> options = Options(flags, config);
  if (!options.ok()) {
    std::fprintf(stderr, "error: %s\n", options.status().message().c_str());
    return kExitUsage;
  }
  const std::filesystem::path store_path = RunStorePath(flags.store, config);
  auto store = agent::RunStore::Open(store_path);
  if (!store.ok()) return PrintError(store.status());
  std::string run_id;
  std::size_t model_calls = 0;
  if (!flags.resume.empty()) {
    Result<std::string> id = (*store)->ResolveId(flags.resume);
    if (!id.ok()) return PrintError(id.status());
    run_id = *id;
    Result<std::vector<agent::Event>> events = (*store)->Events(run_id);
    if (!events.ok()) return PrintError(events.status());
    model_calls = CountModelCalls(*events);
  }
  const bool quiet = flags.quiet || flags.json;
  auto model = MakeChatBackend(flags.backend, config, model_calls, quiet);
  if (!model.ok()) return PrintError(model.status());
  Result<Tools> tools = ConnectTools(flags, store_path);
  if (!tools.ok()) return PrintError(tools.status());
  std::unique_ptr<knowledge::KnowledgeBase> kb;
  std::unique_ptr<knowledge::Verifier> verifier;
  if (!flags.kb.empty()) {
    auto opened = knowledge::KnowledgeBase::Open(flags.kb);
    if (!opened.ok()) return PrintError(opened.status());
    kb = std::move(*opened);
    verifier = std::make_unique<knowledge::Verifier>(*kb);
  }
  agent::AutoHumanChannel auto_human;
  agent::TerminalHumanChannel terminal(stdin, stderr);
  const PrintMode print_mode =
      flags.json ? PrintMode::kJson : (flags.quiet ? PrintMode::kQuiet : PrintMode::kText);
  RunPrinter printer(print_mode, stdout, stderr);

  agent::RunnerDeps deps;
  deps.model = model->get();
  deps.tools = tools->client.get();
  deps.store = store->get();
  deps.human = options->mode == agent::RunMode::kAuto
                   ? static_cast<agent::HumanChannel*>(&auto_human)
                   : static_cast<agent::HumanChannel*>(&terminal);
  deps.verifier = verifier.get();
  agent::RunnerCallbacks callbacks;
  callbacks.on_event = [&printer](const agent::Event& e) { printer.OnEvent(e); };
  callbacks.on_thinking = [&printer](std::string_view phase) { printer.OnThinking(phase); };
  const Json run_config = {{"mode", agent::RunModeName(options->mode)},
                           {"model", (*model)->Describe()},
                           {"toolserver", tools->url},
                           {"max_steps", options->max_steps},
                           {"kb", flags.kb}};
  agent::Runner runner(deps, *options, callbacks);
  Result<agent::RunOutcome> outcome = [&] {
    InterruptGuard guard(runner);
    return run_id.empty() ? runner.Start(flags.task, run_config) : runner.Resume(run_id);
  }();
  if (!outcome.ok())
    return printer.printed_fatal_error() ? kExitFailed : PrintError(outcome.status());
  if (outcome->status != agent::RunStatus::kAnswered && print_mode == PrintMode::kText) {
    std::fprintf(stderr, "resume with: sextant run --resume %s\n", outcome->run_id.c_str());
  }
  return outcome->status == agent::RunStatus::kAnswered ? 0 : kExitFailed;
}

}  // namespace

void AddRunCommand(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Run a task with the agent");
  cmd->add_option("task", flags->task, "What to do");
  cmd->add_option("--resume", flags->resume, "Continue the run with this id (or id prefix)");
  cmd->add_option("--mode", flags->mode, "auto, confirm or manual (default: agent.mode)")
      ->check(CLI::IsMember({"auto", "confirm", "manual"}));
  cmd->add_option("--store", flags->store, "The run store file (default: agent.run_store)");
  cmd->add_option("--toolserver", flags->toolserver,
                  "Use this ToolServer (http://HOST:PORT) instead of starting one");
  cmd->add_option("--token-file", flags->token_file, "The --toolserver's bearer token");
  cmd->add_option("--plugins", flags->plugins, "Plugins file for the embedded ToolServer");
  cmd->add_flag("--no-tools", flags->no_tools, "Run without a ToolServer (built-ins only)");
  cmd->add_option("--kb", flags->kb, "A knowledge base for kb_verify and answer checks");
  cmd->add_option("--max-steps", flags->max_steps, "Steps per subtask (default: agent.max_steps)");
  auto* quiet = cmd->add_flag("--quiet", flags->quiet, "Print only the answer");
  cmd->add_flag("--json", flags->json, "Print events as JSON lines")->excludes(quiet);
  AddBackendFlags(*cmd, flags->backend);
  cmd->callback([flags, &ctx] { ctx.exit_code = RunTask(*flags, *ctx.config); });
}

}  // namespace sextant::cli
