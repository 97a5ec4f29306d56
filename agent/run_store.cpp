#include "agent/run_store.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <system_error>
#include <utility>

namespace sextant::agent {
namespace {

// "SXRS" in the file header: marks a run store.
constexpr std::int32_t kRunStoreApplicationId = 0x53585253;
constexpr int kMaxIdAttempts = 8;
constexpr int kMaxAmbiguousShown = 5;
constexpr std::uint64_t kIdMask = (std::uint64_t{1} << (4 * RunStore::kIdLength)) - 1;

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE runs(
  id TEXT PRIMARY KEY,
  task TEXT NOT NULL,
  status TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  answer TEXT NOT NULL DEFAULT '',
  config TEXT NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_created ON runs(created_ms);
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  UNIQUE(run_id, seq));
CREATE TABLE plans(
  run_id TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  plan TEXT NOT NULL,
  PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
)sql";

constexpr Migration kMigrations[] = {
    {1, "runs, events and plan snapshots", kSchemaV1},
};

constexpr std::string_view kSelectRun =
    "SELECT id, task, status, created_ms, updated_ms, answer, config, last_seq FROM runs ";

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewRunId() {
  std::random_device rd;
  const std::uint64_t bits =
      ((static_cast<std::uint64_t>(rd()) << 32) | static_cast<std::uint64_t>(rd())) & kIdMask;
  char buffer[RunStore::kIdLength + 1];
  std::snprintf(buffer, sizeof(buffer), "%012llx", static_cast<unsigned long long>(bits));
  return std::string(buffer, RunStore::kIdLength);
}

// True when `value` nests containers more than `limit` levels deep. Stops
// descending past the limit, so its own recursion is bounded.
bool DeeperThan(const Json& value, int limit) {
  if (!value.is_structured()) return false;
  if (limit <= 0) return true;
  for (const auto& child : value) {
    if (DeeperThan(child, limit - 1)) return true;
  }
  return false;
}

std::string Quoted(std::string_view id) { return "'" + std::string(id) + "'"; }

}  // namespace

RunStore::RunStore(std::unique_ptr<Database> db, const RunStoreOptions& options)
    : db_(std::move(db)), options_(options) {}

RunStore::~RunStore() = default;

Result<std::unique_ptr<RunStore>> RunStore::Init(Result<std::unique_ptr<Database>> db,
                                                 const std::string& name,
                                                 const RunStoreOptions& options) {
  if (!db.ok()) {
    const Status& status = db.status();
    const bool foreign = status.code() == StatusCode::kFailedPrecondition &&
                         status.message().find("another application") != std::string::npos;
    if (status.code() == StatusCode::kDataLoss || foreign) {
      return FailedPreconditionError(name + " is not a run store: " + status.message());
    }
    return status.WithContext("run store " + name);
  }
  Status migrated = (*db)->Migrate(kMigrations);
  if (!migrated.ok()) return migrated.WithContext("run store " + name);
  return std::unique_ptr<RunStore>(new RunStore(std::move(db).value(), options));
}

namespace {
Status CheckOptions(const RunStoreOptions& options) {
  if (options.max_json_depth < 1) return InvalidArgumentError("max_json_depth must be >= 1");
  if (options.max_event_bytes < 2) return InvalidArgumentError("max_event_bytes must be >= 2");
  if (options.min_id_prefix < 1 || options.min_id_prefix > RunStore::kIdLength) {
    return InvalidArgumentError("min_id_prefix must be in 1.." +
                                std::to_string(RunStore::kIdLength));
  }
  return Status::Ok();
}

DatabaseOptions StoreDatabaseOptions(const RunStoreOptions& options) {
  DatabaseOptions db = options.database;
  db.application_id = kRunStoreApplicationId;
  return db;
}
}  // namespace

Result<std::unique_ptr<RunStore>> RunStore::Open(const std::filesystem::path& path,
                                                 const RunStoreOptions& options) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions(options));
  const DatabaseOptions db_options = StoreDatabaseOptions(options);
  if (db_options.create && !db_options.read_only && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return PermissionDeniedError("run store " + path.string() +
                                   ": cannot create its directory: " + ec.message());
    }
  }
  return Init(Database::Open(path, db_options), path.string(), options);
}

