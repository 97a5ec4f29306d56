// The run store on disk: reopening, two writers on one file, a writer killed
// with SIGKILL mid-stream, and files that are not (or no longer) valid.
#include <gtest/gtest.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <string>
#include <thread>

#include "agent/run_store.h"
#include "common/sqlite.h"
#include "common/testing/testdata.h"

namespace sextant::agent {
namespace {

using ::sextant::testing::Contains;
using ::sextant::testing::TempDir;

RunInfo NewRun(RunStore& store) {
  auto run = store.CreateRun("find the answer", Json{{"mode", "auto"}});
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return run.ok() ? *run : RunInfo{};
}

Json Nested(int levels) {
  Json value = 1;
  for (int i = 0; i < levels; ++i) value = Json::array({value});
  return value;
}

constexpr int kAcksBeforeKill = 300;
constexpr int kPlanEvery = 10;
constexpr std::size_t kPadBytes = 200;

// Reads one acknowledged seq; false at end of stream.
bool ReadAck(int fd, std::int64_t& seq) {
  char* out = reinterpret_cast<char*>(&seq);
  std::size_t got = 0;
  while (got < sizeof(seq)) {
    const ssize_t n = read(fd, out + got, sizeof(seq) - got);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

// The child: appends forever and reports each seq once Append returned.
[[noreturn]] void WriteUntilKilled(const std::filesystem::path& path, const std::string& id,
                                   int ack_fd) {
  auto store = RunStore::Open(path);
  if (!store.ok()) _exit(2);
  for (std::int64_t i = 0;; ++i) {
    StateChange change;
    if (i % kPlanEvery == 0) change.plan = Json{{"i", i}};
    auto event = (*store)->Append(id, EventType::kToolResult,
                                  Json{{"i", i}, {"pad", std::string(kPadBytes, 'x')}}, change);
    if (!event.ok()) _exit(3);
    const std::int64_t seq = event->seq;
    if (write(ack_fd, &seq, sizeof(seq)) != static_cast<ssize_t>(sizeof(seq))) _exit(4);
  }
}

TEST(RunStoreDurability, KillNineLosesNoAcknowledgedEvent) {
  ::sextant::testing::TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  std::string id;
  {
    auto store = RunStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto run = (*store)->CreateRun("survive", Json::object());
    ASSERT_TRUE(run.ok());
    id = run->id;
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    WriteUntilKilled(path, id, fds[1]);
  }
  close(fds[1]);
  std::int64_t last_ack = 0;
  std::int64_t seq = 0;
  int acks = 0;
  while (acks < kAcksBeforeKill && ReadAck(fds[0], seq)) {
    EXPECT_EQ(seq, last_ack == 0 ? 2 : last_ack + 1);
    last_ack = seq;
    ++acks;
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  while (ReadAck(fds[0], seq)) last_ack = seq;  // acks sent before the kill landed
  close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the writer exited by itself with " << WEXITSTATUS(wstatus);
  EXPECT_EQ(WTERMSIG(wstatus), SIGKILL);
  ASSERT_GE(acks, kAcksBeforeKill);

  auto store = RunStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto events = (*store)->Events(id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  const auto count = static_cast<std::int64_t>(events->size());
  EXPECT_GE(count, last_ack);
  for (std::int64_t i = 0; i < count; ++i) {
    ASSERT_EQ((*events)[i].seq, i + 1);
    if (i > 0) {
      EXPECT_EQ((*events)[i].data["i"].get<std::int64_t>(), i - 1);
    }
  }
  auto run = (*store)->GetRun(id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->event_count, count);
  // The newest plan is the one written with the newest event that carried one.
  auto plan = (*store)->LatestPlan(id);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->has_value());
  const std::int64_t last_i = count - 2;
  EXPECT_EQ((**plan)["i"].get<std::int64_t>(), last_i - last_i % kPlanEvery);
  // The store takes appends again after recovery.
  auto next = (*store)->Append(id, EventType::kRunStatus, Json::object());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, count + 1);
}

TEST(RunStore, ReopenReadsEverythingBack) {
  TempDir dir;
  const auto path = dir.path() / "nested" / "dirs" / "runs.sqlite";
  Json exported;
  std::string id;
  {
    auto store = RunStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const RunInfo run = NewRun(**store);
    id = run.id;
    StateChange change;
    change.plan = Json{{"subtasks", Json::array({"a", "b"})}};
    ASSERT_TRUE((*store)->Append(id, EventType::kPlanCreated, Json::object(), change).ok());
    StateChange done;
    done.status = RunStatus::kAnswered;
    done.answer = "done";
    ASSERT_TRUE((*store)->Append(id, EventType::kFinalAnswer, Json{{"a", "done"}}, done).ok());
    auto e = (*store)->Export(id);
    ASSERT_TRUE(e.ok());
    exported = *e;
  }
  auto store = RunStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto again = (*store)->Export(id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, exported);
  auto run = (*store)->GetRun(id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kAnswered);
  auto next = (*store)->Append(id, EventType::kRunStatus, Json::object());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 4);
}

TEST(RunStore, TwoStoresOnOneFileKeepSeqContiguous) {
  TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  auto a = RunStore::Open(path);
  auto b = RunStore::Open(path);
  ASSERT_TRUE(a.ok() && b.ok());
  const RunInfo run = NewRun(**a);
  constexpr int kPerWriter = 150;
  auto write = [&](RunStore* store, int writer) {
    for (int i = 0; i < kPerWriter; ++i) {
      auto event = store->Append(run.id, EventType::kToolCall, Json{{"w", writer}, {"i", i}});
      ASSERT_TRUE(event.ok()) << event.status().ToString();
    }
  };
  std::thread ta(write, a->get(), 0);
  std::thread tb(write, b->get(), 1);
  ta.join();
  tb.join();
  auto events = (*a)->Events(run.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<std::size_t>(2 * kPerWriter + 1));
  int last_i[2] = {-1, -1};
  for (std::size_t i = 0; i < events->size(); ++i) {
    const Event& e = (*events)[i];
    ASSERT_EQ(e.seq, static_cast<std::int64_t>(i + 1));
    if (i == 0) continue;
    const int w = e.data["w"].get<int>();
    EXPECT_EQ(e.data["i"].get<int>(), last_i[w] + 1);  // each writer's order is kept
    last_i[w] = e.data["i"].get<int>();
  }
}

TEST(RunStore, RefusesAnotherApplicationsDatabase) {
  TempDir dir;
  const auto path = dir.path() / "other.sqlite";
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)").ok());
  }
  auto store = RunStore::Open(path);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(store.status().message(), "not a run store"));
  auto db = Database::Open(path);
  ASSERT_TRUE(db.ok());
  auto tables = (*db)->QueryOne<std::int64_t>("SELECT count(*) FROM sqlite_master");
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->value_or(-1), 1);  // untouched
}

