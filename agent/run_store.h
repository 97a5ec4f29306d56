// The run store: every run's append-only event log, its plan snapshots and its
// current state (status, answer), in one SQLite file (WAL).
//
// Schema (migration 1; see docs/runs.md):
//   runs(id TEXT PRIMARY KEY, task, status, created_ms, updated_ms, answer,
//        config JSON text, last_seq)
//   events(run_id, seq, time_ms, type, data JSON text), UNIQUE(run_id, seq)
//   plans(run_id, seq, plan JSON text, PRIMARY KEY(run_id, seq)): the plan as of event seq
//
// Durability: each Append is one IMMEDIATE transaction holding the event, any
// plan snapshot and the run's new state, so an observer sees all or none of
// them. With WAL and synchronous=NORMAL a committed Append survives the
// process being killed (kill -9); an OS crash or power loss may lose the last
// few commits but never tears one.
//
// Ownership: owns its Database connection. Returned values are plain copies.
// Thread safety: none; use one RunStore per thread. Several RunStores (or
// processes) may share one file: appends to one run are serialized by the
// write lock, so seqs stay contiguous.
// Errors: unknown runs are not_found (naming the id); inputs over the limits
// in RunStoreOptions are invalid_argument; a file that is not a run store is
// failed_precondition; stored JSON that no longer parses is data_loss; other
// SQLite failures map as in common/sqlite.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/event.h"
#include "common/json.h"
#include "common/sqlite.h"
#include "common/status.h"

namespace sextant::agent {

// State recorded together with an event, in the same transaction.
struct StateChange {
  std::optional<Json> plan;  // a new plan snapshot (planner::Plan::ToJson)
  std::optional<RunStatus> status;
  std::optional<std::string> answer;
};

struct RunStoreOptions {
  static constexpr std::size_t kDefaultMaxEventBytes = std::size_t{1} << 22;
  static constexpr std::size_t kDefaultMaxTaskBytes = std::size_t{1} << 16;
  static constexpr int kDefaultMaxJsonDepth = 128;
  static constexpr std::size_t kDefaultMinIdPrefix = 4;

  // Serialized data of one event, of one plan snapshot, and the bytes of an
  // answer; larger is invalid_argument.
  std::size_t max_event_bytes = kDefaultMaxEventBytes;
  // Bytes of a run's task text; longer is invalid_argument.
  std::size_t max_task_bytes = kDefaultMaxTaskBytes;
  // Nesting depth of event data, config and plans; deeper is invalid_argument
  // on write (and data_loss when a stored value is deeper on read).
  int max_json_depth = kDefaultMaxJsonDepth;
  // Shortest id prefix ResolveId accepts (1..kIdLength).
  std::size_t min_id_prefix = kDefaultMinIdPrefix;
  // The connection's settings. WAL is required for the durability above;
  // application_id is always set to the run store's own id.
  DatabaseOptions database;
};

// See the top of this file.
class RunStore {
 public:
  // Opens the store at `path`, creating the file (and its parent
  // directories) when missing, and applies the schema migrations it lacks.
  // A file that is not a run store (another application's SQLite file, or
  // not SQLite at all) is failed_precondition; bad options are
  // invalid_argument.
  static Result<std::unique_ptr<RunStore>> Open(const std::filesystem::path& path,
                                                const RunStoreOptions& options = {});
  // A private store in memory, gone when closed.
  static Result<std::unique_ptr<RunStore>> OpenInMemory(const RunStoreOptions& options = {});

  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;
  ~RunStore();

  // A new run with a fresh random id, status running, and its first event
  // ("task", data {"task", "config"}) written in the same transaction. A
  // task over max_task_bytes, or event data over the limits, is
  // invalid_argument.
  Result<RunInfo> CreateRun(std::string_view task, const Json& config);

  // Appends one event with the run's next seq and applies `change`, in ONE
  // transaction: on any failure nothing is written and the seq is not used.
  // An unknown run is not_found; data, a plan or an answer over
  // max_event_bytes (or nesting past max_json_depth) is invalid_argument.
  Result<Event> Append(std::string_view run_id, EventType type, Json data,
                       const StateChange& change = {});

  // The run's events with seq > after_seq, in seq order, at most `limit` of
  // them (limit < 0 means all). An unknown run is not_found.
  Result<std::vector<Event>> Events(std::string_view run_id, std::int64_t after_seq = 0,
                                    std::int64_t limit = -1);

  // The run; not_found names the id.
  Result<RunInfo> GetRun(std::string_view run_id);
  // Up to `limit` runs, newest first (limit < 0 means all).
  Result<std::vector<RunInfo>> ListRuns(std::int64_t limit = 50);
  // The newest plan snapshot of the run, or nullopt when it has none.
  Result<std::optional<Json>> LatestPlan(std::string_view run_id);

  // The id of the unique run whose id starts with `prefix` (case-insensitive,
  // at least min_id_prefix characters). A shorter prefix, or one that matches
  // several runs ("ambiguous: matches a1b2..., a1b2..."), is
  // invalid_argument; no match is not_found.
  Result<std::string> ResolveId(std::string_view prefix);

  // The whole run as JSON:
  // {"run": RunInfoToJson, "plans": [{"seq", "plan"}...],
  //  "events": [EventToJson...]}, both lists in seq order.
  Result<Json> Export(std::string_view run_id);

  static constexpr std::size_t kIdLength = 12;

 private:
  RunStore(std::unique_ptr<Database> db, const RunStoreOptions& options);
  static Result<std::unique_ptr<RunStore>> Init(Result<std::unique_ptr<Database>> db,
                                                const std::string& name,
                                                const RunStoreOptions& options);

  Status CheckJson(const Json& value, std::string_view what, std::string& out) const;
  Result<Json> LoadJson(const std::string& text, std::string_view what) const;
  Status RequireRun(std::string_view run_id);
  Result<std::int64_t> InsertEvent(std::string_view run_id, std::int64_t time_ms, EventType type,
                                   const std::string& data);

  std::unique_ptr<Database> db_;
  RunStoreOptions options_;
};

}  // namespace sextant::agent
