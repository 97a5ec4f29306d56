#include <array>
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
using ::testing::MatchesRegex;

constexpr std::array<Migration, 3> kMigrations = {{
    {1, "events table", "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL);"},
    {2, "seed and index",
     "CREATE INDEX events_kind ON events (kind);\n"
     "INSERT INTO events (kind) VALUES ('seed');"},
    {3, "payload column", "ALTER TABLE events ADD COLUMN payload BLOB;"},
}};

std::span<const Migration> First(std::size_t n) { return std::span(kMigrations).first(n); }

bool TableExists(Database& db, std::string_view table) {
  auto count = db.QueryOne<std::int64_t>(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table);
  EXPECT_TRUE(count.ok()) << count.status().ToString();
  return count.ok() && count->value_or(0) > 0;
}

TEST(SqliteMigrationTest, FreshDatabaseGetsEveryMigration) {
  testing::TempDir dir;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(dir.path() / "kb.sqlite"));
  ASSIGN_SQL_OR_FAIL(int before, db->SchemaVersion());
  EXPECT_EQ(before, 0);
  EXPECT_FALSE(TableExists(*db, "schema_version"));

  ASSERT_SQL_OK(db->Migrate(kMigrations));
  ASSIGN_SQL_OR_FAIL(int after, db->SchemaVersion());
  EXPECT_EQ(after, 3);
  EXPECT_EQ(CountRows(*db, "events"), 1);
  ASSERT_SQL_OK(db->Execute("INSERT INTO events (kind, payload) VALUES (?, ?)", "x", BlobRef("")));

  ASSIGN_SQL_OR_FAIL(Statement rows, db->Prepare("SELECT version, description, applied_at "
                                                 "FROM schema_version ORDER BY version"));
  for (const Migration& m : kMigrations) {
    ASSIGN_SQL_OR_FAIL(bool row, rows.Step());
    ASSERT_TRUE(row);
    EXPECT_EQ(rows.ColumnInt(0), m.version);
    EXPECT_EQ(rows.ColumnText(1), m.description);
    EXPECT_THAT(rows.ColumnText(2),
                MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9.]+Z"));
  }
  ASSIGN_SQL_OR_FAIL(bool extra, rows.Step());
  EXPECT_FALSE(extra);
}

TEST(SqliteMigrationTest, IncrementalMigrationSkipsAppliedVersions) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  std::string first_applied_at;
  {
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
    ASSERT_SQL_OK(db->Migrate(First(2)));
    ASSERT_SQL_OK(db->Execute("INSERT INTO events (kind) VALUES ('kept')"));
    ASSIGN_SQL_OR_FAIL(auto at, db->QueryOne<std::string>(
                                    "SELECT applied_at FROM schema_version WHERE version = 1"));
    first_applied_at = at.value_or("");
  }
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
  ASSIGN_SQL_OR_FAIL(int before, db->SchemaVersion());
  EXPECT_EQ(before, 2);
  ASSERT_SQL_OK(db->Migrate(kMigrations));
  ASSERT_SQL_OK(db->Migrate(kMigrations));  // nothing left to do
  ASSIGN_SQL_OR_FAIL(int after, db->SchemaVersion());
  EXPECT_EQ(after, 3);
  EXPECT_EQ(CountRows(*db, "events"), 2);  // the seed row was not inserted twice
  EXPECT_EQ(CountRows(*db, "schema_version"), 3);
  ASSIGN_SQL_OR_FAIL(auto at, db->QueryOne<std::string>(
                                  "SELECT applied_at FROM schema_version WHERE version = 1"));
  EXPECT_EQ(at, first_applied_at);
}

