// Agent benchmark. Sections (each adds rows to one table):
//   append  - run store events/s, one transaction per event, for ~300 B and
//             ~4 KB event data, against plain SQLite (the peer: BEGIN
//             IMMEDIATE; INSERT; COMMIT into a table of the same shape,
//             through the same wrapper and pragmas), and bytes on disk per
//             event against the event's JSON size;
//   resume  - time to open the store and read back a 10,000-event run with
//             its latest plan snapshot (median of 5), against reading the
//             same rows' text from the plain table;
//   runner  - the runner's own time per step (a scripted model that answers
//             at once, and ask_human in auto mode as a no-op tool), against
//             appending the same step's three events to the store alone.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "agent/run_store.h"
#include "agent/runner.h"
#include "bench/bench_util.h"
#include "common/sqlite.h"
#include "llm/scripted/scripted_chat_model.h"

namespace {

namespace fs = std::filesystem;
namespace ag = sextant::agent;
using sextant::Json;
using sextant::Status;
using sextant::bench::Fixed;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kSmallEventBytes = 300;
constexpr std::size_t kLargeEventBytes = 4096;
constexpr int kSmallEvents = 5000;
constexpr int kLargeEvents = 2000;
constexpr int kAppendRuns = 3;
constexpr int kResumeEvents = 10000;
constexpr int kResumePlanEvery = 50;
constexpr std::size_t kPlanBytes = 2048;
constexpr int kResumeReps = 5;

double Seconds(Clock::time_point start) { return sextant::bench::SecondsSince(start); }

std::uintmax_t DbBytes(const fs::path& db) { return sextant::bench::SqliteBytes(db); }

// A tool-call-like event whose compact JSON is about `bytes` long.
Json EventData(int i, std::size_t bytes) {
  Json data = {{"name", "web_search"}, {"step", i}, {"arguments", {{"query", ""}}}};
  const std::size_t base = sextant::DumpJson(data).size();
  const std::size_t pad = bytes > base ? bytes - base : 0;
  std::string query;
  for (std::size_t k = 0; k < pad; ++k) query += static_cast<char>('a' + (k * 7 + i) % 26);
  data["arguments"]["query"] = query;
  return data;
}

struct Context {
  fs::path dir;
  sextant::bench::Table* table = nullptr;
  int next_file = 0;
  fs::path NewFile(const std::string& stem) {
    return dir / (stem + std::to_string(next_file++) + ".sqlite");
  }
};

Status Fail(const Status& status, const std::string& what) { return status.WithContext(what); }

constexpr std::string_view kPlainSchema =
    "CREATE TABLE events(id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, seq INTEGER NOT NULL, "
    "time_ms INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, UNIQUE(run_id, seq))";

// Plain SQLite: one transaction per insert, same table shape and pragmas.
sextant::Result<double> PlainAppendSeconds(const fs::path& path,
                                           const std::vector<std::string>& data) {
  SEXTANT_ASSIGN_OR_RETURN(auto db, sextant::Database::Open(path));
  SEXTANT_RETURN_IF_ERROR(db->Exec(kPlainSchema));
  const auto start = Clock::now();
  for (std::size_t i = 0; i < data.size(); ++i) {
    SEXTANT_ASSIGN_OR_RETURN(auto txn, db->Begin(sextant::TransactionMode::kImmediate));
    SEXTANT_RETURN_IF_ERROR(db->Execute(
        "INSERT INTO events(run_id, seq, time_ms, type, data) VALUES(?, ?, ?, ?, ?)",
        "0123456789ab", static_cast<std::int64_t>(i + 1), std::int64_t{0}, "tool_call", data[i]));
    SEXTANT_RETURN_IF_ERROR(txn.Commit());
  }
  return Seconds(start);
}

struct StoreAppend {
  double seconds = 0;
  std::uintmax_t bytes = 0;
};

sextant::Result<StoreAppend> StoreAppendRun(const fs::path& path, const std::vector<Json>& data) {
  StoreAppend out;
  {
    SEXTANT_ASSIGN_OR_RETURN(auto store, ag::RunStore::Open(path));
    SEXTANT_ASSIGN_OR_RETURN(ag::RunInfo run, store->CreateRun("bench", Json::object()));
    const auto start = Clock::now();
    for (const Json& d : data) {
      SEXTANT_ASSIGN_OR_RETURN(ag::Event e, store->Append(run.id, ag::EventType::kToolCall, d));
      (void)e;
    }
    out.seconds = Seconds(start);
  }
  out.bytes = DbBytes(path);  // after close: the WAL is checkpointed
  return out;
}

Status AppendRows(Context& ctx, std::size_t event_bytes, int events) {
  std::vector<Json> data;
  std::vector<std::string> text;
  for (int i = 0; i < events; ++i) {
    data.push_back(EventData(i, event_bytes));
    text.push_back(sextant::DumpJson(data.back()));
  }
  std::vector<double> store_s;
  std::vector<double> plain_s;
  std::uintmax_t store_bytes = 0;
  for (int run = 0; run < kAppendRuns; ++run) {
    auto s = StoreAppendRun(ctx.NewFile("store"), data);
    if (!s.ok()) return Fail(s.status(), "run store append");
    store_s.push_back(s->seconds);
    store_bytes = s->bytes;
    auto p = PlainAppendSeconds(ctx.NewFile("plain"), text);
    if (!p.ok()) return Fail(p.status(), "plain append");
    plain_s.push_back(*p);
  }
  const double n = events;
  const double store_rate = n / sextant::bench::Median(store_s);
  const double plain_rate = n / sextant::bench::Median(plain_s);
  const std::string size = std::to_string(text[0].size()) + " B";
  ctx.table->AddRow(
      {"append events/s, " + size + " data (median of " + std::to_string(kAppendRuns) + ")",
       Fixed(store_rate, 0), "plain SQLite " + Fixed(plain_rate, 0),
       Fixed(store_rate / plain_rate, 2)});
  const double per_event = static_cast<double>(store_bytes) / (n + 1);
  ctx.table->AddRow({"db bytes per event, " + size + " data", Fixed(per_event, 0),
                     "event JSON " + std::to_string(text[0].size()),
                     Fixed(per_event / static_cast<double>(text[0].size()), 2)});
  return Status::Ok();
}

Status AppendSection(Context& ctx) {
  SEXTANT_RETURN_IF_ERROR(AppendRows(ctx, kSmallEventBytes, kSmallEvents));
  return AppendRows(ctx, kLargeEventBytes, kLargeEvents);
}

Json PlanData(int i) {
  Json subtasks = Json::array();
  std::size_t bytes = 0;
  for (int k = 0; bytes < kPlanBytes; ++k) {
    Json subtask = {{"id", std::to_string(k + 1)},
                    {"name", "subtask " + std::to_string(k)},
                    {"goal", "find the population of city number " + std::to_string(i + k)},
                    {"criticism", "check two sources"},
                    {"status", k < i / kResumePlanEvery ? "done" : "todo"}};
    bytes += sextant::DumpJson(subtask).size();
    subtasks.push_back(std::move(subtask));
  }
  return Json{{"subtasks", std::move(subtasks)}};
}

Status ResumeSection(Context& ctx) {
  const fs::path store_path = ctx.NewFile("resume");
  const fs::path plain_path = ctx.NewFile("resume_plain");
  std::string id;
  {
    SEXTANT_ASSIGN_OR_RETURN(auto store, ag::RunStore::Open(store_path));
    SEXTANT_ASSIGN_OR_RETURN(auto plain, sextant::Database::Open(plain_path));
    SEXTANT_RETURN_IF_ERROR(plain->Exec(kPlainSchema));
    SEXTANT_ASSIGN_OR_RETURN(ag::RunInfo run, store->CreateRun("resume bench", Json::object()));
    id = run.id;
    SEXTANT_ASSIGN_OR_RETURN(auto txn, plain->Begin());
    for (int i = 1; i < kResumeEvents; ++i) {
      ag::StateChange change;
      if (i % kResumePlanEvery == 0) change.plan = PlanData(i);
      const Json data = EventData(i, kSmallEventBytes);
      SEXTANT_ASSIGN_OR_RETURN(ag::Event e,
                               store->Append(id, ag::EventType::kToolResult, data, change));
      SEXTANT_RETURN_IF_ERROR(plain->Execute(
          "INSERT INTO events(run_id, seq, time_ms, type, data) VALUES(?, ?, ?, ?, ?)", id, e.seq,
          e.time_ms, "tool_result", sextant::DumpJson(data)));
    }
    SEXTANT_RETURN_IF_ERROR(txn.Commit());
  }
  std::size_t read_events = 0;
  Status status;
  const double store_s = sextant::bench::MedianSeconds(kResumeReps, [&] {
    auto store = ag::RunStore::Open(store_path);
    if (!store.ok()) return (void)(status = store.status());
    auto run = (*store)->GetRun(id);
    auto events = (*store)->Events(id);
    auto plan = (*store)->LatestPlan(id);
    if (!run.ok() || !events.ok() || !plan.ok() || !plan->has_value()) {
      status = sextant::InternalError("resume read failed");
      return;
    }
    read_events = events->size();
  });
  SEXTANT_RETURN_IF_ERROR(status);
  auto plain_read = [&](bool parse) {
    auto db = sextant::Database::Open(plain_path);
    if (!db.ok()) return (void)(status = db.status());
    auto stmt =
        (*db)->Prepare("SELECT seq, time_ms, type, data FROM events WHERE run_id = ? ORDER BY seq");
    if (!stmt.ok() || !stmt->BindAll(id).ok()) return (void)(status = stmt.status());
    std::size_t rows = 0;
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok() || !*row) break;
      const std::string text = stmt->ColumnText(3);
      if (parse && Json::parse(text, nullptr, false).is_discarded()) break;
      ++rows;
    }
    if (rows + 1 != static_cast<std::size_t>(kResumeEvents)) {
      status = sextant::InternalError("plain resume read " + std::to_string(rows) + " rows");
    }
  };
  const double plain_s = sextant::bench::MedianSeconds(kResumeReps, [&] { plain_read(false); });
  SEXTANT_RETURN_IF_ERROR(status);
  const double parse_s = sextant::bench::MedianSeconds(kResumeReps, [&] { plain_read(true); });
  SEXTANT_RETURN_IF_ERROR(status);
  const std::string resume = "resume ms: open + read " + std::to_string(read_events) +
                             " events + latest plan (median of " + std::to_string(kResumeReps) +
                             ")";
  ctx.table->AddRow({resume, Fixed(store_s * 1e3, 1),
                     "plain SELECT of the text " + Fixed(plain_s * 1e3, 1),
                     Fixed(store_s / plain_s, 2)});
  ctx.table->AddRow({resume, Fixed(store_s * 1e3, 1),
                     "plain SELECT + JSON parse " + Fixed(parse_s * 1e3, 1),
                     Fixed(store_s / parse_s, 2)});
  return Status::Ok();
}