Result<std::unique_ptr<RunStore>> RunStore::OpenInMemory(const RunStoreOptions& options) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions(options));
  return Init(Database::OpenInMemory(StoreDatabaseOptions(options)), ":memory:", options);
}

Status RunStore::CheckJson(const Json& value, std::string_view what, std::string& out) const {
  if (DeeperThan(value, options_.max_json_depth)) {
    return InvalidArgumentError(std::string(what) + " nests deeper than the limit of " +
                                std::to_string(options_.max_json_depth) + " levels");
  }
  out = DumpJson(value);
  if (out.size() > options_.max_event_bytes) {
    return InvalidArgumentError(std::string(what) + " is " + std::to_string(out.size()) +
                                " bytes, over the limit of " +
                                std::to_string(options_.max_event_bytes));
  }
  return Status::Ok();
}

Result<Json> RunStore::LoadJson(const std::string& text, std::string_view what) const {
  JsonLimits limits;
  limits.max_bytes = std::max(text.size(), limits.max_bytes);
  limits.max_depth = options_.max_json_depth;
  auto parsed = ParseJson(text, limits);
  if (!parsed.ok()) {
    return DataLossError("run store " + db_->name() + ": " + std::string(what) +
                         " does not parse: " + parsed.status().message());
  }
  return parsed;
}

Status RunStore::RequireRun(std::string_view run_id) {
  SEXTANT_ASSIGN_OR_RETURN(auto found,
                           db_->QueryOne<std::int64_t>("SELECT 1 FROM runs WHERE id = ?", run_id));
  if (!found) return NotFoundError("no run with id " + Quoted(run_id));
  return Status::Ok();
}

Result<std::int64_t> RunStore::InsertEvent(std::string_view run_id, std::int64_t time_ms,
                                           EventType type, const std::string& data) {
  SEXTANT_ASSIGN_OR_RETURN(
      auto last, db_->QueryOne<std::int64_t>("SELECT last_seq FROM runs WHERE id = ?", run_id));
  if (!last) return NotFoundError("no run with id " + Quoted(run_id));
  const std::int64_t seq = *last + 1;
  SEXTANT_RETURN_IF_ERROR(
      db_->Execute("INSERT INTO events(run_id, seq, time_ms, type, data) VALUES(?, ?, ?, ?, ?)",
                   run_id, seq, time_ms, EventTypeName(type), data));
  return seq;
}

Result<RunInfo> RunStore::CreateRun(std::string_view task, const Json& config) {
  if (task.size() > options_.max_task_bytes) {
    return InvalidArgumentError("the task is " + std::to_string(task.size()) +
                                " bytes, over the limit of " +
                                std::to_string(options_.max_task_bytes));
  }
  Json data = {{"task", task}, {"config", config}};
  std::string data_text;
  SEXTANT_RETURN_IF_ERROR(CheckJson(data, "the task event's data", data_text));
  const std::string config_text = DumpJson(config);

  RunInfo run;
  run.task = std::string(task);
  run.config = config;
  run.created_ms = run.updated_ms = NowMs();
  run.event_count = 1;
  for (int attempt = 0; attempt < kMaxIdAttempts; ++attempt) {
    run.id = NewRunId();
    SEXTANT_ASSIGN_OR_RETURN(Transaction txn, db_->Begin(TransactionMode::kImmediate));
    Status inserted = db_->Execute(
        "INSERT INTO runs(id, task, status, created_ms, updated_ms, config, last_seq) "
        "VALUES(?, ?, ?, ?, ?, ?, 0)",
        run.id, task, RunStatusName(RunStatus::kRunning), run.created_ms, run.updated_ms,
        config_text);
    if (inserted.code() == StatusCode::kAlreadyExists) continue;  // id collision: roll back
    SEXTANT_RETURN_IF_ERROR(inserted);
    SEXTANT_ASSIGN_OR_RETURN(std::int64_t seq,
                             InsertEvent(run.id, run.created_ms, EventType::kTask, data_text));
    SEXTANT_RETURN_IF_ERROR(db_->Execute("UPDATE runs SET last_seq = ? WHERE id = ?", seq, run.id));
    SEXTANT_RETURN_IF_ERROR(txn.Commit());
    return run;
  }
  return InternalError("could not find a free run id after " + std::to_string(kMaxIdAttempts) +
                       " attempts");
}

