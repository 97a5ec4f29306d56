// `sextant runs list|show|replay|export`: the run store, read only.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "agent/run_store.h"
#include "cli/commands.h"
#include "cli/model_util.h"
#include "cli/run_printer.h"
#include "cli/run_setup.h"
#include "common/json.h"
#include "planner/plan.h"

namespace sextant::cli {
namespace {

constexpr std::size_t kTaskColumn = 60;

struct RunsFlags {
  std::string store;
  std::string id;
  std::string out;
  bool json = false;
  std::int64_t limit = 20;
};

std::string Time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

Json RunJson(const agent::RunInfo& run) {
  return {{"id", run.id},
          {"task", run.task},
          {"status", agent::RunStatusName(run.status)},
          {"created_ms", run.created_ms},
          {"updated_ms", run.updated_ms},
          {"answer", run.answer},
          {"events", run.event_count},
          {"config", run.config}};
}

using StoreFn = std::function<int(agent::RunStore&)>;

int WithStore(const RunsFlags& flags, const Config& config, const StoreFn& fn) {
  const std::filesystem::path path = RunStorePath(flags.store, config);
  if (!std::filesystem::exists(path)) {
    std::fprintf(stderr, "error: no run store at %s (no run yet)\n", path.string().c_str());
    return 1;
  }
  auto store = agent::RunStore::Open(path);
  if (!store.ok()) return PrintError(store.status());
  return fn(**store);
}

int List(agent::RunStore& store, const RunsFlags& flags) {
  auto runs = store.ListRuns(flags.limit);
  if (!runs.ok()) return PrintError(runs.status());
  if (flags.json) {
    Json out = Json::array();
    for (const agent::RunInfo& run : *runs) out.push_back(RunJson(run));
    std::printf("%s\n", DumpJson(out, 2).c_str());
    return 0;
  }
  std::printf("%-12s  %-11s  %-19s  %6s  %s\n", "id", "status", "created (UTC)", "events", "task");
  for (const agent::RunInfo& run : *runs) {
    std::string task = run.task.substr(0, run.task.find('\n'));
    if (task.size() > kTaskColumn) task = task.substr(0, kTaskColumn - 3) + "...";
    std::printf("%-12s  %-11s  %-19s  %6lld  %s\n", run.id.c_str(),
                std::string(agent::RunStatusName(run.status)).c_str(), Time(run.created_ms).c_str(),
                static_cast<long long>(run.event_count), task.c_str());
  }
  return 0;
}

int Show(agent::RunStore& store, const RunsFlags& flags) {
  auto id = store.ResolveId(flags.id);
  if (!id.ok()) return PrintError(id.status());
  auto run = store.GetRun(*id);
  if (!run.ok()) return PrintError(run.status());
  auto plan = store.LatestPlan(*id);
  if (!plan.ok()) return PrintError(plan.status());
  if (flags.json) {
    Json out = RunJson(*run);
    out["plan"] = plan->has_value() ? **plan : Json(nullptr);
    std::printf("%s\n", DumpJson(out, 2).c_str());
    return 0;
  }
  std::printf("run      %s\nstatus   %s\ncreated  %s UTC\nupdated  %s UTC\nevents   %lld\n",
              run->id.c_str(), std::string(agent::RunStatusName(run->status)).c_str(),
              Time(run->created_ms).c_str(), Time(run->updated_ms).c_str(),
              static_cast<long long>(run->event_count));
  std::printf("task     %s\n", run->task.c_str());
  if (plan->has_value()) {
    auto parsed = planner::Plan::FromJson(**plan);
    if (parsed.ok()) std::printf("plan\n%s", parsed->Render().c_str());
  }
  if (!run->answer.empty()) std::printf("answer   %s\n", run->answer.c_str());
  return 0;
}

int Replay(agent::RunStore& store, const RunsFlags& flags) {
  auto id = store.ResolveId(flags.id);
  if (!id.ok()) return PrintError(id.status());
  auto events = store.Events(*id);
  if (!events.ok()) return PrintError(events.status());
  RunPrinter printer(flags.json ? PrintMode::kJson : PrintMode::kText, stdout, stderr);
  for (const agent::Event& event : *events) printer.OnEvent(event);
  return 0;
}

int Export(agent::RunStore& store, const RunsFlags& flags) {
  auto id = store.ResolveId(flags.id);
  if (!id.ok()) return PrintError(id.status());
  auto exported = store.Export(*id);
  if (!exported.ok()) return PrintError(exported.status());
  const std::string text = DumpJson(*exported, 2) + "\n";
  if (flags.out.empty() || flags.out == "-") {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  std::ofstream out(flags.out, std::ios::binary);
  if (!(out << text)) {
    std::fprintf(stderr, "error: cannot write %s\n", flags.out.c_str());
    return 1;
  }
  return 0;
}

CLI::App* Sub(CLI::App& parent, const char* name, const char* help,
              const std::shared_ptr<RunsFlags>& flags) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->add_option("--store", flags->store, "The run store file (default: agent.run_store)");
  return cmd;
}

}  // namespace

void AddRunsCommand(CLI::App& app, Context& ctx) {
  CLI::App* runs = app.add_subcommand("runs", "List, show, replay and export runs");
  runs->require_subcommand(1);
  auto flags = std::make_shared<RunsFlags>();
  auto bind = [flags, &ctx](int (*fn)(agent::RunStore&, const RunsFlags&)) {
    return [flags, &ctx, fn] {
      ctx.exit_code =
          WithStore(*flags, *ctx.config, [&](agent::RunStore& store) { return fn(store, *flags); });
    };
  };
  CLI::App* list = Sub(*runs, "list", "The newest runs", flags);
  list->add_option("--limit", flags->limit, "How many (default 20)");
  list->add_flag("--json", flags->json, "JSON output");
  list->callback(bind(List));
  CLI::App* show = Sub(*runs, "show", "One run: status, plan and answer", flags);
  show->add_option("id", flags->id, "Run id or prefix")->required();
  show->add_flag("--json", flags->json, "JSON output");
  show->callback(bind(Show));
  CLI::App* replay =
      Sub(*runs, "replay", "Print a run again from its events, calling nothing", flags);
  replay->add_option("id", flags->id, "Run id or prefix")->required();
  replay->add_flag("--json", flags->json, "Events as JSON lines");
  replay->callback(bind(Replay));
  CLI::App* exp = Sub(*runs, "export", "Write a run, its plans and events as JSON", flags);
  exp->add_option("id", flags->id, "Run id or prefix")->required();
  exp->add_option("--out", flags->out, "Output file (default: stdout)");
  exp->callback(bind(Export));
}

}  // namespace sextant::cli