constexpr int kRunnerSteps = 400;
constexpr int kRunnerReps = 3;

Json Reply(const std::string& name, Json arguments) {
  return Json{{"tool_calls", Json::array({{{"name", name}, {"arguments", std::move(arguments)}}})}};
}

// One run: a one-subtask plan, kRunnerSteps ask_human calls, then submit,
// reflect and answer. Returns the run's wall seconds.
sextant::Result<double> TimedRun(ag::RunStore& store) {
  Json responses = Json::array({Reply(
      "plan_create", {{"subtasks", Json::array({{{"name", "loop"}, {"goal", "ask often"}}})}})});
  for (int i = 0; i < kRunnerSteps; ++i) {
    responses.push_back(Reply("ask_human", {{"question", "step " + std::to_string(i)}}));
  }
  responses.push_back(Reply("subtask_submit", {{"result", "done"}, {"success", true}}));
  responses.push_back(Reply("reflect", {{"summary", "ok"}, {"refine", false}}));
  responses.push_back(Reply("final_answer", {{"answer", "done"}}));
  SEXTANT_ASSIGN_OR_RETURN(auto model, sextant::llm::MakeScriptedChatModel(Json{
                                           {"context_length", 1 << 20}, {"responses", responses}}));
  ag::AutoHumanChannel human;
  ag::RunnerDeps deps;
  deps.model = model.get();
  deps.store = &store;
  deps.human = &human;
  ag::RunnerOptions options;
  options.max_steps = kRunnerSteps + 2;
  ag::Runner runner(deps, options);
  const auto start = Clock::now();
  SEXTANT_ASSIGN_OR_RETURN(ag::RunOutcome outcome, runner.Start("bench"));
  const double seconds = Seconds(start);
  if (outcome.status != ag::RunStatus::kAnswered) {
    return sextant::InternalError("the bench run did not answer");
  }
  return seconds;
}