Result<Event> RunStore::Append(std::string_view run_id, EventType type, Json data,
                               const StateChange& change) {
  std::string data_text;
  SEXTANT_RETURN_IF_ERROR(CheckJson(data, "event data", data_text));
  std::string plan_text;
  if (change.plan) SEXTANT_RETURN_IF_ERROR(CheckJson(*change.plan, "the plan", plan_text));
  if (change.answer && change.answer->size() > options_.max_event_bytes) {
    return InvalidArgumentError("the answer is " + std::to_string(change.answer->size()) +
                                " bytes, over the limit of " +
                                std::to_string(options_.max_event_bytes));
  }
  const std::int64_t now = NowMs();
  std::optional<std::string_view> status;
  if (change.status) status = RunStatusName(*change.status);

  SEXTANT_ASSIGN_OR_RETURN(Transaction txn, db_->Begin(TransactionMode::kImmediate));
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t seq, InsertEvent(run_id, now, type, data_text));
  if (change.plan) {
    SEXTANT_RETURN_IF_ERROR(db_->Execute("INSERT INTO plans(run_id, seq, plan) VALUES(?, ?, ?)",
                                         run_id, seq, plan_text));
  }
  SEXTANT_RETURN_IF_ERROR(
      db_->Execute("UPDATE runs SET last_seq = ?, updated_ms = max(updated_ms, ?), "
                   "status = coalesce(?, status), answer = coalesce(?, answer) WHERE id = ?",
                   seq, now, status, change.answer, run_id));
  SEXTANT_RETURN_IF_ERROR(txn.Commit());

  Event event;
  event.run_id = std::string(run_id);
  event.seq = seq;
  event.time_ms = now;
  event.type = type;
  event.data = std::move(data);
  return event;
}

Result<std::vector<Event>> RunStore::Events(std::string_view run_id, std::int64_t after_seq,
                                            std::int64_t limit) {
  SEXTANT_RETURN_IF_ERROR(RequireRun(run_id));
  std::vector<Event> events;
  if (limit == 0) return events;
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt,
                           db_->PrepareCached("SELECT seq, time_ms, type, data FROM events "
                                              "WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(run_id, after_seq, limit < 0 ? std::int64_t{-1} : limit));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    Event event;
    event.run_id = std::string(run_id);
    event.seq = stmt.ColumnInt(0);
    event.time_ms = stmt.ColumnInt(1);
    const std::string where = "run " + std::string(run_id) + " event " + std::to_string(event.seq);
    auto type = ParseEventType(stmt.ColumnText(2));
    if (!type.ok()) return DataLossError(where + ": " + type.status().message());
    event.type = *type;
    SEXTANT_ASSIGN_OR_RETURN(event.data, LoadJson(stmt.ColumnText(3), where + " data"));
    events.push_back(std::move(event));
  }
  return events;
}

namespace {
// Reads a row of kSelectRun; JSON parsing is left to the caller.
Result<RunInfo> ReadRunRow(const Statement& stmt, std::string& config_text) {
  RunInfo run;
  run.id = stmt.ColumnText(0);
  run.task = stmt.ColumnText(1);
  auto status = ParseRunStatus(stmt.ColumnText(2));
  if (!status.ok()) return DataLossError("run " + run.id + ": " + status.status().message());
  run.status = *status;
  run.created_ms = stmt.ColumnInt(3);
  run.updated_ms = stmt.ColumnInt(4);
  run.answer = stmt.ColumnText(5);
  config_text = stmt.ColumnText(6);
  run.event_count = stmt.ColumnInt(7);
  return run;
}
}  // namespace

Result<RunInfo> RunStore::GetRun(std::string_view run_id) {
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt,
                           db_->PrepareCached(std::string(kSelectRun) + "WHERE id = ?"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(run_id));
  SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return NotFoundError("no run with id " + Quoted(run_id));
  std::string config_text;
  SEXTANT_ASSIGN_OR_RETURN(RunInfo run, ReadRunRow(stmt, config_text));
  SEXTANT_ASSIGN_OR_RETURN(run.config, LoadJson(config_text, "run " + run.id + " config"));
  return run;
}