TEST(SqliteMigrationTest, FailingMigrationRollsBackAtomically) {
  testing::TempDir dir;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(dir.path() / "kb.sqlite"));
  const std::array<Migration, 3> broken = {{
      kMigrations[0],
      {2, "half done",
       "CREATE TABLE side (x);\n"
       "INSERT INTO events (kind) VALUES ('partial');\n"
       "INSERT INTO no_such_table VALUES (1);"},
      kMigrations[2],
  }};
  Status failed = db->Migrate(broken);
  EXPECT_EQ(failed.code(), StatusCode::kInvalidArgument) << failed.ToString();
  EXPECT_THAT(failed.message(), HasSubstr("migration 2 (half done) failed"));
  EXPECT_THAT(failed.message(), HasSubstr("no such table: no_such_table"));
  EXPECT_FALSE(db->InTransaction());
  ASSIGN_SQL_OR_FAIL(int version, db->SchemaVersion());
  EXPECT_EQ(version, 1);
  EXPECT_FALSE(TableExists(*db, "side"));
  EXPECT_EQ(CountRows(*db, "events"), 0);

  // A constraint failure keeps its own code.
  const std::array<Migration, 2> duplicate = {{
      kMigrations[0],
      {2, "duplicate ids",
       "INSERT INTO events VALUES (1, 'a'); INSERT INTO events VALUES (1, 'b');"},
  }};
  Status constraint = db->Migrate(duplicate);
  EXPECT_EQ(constraint.code(), StatusCode::kAlreadyExists) << constraint.ToString();
  EXPECT_EQ(CountRows(*db, "events"), 0);

  // Fixed, it applies.
  ASSERT_SQL_OK(db->Migrate(kMigrations));
  ASSIGN_SQL_OR_FAIL(version, db->SchemaVersion());
  EXPECT_EQ(version, 3);
}

TEST(SqliteMigrationTest, NewerDatabaseIsRefused) {
  testing::TempDir dir;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(dir.path() / "kb.sqlite"));
  ASSERT_SQL_OK(db->Migrate(kMigrations));
  Status older_program = db->Migrate(First(2));
  EXPECT_EQ(older_program.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(older_program.message(),
              HasSubstr("database schema version 3 is newer than this program supports (2)"));
  EXPECT_THAT(older_program.message(), HasSubstr("kb.sqlite"));
  EXPECT_EQ(db->Migrate({}).code(), StatusCode::kFailedPrecondition);
}

TEST(SqliteMigrationTest, BadMigrationListsAreRefused) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  const std::vector<std::vector<Migration>> bad_lists = {
      {{1, "a", "CREATE TABLE a (x)"}, {3, "gap", "CREATE TABLE c (x)"}},
      {{1, "a", "CREATE TABLE a (x)"}, {1, "duplicate", "CREATE TABLE b (x)"}},
      {{0, "zero", "CREATE TABLE a (x)"}},
      {{2, "starts at two", "CREATE TABLE a (x)"}},
      {{2, "b", "CREATE TABLE b (x)"}, {1, "a", "CREATE TABLE a (x)"}},
      {{1, "empty", "  \n"}},
  };
  for (const auto& list : bad_lists) {
    Status s = db->Migrate(list);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  }
  EXPECT_FALSE(TableExists(*db, "a"));
  EXPECT_FALSE(TableExists(*db, "schema_version"));
}

TEST(SqliteMigrationTest, MigrationMustNotEndItsTransaction) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  const std::array<Migration, 1> commits = {{{1, "commits", "CREATE TABLE a (x); COMMIT;"}}};
  Status s = db->Migrate(commits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("ended the transaction"));
  ASSIGN_SQL_OR_FAIL(int version, db->SchemaVersion());
  EXPECT_EQ(version, 0);
}

TEST(SqliteMigrationTest, MigrateNeedsNoOpenTransactionAndAWritableFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  {
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
    ASSIGN_SQL_OR_FAIL(Transaction txn, db->Begin());
    EXPECT_EQ(db->Migrate(kMigrations).code(), StatusCode::kFailedPrecondition);
    ASSERT_SQL_OK(txn.Rollback());
    ASSERT_SQL_OK(db->Migrate(First(2)));
  }
  DatabaseOptions read_only;
  read_only.read_only = true;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path, read_only));
  ASSERT_SQL_OK(db->Migrate(First(2)));  // up to date: nothing to write
  Status behind = db->Migrate(kMigrations);
  EXPECT_EQ(behind.code(), StatusCode::kPermissionDenied) << behind.ToString();
  EXPECT_THAT(behind.message(), HasSubstr("apply migrations 3..3"));
}

TEST(SqliteMigrationTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  { ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path)); }  // create the file (and WAL) first
  constexpr int kMigrators = 4;
  std::vector<Status> results(kMigrators);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kMigrators; ++i) {
      threads.emplace_back([&path, &results, i] {
        auto db = Database::Open(path);
        results[static_cast<std::size_t>(i)] = db.ok() ? (*db)->Migrate(kMigrations) : db.status();
      });
    }
  }
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
  ASSIGN_SQL_OR_FAIL(int version, db->SchemaVersion());
  EXPECT_EQ(version, 3);
  EXPECT_EQ(CountRows(*db, "schema_version"), 3);
  EXPECT_EQ(CountRows(*db, "events"), 1);  // the seed ran once
}

}  // namespace
}  // namespace sextant