TEST(RunStore, RefusesAGarbageFile) {
  TempDir dir;
  const auto path = dir.path() / "garbage.sqlite";
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += static_cast<char>((i * 37 + 11) % 251);
  ::sextant::testing::WriteFile(path, garbage);
  auto store = RunStore::Open(path);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(store.status().message(), "not a run store"));
}

TEST(RunStore, CorruptStoredJsonIsDataLoss) {
  TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  std::string id;
  {
    auto store = RunStore::Open(path);
    ASSERT_TRUE(store.ok());
    id = NewRun(**store).id;
    ASSERT_TRUE((*store)->Append(id, EventType::kToolCall, Json{{"ok", true}}).ok());
  }
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Execute("UPDATE events SET data = '{\"ok\": tr' WHERE seq = 2").ok());
    ASSERT_TRUE((*db)->Execute("UPDATE runs SET config = '[' WHERE id = ?", id).ok());
  }
  auto store = RunStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto events = (*store)->Events(id);
  EXPECT_EQ(events.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(events.status().message(), "event 2"));
  EXPECT_EQ((*store)->GetRun(id).status().code(), StatusCode::kDataLoss);
}

TEST(RunStore, StoredJsonDeeperThanTheLimitIsDataLoss) {
  TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  constexpr int kWritten = 6;
  std::string id;
  {
    auto store = RunStore::Open(path);
    ASSERT_TRUE(store.ok());
    id = NewRun(**store).id;
    ASSERT_TRUE((*store)->Append(id, EventType::kToolResult, Nested(kWritten)).ok());
  }
  RunStoreOptions options;
  options.max_json_depth = kWritten - 1;
  auto store = RunStore::Open(path, options);
  ASSERT_TRUE(store.ok());
  auto events = (*store)->Events(id);
  EXPECT_EQ(events.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(events.status().message(), "deeper than the limit"))
      << events.status().message();
  options.max_json_depth = kWritten;
  store = RunStore::Open(path, options);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->Events(id).ok());
}

TEST(RunStore, UnknownStoredTypeIsDataLoss) {
  TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  std::string id;
  {
    auto store = RunStore::Open(path);
    ASSERT_TRUE(store.ok());
    id = NewRun(**store).id;
  }
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Execute("UPDATE events SET type = 'teleport'").ok());
    ASSERT_TRUE((*db)->Execute("UPDATE runs SET status = 'sleeping'").ok());
  }
  auto store = RunStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto events = (*store)->Events(id);
  EXPECT_EQ(events.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(events.status().message(), "teleport"));
  EXPECT_EQ((*store)->ListRuns().status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace sextant::agent