Result<std::vector<RunInfo>> RunStore::ListRuns(std::int64_t limit) {
  std::vector<RunInfo> runs;
  if (limit == 0) return runs;
  SEXTANT_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->PrepareCached(std::string(kSelectRun) + "ORDER BY created_ms DESC, rowid DESC LIMIT ?"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(limit < 0 ? std::int64_t{-1} : limit));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    std::string config_text;
    SEXTANT_ASSIGN_OR_RETURN(RunInfo run, ReadRunRow(stmt, config_text));
    SEXTANT_ASSIGN_OR_RETURN(run.config, LoadJson(config_text, "run " + run.id + " config"));
    runs.push_back(std::move(run));
  }
  return runs;
}

Result<std::optional<Json>> RunStore::LatestPlan(std::string_view run_id) {
  SEXTANT_RETURN_IF_ERROR(RequireRun(run_id));
  SEXTANT_ASSIGN_OR_RETURN(
      auto text, db_->QueryOne<std::string>(
                     "SELECT plan FROM plans WHERE run_id = ? ORDER BY seq DESC LIMIT 1", run_id));
  if (!text) return std::optional<Json>();
  SEXTANT_ASSIGN_OR_RETURN(Json plan, LoadJson(*text, "run " + std::string(run_id) + " plan"));
  return std::optional<Json>(std::move(plan));
}

Result<std::string> RunStore::ResolveId(std::string_view prefix) {
  if (prefix.size() < options_.min_id_prefix) {
    return InvalidArgumentError("run id prefix " + Quoted(prefix) +
                                " is too short: give at least " +
                                std::to_string(options_.min_id_prefix) + " characters");
  }
  std::string lower(prefix);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex = std::all_of(lower.begin(), lower.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (!hex || lower.size() > kIdLength) {
    return NotFoundError("no run id starts with " + Quoted(prefix));
  }
  // Ids are lowercase hex, all below '~': [prefix, prefix + "~") holds exactly
  // the ids that start with prefix.
  SEXTANT_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->PrepareCached("SELECT id FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(lower, lower + "~", kMaxAmbiguousShown + 1));
  std::vector<std::string> ids;
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    ids.push_back(stmt.ColumnText(0));
  }
  if (ids.empty()) return NotFoundError("no run id starts with " + Quoted(prefix));
  if (ids.size() == 1) return ids[0];
  std::string message = "ambiguous: run id prefix " + Quoted(prefix) + " matches ";
  for (std::size_t i = 0; i < ids.size() && i < kMaxAmbiguousShown; ++i) {
    if (i > 0) message += ", ";
    message += ids[i];
  }
  if (ids.size() > kMaxAmbiguousShown) message += ", ...";
  return InvalidArgumentError(message);
}

Result<Json> RunStore::Export(std::string_view run_id) {
  SEXTANT_ASSIGN_OR_RETURN(RunInfo run, GetRun(run_id));
  Json plans = Json::array();
  {
    SEXTANT_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->PrepareCached("SELECT seq, plan FROM plans WHERE run_id = ? ORDER BY seq"));
    SEXTANT_RETURN_IF_ERROR(stmt.BindAll(run_id));
    for (;;) {
      SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      const std::int64_t seq = stmt.ColumnInt(0);
      SEXTANT_ASSIGN_OR_RETURN(Json plan, LoadJson(stmt.ColumnText(1), "run " + run.id + " plan " +
                                                                           std::to_string(seq)));
      plans.push_back(Json{{"seq", seq}, {"plan", std::move(plan)}});
    }
  }
  SEXTANT_ASSIGN_OR_RETURN(std::vector<Event> events, Events(run_id));
  Json event_list = Json::array();
  for (const Event& event : events) event_list.push_back(EventToJson(event));
  return Json{
      {"run", RunInfoToJson(run)}, {"plans", std::move(plans)}, {"events", std::move(event_list)}};
}

}  // namespace sextant::agent
