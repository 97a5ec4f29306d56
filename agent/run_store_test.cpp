#include "agent/run_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/testing/testdata.h"

namespace sextant::agent {
namespace {

using ::sextant::testing::Contains;

constexpr EventType kAllTypes[] = {
    EventType::kTask,           EventType::kPlanCreated,     EventType::kPlanChanged,
    EventType::kSubtaskStarted, EventType::kSubtaskFinished, EventType::kLlmCall,
    EventType::kToolCall,       EventType::kToolResult,      EventType::kHumanRequest,
    EventType::kHumanResponse,  EventType::kReflection,      EventType::kVerification,
    EventType::kFinalAnswer,    EventType::kError,           EventType::kRunStatus};

std::unique_ptr<RunStore> MemoryStore(const RunStoreOptions& options = {}) {
  auto store = RunStore::OpenInMemory(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

RunInfo NewRun(RunStore& store, std::string_view task = "find the answer") {
  auto run = store.CreateRun(task, Json{{"mode", "auto"}});
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return run.ok() ? *run : RunInfo{};
}

TEST(EventNames, RoundTripAndAreUnique) {
  std::set<std::string_view> names;
  for (EventType type : kAllTypes) {
    const std::string_view name = EventTypeName(type);
    names.insert(name);
    auto parsed = ParseEventType(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(names.size(), std::size(kAllTypes));
  EXPECT_EQ(EventTypeName(EventType::kPlanCreated), "plan_created");
  EXPECT_EQ(EventTypeName(EventType::kRunStatus), "run_status");
  auto bad = ParseEventType("Task");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(bad.status().message(), "Task"));
}

TEST(RunStatusNames, RoundTrip) {
  for (RunStatus s : {RunStatus::kRunning, RunStatus::kAnswered, RunStatus::kFailed,
                      RunStatus::kCancelled, RunStatus::kInterrupted}) {
    auto parsed = ParseRunStatus(RunStatusName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(RunStatusName(RunStatus::kCancelled), "cancelled");
  EXPECT_EQ(ParseRunStatus("done").status().code(), StatusCode::kInvalidArgument);
}

TEST(RunStore, CreateRunWritesTaskEvent) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  const Json config = {{"mode", "auto"}, {"max_steps", 5}};
  auto run = store->CreateRun("list the files", config);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->id.size(), RunStore::kIdLength);
  EXPECT_TRUE(std::all_of(run->id.begin(), run->id.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  EXPECT_EQ(run->status, RunStatus::kRunning);
  EXPECT_EQ(run->event_count, 1);
  auto events = store->Events(run->id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].seq, 1);
  EXPECT_EQ((*events)[0].type, EventType::kTask);
  EXPECT_EQ((*events)[0].data, (Json{{"task", "list the files"}, {"config", config}}));
  auto got = store->GetRun(run->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->task, "list the files");
  EXPECT_EQ(got->config, config);
  EXPECT_EQ(got->created_ms, run->created_ms);
  EXPECT_EQ(got->answer, "");
}

TEST(RunStore, AppendNumbersEventsWithoutGaps) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  const RunInfo other = NewRun(*store, "another task");
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) {
    auto event = store->Append(run.id, EventType::kToolCall, Json{{"i", i}});
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    EXPECT_EQ(event->seq, i + 2);
    EXPECT_EQ(event->run_id, run.id);
    EXPECT_GT(event->time_ms, 0);
  }
  auto events = store->Events(run.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<std::size_t>(kEvents + 1));
  for (std::size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].seq, static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ((*events)[5].data, (Json{{"i", 4}}));
  auto page = store->Events(run.id, 10, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].seq, 11);
  EXPECT_EQ((*page)[2].seq, 13);
  auto none = store->Events(run.id, 0, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto tail = store->Events(run.id, kEvents + 1);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->empty());
  auto other_events = store->Events(other.id);
  ASSERT_TRUE(other_events.ok());
  EXPECT_EQ(other_events->size(), 1u);
  auto got = store->GetRun(run.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->event_count, kEvents + 1);
}

TEST(RunStore, StateChangeIsApplied) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  auto none = store->LatestPlan(run.id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  const Json plan1 = {{"subtasks", Json::array({{{"id", "1"}, {"name", "search"}}})}};
  const Json plan2 = {{"subtasks", Json::array({{{"id", "1"}}, {{"id", "2"}}})}};
  StateChange first;
  first.plan = plan1;
  ASSERT_TRUE(store->Append(run.id, EventType::kPlanCreated, Json::object(), first).ok());
  StateChange second;
  second.plan = plan2;
  ASSERT_TRUE(store->Append(run.id, EventType::kPlanChanged, Json::object(), second).ok());
  auto latest = store->LatestPlan(run.id);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ(**latest, plan2);

  StateChange done;
  done.status = RunStatus::kAnswered;
  done.answer = "42";
  ASSERT_TRUE(store->Append(run.id, EventType::kFinalAnswer, Json{{"answer", "42"}}, done).ok());
  auto got = store->GetRun(run.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, RunStatus::kAnswered);
  EXPECT_EQ(got->answer, "42");
  EXPECT_EQ(got->event_count, 4);
  EXPECT_GE(got->updated_ms, got->created_ms);
  // A change without status or answer keeps them.
  ASSERT_TRUE(store->Append(run.id, EventType::kReflection, Json::object()).ok());
  got = store->GetRun(run.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, RunStatus::kAnswered);
  EXPECT_EQ(got->answer, "42");
}

TEST(RunStore, UnknownRunIsNotFound) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  const std::string id = "0123456789ab";
  auto appended = store->Append(id, EventType::kError, Json::object());
  EXPECT_EQ(appended.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(appended.status().message(), id));
  EXPECT_EQ(store->Events(id).status().code(), StatusCode::kNotFound);
  auto run = store->GetRun(id);
  EXPECT_EQ(run.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(run.status().message(), id));
  EXPECT_EQ(store->LatestPlan(id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Export(id).status().code(), StatusCode::kNotFound);
}

TEST(RunStore, ListRunsNewestFirst) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(NewRun(*store, "task " + std::to_string(i)).id);
  auto all = store->ListRuns(-1);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, ids[2]);
  EXPECT_EQ((*all)[1].id, ids[1]);
  EXPECT_EQ((*all)[2].id, ids[0]);
  EXPECT_EQ((*all)[0].task, "task 2");
  auto two = store->ListRuns(2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  auto zero = store->ListRuns(0);
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->empty());
}

TEST(RunStore, ResolveIdByPrefix) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  auto full = store->ResolveId(run.id);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(*full, run.id);
  std::string upper = run.id.substr(0, 6);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  auto by_prefix = store->ResolveId(upper);
  ASSERT_TRUE(by_prefix.ok()) << by_prefix.status().ToString();
  EXPECT_EQ(*by_prefix, run.id);
  auto short_prefix = store->ResolveId(run.id.substr(0, 3));
  EXPECT_EQ(short_prefix.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(short_prefix.status().message(), "at least 4"));
  const std::string absent = run.id[0] == '0' ? "1111" : "0000";
  EXPECT_EQ(store->ResolveId(absent).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ResolveId("zzzz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ResolveId(run.id + "0").status().code(), StatusCode::kNotFound);
}

TEST(RunStore, ResolveIdReportsAmbiguity) {
  RunStoreOptions options;
  options.min_id_prefix = 1;
  auto store = MemoryStore(options);
  ASSERT_NE(store, nullptr);
  // 17 runs: two of them share a first hex digit.
  std::vector<std::string> ids;
  for (int i = 0; i < 17; ++i) ids.push_back(NewRun(*store).id);
  std::sort(ids.begin(), ids.end());
  std::string shared;
  for (std::size_t i = 1; i < ids.size() && shared.empty(); ++i) {
    if (ids[i][0] == ids[i - 1][0]) shared = ids[i].substr(0, 1);
  }
  ASSERT_FALSE(shared.empty());
  auto ambiguous = store->ResolveId(shared);
  EXPECT_EQ(ambiguous.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(ambiguous.status().message(), "ambiguous"));
  for (const std::string& id : ids) {
    if (id[0] == shared[0] && Contains(ambiguous.status().message(), id)) return;
  }
  ADD_FAILURE() << "no matching id named in: " << ambiguous.status().message();
}

TEST(RunStore, MinIdPrefixOptionIsChecked) {
  RunStoreOptions options;
  options.min_id_prefix = 0;
  EXPECT_EQ(RunStore::OpenInMemory(options).status().code(), StatusCode::kInvalidArgument);
  options.min_id_prefix = RunStore::kIdLength + 1;
  EXPECT_EQ(RunStore::OpenInMemory(options).status().code(), StatusCode::kInvalidArgument);
  options.min_id_prefix = RunStore::kIdLength;
  auto store = MemoryStore(options);
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  EXPECT_TRUE(store->ResolveId(run.id).ok());
  EXPECT_EQ(store->ResolveId(run.id.substr(0, RunStore::kIdLength - 1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RunStore, ExportHoldsRunPlansAndEvents) {
  auto store = MemoryStore();
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  StateChange change;
  change.plan = Json{{"subtasks", Json::array()}};
  ASSERT_TRUE(store->Append(run.id, EventType::kPlanCreated, Json{{"n", 1}}, change).ok());
  ASSERT_TRUE(store->Append(run.id, EventType::kToolCall, Json{{"name", "shell"}}).ok());
  auto exported = store->Export(run.id);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  const Json& e = *exported;
  EXPECT_EQ(e["run"]["id"], run.id);
  EXPECT_EQ(e["run"]["status"], "running");
  EXPECT_EQ(e["run"]["event_count"], 3);
  ASSERT_EQ(e["plans"].size(), 1u);
  EXPECT_EQ(e["plans"][0]["seq"], 2);
  EXPECT_EQ(e["plans"][0]["plan"], *change.plan);
  ASSERT_EQ(e["events"].size(), 3u);
  EXPECT_EQ(e["events"][0]["type"], "task");
  EXPECT_EQ(e["events"][1]["type"], "plan_created");
  EXPECT_EQ(e["events"][2]["type"], "tool_call");
  EXPECT_EQ(e["events"][2]["data"], (Json{{"name", "shell"}}));
  EXPECT_TRUE(e["events"][2]["time_ms"].is_number_integer());
  EXPECT_EQ(e["events"][2]["seq"], 3);
}

// The plan insert fails inside SQLite (over its length limit) after the event
// row went in: the transaction must leave nothing behind.
TEST(RunStore, FailedAppendWritesNothing) {
  constexpr std::int64_t kSqliteMaxLength = 4096;
  RunStoreOptions options;
  options.database.max_length_bytes = kSqliteMaxLength;
  auto store = MemoryStore(options);
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  StateChange first;
  first.plan = Json{{"v", 1}};
  ASSERT_TRUE(store->Append(run.id, EventType::kPlanCreated, Json::object(), first).ok());

  StateChange big;
  big.plan = Json{{"blob", std::string(kSqliteMaxLength * 2, 'p')}};
  big.status = RunStatus::kFailed;
  big.answer = "should not stick";
  auto failed = store->Append(run.id, EventType::kPlanChanged, Json{{"x", 1}}, big);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kResourceExhausted);

  auto events = store->Events(run.id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 2u);
  auto got = store->GetRun(run.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->event_count, 2);
  EXPECT_EQ(got->status, RunStatus::kRunning);
  EXPECT_EQ(got->answer, "");
  auto plan = store->LatestPlan(run.id);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->has_value());
  EXPECT_EQ(**plan, *first.plan);
  // The failed seq is reused: no gap.
  auto next = store->Append(run.id, EventType::kError, Json::object());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 3);
}

TEST(RunStore, EventSizeLimitAtValueAndOneOver) {
  constexpr std::size_t kLimit = 1000;
  RunStoreOptions options;
  options.max_event_bytes = kLimit;
  auto store = MemoryStore(options);
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  const Json at_limit = std::string(kLimit - 2, 'a');  // two quotes make kLimit bytes
  ASSERT_EQ(DumpJson(at_limit).size(), kLimit);
  EXPECT_TRUE(store->Append(run.id, EventType::kLlmCall, at_limit).ok());
  const Json over = std::string(kLimit - 1, 'a');
  auto failed = store->Append(run.id, EventType::kLlmCall, over);
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(failed.status().message(), std::to_string(kLimit)));
  StateChange plan;
  plan.plan = over;
  EXPECT_EQ(store->Append(run.id, EventType::kPlanChanged, Json::object(), plan).status().code(),
            StatusCode::kInvalidArgument);
  plan.plan = at_limit;
  EXPECT_TRUE(store->Append(run.id, EventType::kPlanChanged, Json::object(), plan).ok());
  StateChange answer;
  answer.answer = std::string(kLimit + 1, 'x');
  EXPECT_EQ(store->Append(run.id, EventType::kFinalAnswer, Json::object(), answer).status().code(),
            StatusCode::kInvalidArgument);
  auto got = store->GetRun(run.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->event_count, 3);
}

TEST(RunStore, TaskSizeLimitAtValueAndOneOver) {
  constexpr std::size_t kLimit = 100;
  RunStoreOptions options;
  options.max_task_bytes = kLimit;
  auto store = MemoryStore(options);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->CreateRun(std::string(kLimit, 't'), Json::object()).ok());
  auto over = store->CreateRun(std::string(kLimit + 1, 't'), Json::object());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(over.status().message(), "task"));
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u);
}

Json Nested(int levels) {
  Json value = 1;
  for (int i = 0; i < levels; ++i) value = Json::array({value});
  return value;
}

TEST(RunStore, JsonDepthLimitAtValueAndOneOver) {
  constexpr int kDepth = 10;
  RunStoreOptions options;
  options.max_json_depth = kDepth;
  auto store = MemoryStore(options);
  ASSERT_NE(store, nullptr);
  const RunInfo run = NewRun(*store);
  ASSERT_TRUE(store->Append(run.id, EventType::kToolResult, Nested(kDepth)).ok());
  auto over = store->Append(run.id, EventType::kToolResult, Nested(kDepth + 1));
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(over.status().message(), "deeper"));
  auto events = store->Events(run.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].data, Nested(kDepth));
  options.max_json_depth = 0;
  EXPECT_EQ(RunStore::OpenInMemory(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::agent
