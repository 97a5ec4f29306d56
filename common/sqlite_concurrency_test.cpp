// Several connections, threads and processes on one database file.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sqlite.h"
#include "common/sqlite_test_util.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

using sqlite_testing::CountRows;
using ::testing::HasSubstr;

constexpr std::string_view kEventsSchema =
    "CREATE TABLE events (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, "
    "seq INTEGER NOT NULL, UNIQUE (writer, seq))";
constexpr std::string_view kAppend = "INSERT INTO events (writer, seq) VALUES (?, ?)";

// Appends `count` events as `writer`, one transaction each.
Status AppendEvents(Database& db, int writer, int count) {
  for (int seq = 0; seq < count; ++seq) {
    SEXTANT_ASSIGN_OR_RETURN(Transaction txn, db.Begin());
    SEXTANT_RETURN_IF_ERROR(db.Execute(kAppend, writer, seq));
    SEXTANT_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

// Checks that every writer's events 0..count-1 are present exactly once.
void ExpectAllEvents(Database& db, int writers, int count) {
  EXPECT_EQ(CountRows(db, "events"), std::int64_t{writers} * count);
  for (int writer = 0; writer < writers; ++writer) {
    auto row = db.QueryOne<std::int64_t>(
        "SELECT count(DISTINCT seq) FROM events WHERE writer = ? AND seq BETWEEN 0 AND ?", writer,
        count - 1);
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    EXPECT_EQ(row->value_or(0), count) << "writer " << writer;
  }
}

Result<std::unique_ptr<Database>> CreateEventsDb(const std::filesystem::path& path) {
  SEXTANT_ASSIGN_OR_RETURN(auto db, Database::Open(path));
  SEXTANT_RETURN_IF_ERROR(db->Exec(kEventsSchema));
  return db;
}

TEST(SqliteConcurrencyTest, HeldWriteLockMakesSecondWriterFailWhileReadersRead) {
  testing::TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  ASSIGN_SQL_OR_FAIL(auto writer, CreateEventsDb(path));
  ASSERT_SQL_OK(writer->Execute(kAppend, 0, 0));

  constexpr int kShortTimeoutMs = 50;
  DatabaseOptions impatient;
  impatient.busy_timeout_ms = kShortTimeoutMs;
  ASSIGN_SQL_OR_FAIL(auto second, Database::Open(path, impatient));
  ASSIGN_SQL_OR_FAIL(auto reader, Database::Open(path, impatient));

  ASSIGN_SQL_OR_FAIL(Transaction held, writer->Begin());
  ASSERT_SQL_OK(writer->Execute(kAppend, 0, 1));

  const auto start = std::chrono::steady_clock::now();
  auto begin = second->Begin();
  ASSERT_FALSE(begin.ok());
  EXPECT_EQ(begin.status().code(), StatusCode::kUnavailable) << begin.status().ToString();
  EXPECT_THAT(begin.status().message(), HasSubstr("database is locked"));
  EXPECT_THAT(begin.status().message(), HasSubstr("runs.sqlite"));
  Status insert = second->Execute(kAppend, 1, 0);
  EXPECT_EQ(insert.code(), StatusCode::kUnavailable) << insert.ToString();
  EXPECT_THAT(insert.message(), HasSubstr("INSERT INTO events"));
  // Generous bound: the busy timeout, not the default 5 s, applied.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));

  // WAL: a reader still reads, and sees only committed rows.
  EXPECT_EQ(CountRows(*reader, "events"), 1);
  EXPECT_EQ(CountRows(*writer, "events"), 2);

  ASSERT_SQL_OK(held.Commit());
  ASSERT_SQL_OK(second->Execute(kAppend, 1, 0));
  EXPECT_EQ(CountRows(*reader, "events"), 3);
}

TEST(SqliteConcurrencyTest, StaleDeferredTransactionCannotWrite) {
  testing::TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  ASSIGN_SQL_OR_FAIL(auto a, CreateEventsDb(path));
  ASSIGN_SQL_OR_FAIL(auto b, Database::Open(path));
  ASSIGN_SQL_OR_FAIL(Transaction txn, a->Begin(TransactionMode::kDeferred));
  EXPECT_EQ(CountRows(*a, "events"), 0);  // starts a read snapshot
  ASSERT_SQL_OK(b->Execute(kAppend, 1, 0));
  Status stale = a->Execute(kAppend, 0, 0);
  EXPECT_EQ(stale.code(), StatusCode::kUnavailable) << stale.ToString();
  ASSERT_SQL_OK(txn.Rollback());
  ASSERT_SQL_OK(a->Execute(kAppend, 0, 0));
  EXPECT_EQ(CountRows(*a, "events"), 2);
}

TEST(SqliteConcurrencyTest, ThreadsAppendWithoutLosingRows) {
  testing::TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  { ASSIGN_SQL_OR_FAIL(auto db, CreateEventsDb(path)); }
  constexpr int kThreads = 4;
  constexpr int kEventsPerThread = 100;
  std::vector<Status> results(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&path, &results, t] {
        auto db = Database::Open(path);
        results[static_cast<std::size_t>(t)] =
            db.ok() ? AppendEvents(**db, t, kEventsPerThread) : db.status();
      });
    }
  }
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
  ExpectAllEvents(*db, kThreads, kEventsPerThread);
}

// The body of a forked child: opens `path`, tells the parent on `ready_fd`,
// appends, writes its Status to `report_fd`, and returns the exit code.
int RunChildWriter(const std::filesystem::path& path, int writer, int count, int ready_fd,
                   int report_fd) {
  Status status;
  {
    auto db = Database::Open(path);
    const char go = 'g';
    (void)!write(ready_fd, &go, 1);
    status = db.ok() ? AppendEvents(**db, writer, count) : db.status();
  }
  const std::string message = status.ToString();
  (void)!write(report_fd, message.data(), message.size());
  return status.ok() ? 0 : 1;
}

TEST(SqliteConcurrencyTest, ProcessesAppendWithoutLosingRows) {
  testing::TempDir dir;
  const auto path = dir.path() / "runs.sqlite";
  // No connection may be open across fork(): SQLite's per-process lock state
  // would be copied into the child.
  { ASSIGN_SQL_OR_FAIL(auto db, CreateEventsDb(path)); }
  constexpr int kEvents = 200;
  constexpr int kParent = 0;
  constexpr int kChild = 1;

  int ready[2];
  int report[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(report), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    close(report[0]);
    _exit(RunChildWriter(path, kChild, kEvents, ready[1], report[1]));
  }
  close(ready[1]);
  close(report[1]);
  char go = 0;
  EXPECT_EQ(read(ready[0], &go, 1), 1);  // the child has opened the file
  close(ready[0]);
  Status parent_status;
  {
    auto db = Database::Open(path);
    parent_status = db.ok() ? AppendEvents(**db, kParent, kEvents) : db.status();
  }
  std::string child_message;
  char buffer[256];
  ssize_t n;
  while ((n = read(report[0], buffer, sizeof(buffer))) > 0) {
    child_message.append(buffer, static_cast<std::size_t>(n));
  }
  close(report[0]);
  int wait_status = 0;
  ASSERT_EQ(waitpid(pid, &wait_status, 0), pid);
  EXPECT_TRUE(parent_status.ok()) << parent_status.ToString();
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0) << "child: " << child_message;

  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
  ExpectAllEvents(*db, 2, kEvents);
}

}  // namespace
}  // namespace sextant