Status RunnerSection(Context& ctx) {
  SEXTANT_ASSIGN_OR_RETURN(auto store, ag::RunStore::Open(ctx.NewFile("runner")));
  std::vector<double> runs;
  for (int i = 0; i < kRunnerReps; ++i) {
    SEXTANT_ASSIGN_OR_RETURN(double s, TimedRun(*store));
    runs.push_back(s);
  }
  std::sort(runs.begin(), runs.end());
  const double per_step = runs[runs.size() / 2] / (kRunnerSteps + 4);
  // The peer: the three events one ask_human step writes, appended alone.
  SEXTANT_ASSIGN_OR_RETURN(ag::RunInfo run, store->CreateRun("peer", Json::object()));
  const Json llm = {{"phase", "tool"}, {"text", ""}, {"tool_calls", Json::array()}};
  const auto start = Clock::now();
  for (int i = 0; i < kRunnerSteps; ++i) {
    SEXTANT_RETURN_IF_ERROR(store->Append(run.id, ag::EventType::kLlmCall, llm).status());
    SEXTANT_RETURN_IF_ERROR(
        store->Append(run.id, ag::EventType::kHumanRequest, Json{{"question", "q"}}).status());
    SEXTANT_RETURN_IF_ERROR(
        store->Append(run.id, ag::EventType::kHumanResponse, Json{{"answer", "a"}}).status());
  }
  const double peer = Seconds(start) / kRunnerSteps;
  ctx.table->AddRow({"runner ms per step (scripted model, no-op tool; median of " +
                         std::to_string(kRunnerReps) + " runs)",
                     Fixed(per_step * 1e3, 3), "3 store appends alone " + Fixed(peer * 1e3, 3),
                     Fixed(per_step / peer, 2)});
  return Status::Ok();
}

struct Section {
  const char* name;
  std::function<Status(Context&)> run;
};

}  // namespace

int main() {
  const std::vector<Section> sections = {
      {"append", AppendSection},
      {"resume", ResumeSection},
      {"runner", RunnerSection},
  };
  Context ctx;
  ctx.dir = fs::temp_directory_path() / ("sextant_bench_agent_" + std::to_string(getpid()));
  std::error_code ec;
  fs::create_directories(ctx.dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", ctx.dir.c_str(), ec.message().c_str());
    return 1;
  }
  sextant::bench::Table table({"measure", "value", "reference", "ratio"});
  ctx.table = &table;
  int rc = 0;
  for (const Section& section : sections) {
    const Status status = section.run(ctx);
    if (!status.ok()) {
      std::fprintf(stderr, "section %s: %s\n", section.name, status.ToString().c_str());
      rc = 1;
    }
  }
  fs::remove_all(ctx.dir, ec);
  std::cout << "bench_agent on " << sextant::bench::CpuModelName() << "\n"
            << "SQLite WAL, synchronous=NORMAL, files under " << fs::temp_directory_path().string()
            << "\n\n";
  table.Print(std::cout);
  return rc;
}
