#include "common/sqlite.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sqlite_test_util.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

using sqlite_testing::CountRows;
using ::testing::HasSubstr;

TEST(SqliteTest, OpenCreatesFileAndReopenSeesData) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  {
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
    EXPECT_EQ(db->name(), path.string());
    ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42);"));
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
  ASSIGN_SQL_OR_FAIL(auto x, db->QueryOne<std::int64_t>("SELECT x FROM t"));
  EXPECT_EQ(x, 42);
}

TEST(SqliteTest, MissingFileWithoutCreateIsNotFound) {
  testing::TempDir dir;
  const auto path = dir.path() / "absent.sqlite";
  DatabaseOptions options;
  options.create = false;
  auto db = Database::Open(path, options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound) << db.status().ToString();
  EXPECT_THAT(db.status().message(), HasSubstr("absent.sqlite"));

  options = {};
  options.read_only = true;
  db = Database::Open(path, options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound) << db.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SqliteTest, ReadOnlyOpenRefusesWritesAndKeepsJournalMode) {
  testing::TempDir dir;
  const auto wal_path = dir.path() / "wal.sqlite";
  const auto delete_path = dir.path() / "delete.sqlite";
  {
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(wal_path));
    ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);"));
    DatabaseOptions no_wal;
    no_wal.wal = false;
    ASSIGN_SQL_OR_FAIL(auto other, Database::Open(delete_path, no_wal));
    ASSERT_SQL_OK(other->Exec("CREATE TABLE t (x)"));
  }
  DatabaseOptions options;
  options.read_only = true;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(wal_path, options));
  EXPECT_TRUE(db->IsReadOnly());
  EXPECT_EQ(CountRows(*db, "t"), 1);
  Status insert = db->Execute("INSERT INTO t VALUES (?)", 2);
  EXPECT_EQ(insert.code(), StatusCode::kPermissionDenied) << insert.ToString();
  EXPECT_THAT(insert.message(), HasSubstr("INSERT INTO t"));
  Status create = db->Exec("CREATE TABLE u (y)");
  EXPECT_EQ(create.code(), StatusCode::kPermissionDenied) << create.ToString();
  EXPECT_EQ(CountRows(*db, "t"), 1);

  ASSIGN_SQL_OR_FAIL(auto legacy, Database::Open(delete_path, options));
  ASSIGN_SQL_OR_FAIL(auto mode, legacy->QueryOne<std::string>("PRAGMA journal_mode"));
  EXPECT_EQ(mode, "delete");
}

TEST(SqliteTest, InMemoryDatabasesArePrivate) {
  ASSIGN_SQL_OR_FAIL(auto a, Database::OpenInMemory());
  ASSIGN_SQL_OR_FAIL(auto b, Database::OpenInMemory());
  EXPECT_EQ(a->name(), ":memory:");
  ASSERT_SQL_OK(a->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);"));
  EXPECT_EQ(CountRows(*a, "t"), 2);
  Status missing = b->Exec("SELECT * FROM t");
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument) << missing.ToString();
  EXPECT_THAT(missing.message(), HasSubstr("no such table"));
}

// Changes the working directory for one scope.
class ScopedCurrentPath {
 public:
  explicit ScopedCurrentPath(const std::filesystem::path& path)
      : previous_(std::filesystem::current_path()) {
    std::filesystem::current_path(path);
  }
  ~ScopedCurrentPath() { std::filesystem::current_path(previous_); }
  ScopedCurrentPath(const ScopedCurrentPath&) = delete;
  ScopedCurrentPath& operator=(const ScopedCurrentPath&) = delete;

 private:
  std::filesystem::path previous_;
};

TEST(SqliteTest, SpecialNamesAreOpenedAsPlainFiles) {
  testing::TempDir dir;
  {
    ScopedCurrentPath cwd(dir.path());
    ASSIGN_SQL_OR_FAIL(auto memory_named, Database::Open(":memory:"));
    ASSERT_SQL_OK(memory_named->Exec("CREATE TABLE t (x)"));
    ASSIGN_SQL_OR_FAIL(auto uri_named, Database::Open("file:kb.sqlite?mode=memory"));
    ASSERT_SQL_OK(uri_named->Exec("CREATE TABLE t (x)"));
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / ":memory:"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "file:kb.sqlite?mode=memory"));
}

TEST(SqliteTest, DefaultsTurnOnWalAndSafetySettings) {
  testing::TempDir dir;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(dir.path() / "kb.sqlite"));
  ASSIGN_SQL_OR_FAIL(auto mode, db->QueryOne<std::string>("PRAGMA journal_mode"));
  EXPECT_EQ(mode, "wal");
  constexpr std::int64_t kSynchronousNormal = 1;
  ASSIGN_SQL_OR_FAIL(auto synchronous, db->QueryOne<std::int64_t>("PRAGMA synchronous"));
  EXPECT_EQ(synchronous, kSynchronousNormal);
  ASSIGN_SQL_OR_FAIL(auto foreign_keys, db->QueryOne<bool>("PRAGMA foreign_keys"));
  EXPECT_EQ(foreign_keys, true);
  ASSIGN_SQL_OR_FAIL(auto timeout, db->QueryOne<int>("PRAGMA busy_timeout"));
  EXPECT_EQ(timeout, DatabaseOptions::kDefaultBusyTimeoutMs);

  DatabaseOptions options;
  options.wal = false;
  options.foreign_keys = false;
  ASSIGN_SQL_OR_FAIL(auto plain, Database::Open(dir.path() / "plain.sqlite", options));
  ASSIGN_SQL_OR_FAIL(mode, plain->QueryOne<std::string>("PRAGMA journal_mode"));
  EXPECT_EQ(mode, "delete");
  ASSIGN_SQL_OR_FAIL(foreign_keys, plain->QueryOne<bool>("PRAGMA foreign_keys"));
  EXPECT_EQ(foreign_keys, false);
}

TEST(SqliteTest, BindsAndReadsEachType) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSERT_SQL_OK(db->Exec("CREATE TABLE v (i, r, t, b, n)"));
  const std::string utf8 = "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80";  // héllo ✓ 😀
  const std::array<std::byte, 5> bytes = {std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0xff},
                                          std::byte{0}};
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  ASSERT_SQL_OK(db->Execute("INSERT INTO v VALUES (?, ?, ?, ?, ?)", kMin, 2.5, utf8,
                            std::span<const std::byte>(bytes), nullptr));
  ASSERT_SQL_OK(db->Execute("INSERT INTO v VALUES (?, ?, ?, ?, ?)", kMax, -0.125,
                            std::string_view("a\0b", 3), BlobRef(std::string_view("\0\0", 2)),
                            std::optional<int>()));
  ASSERT_SQL_OK(db->Execute("INSERT INTO v VALUES (?, ?, ?, ?, ?)", true, 7u, "", BlobRef(""),
                            std::optional<int>(9)));

  ASSIGN_SQL_OR_FAIL(Statement stmt, db->Prepare("SELECT i, r, t, b, n FROM v ORDER BY rowid"));
  ASSERT_EQ(stmt.ColumnCount(), 5);
  EXPECT_EQ(stmt.ColumnName(3), "b");

  ASSIGN_SQL_OR_FAIL(bool row, stmt.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(stmt.ColumnType(0), SqliteType::kInteger);
  EXPECT_EQ(stmt.ColumnInt(0), kMin);
  EXPECT_EQ(stmt.ColumnType(1), SqliteType::kReal);
  EXPECT_EQ(stmt.ColumnDouble(1), 2.5);
  EXPECT_EQ(stmt.ColumnType(2), SqliteType::kText);
  EXPECT_EQ(stmt.ColumnText(2), utf8);
  EXPECT_EQ(stmt.ColumnType(3), SqliteType::kBlob);
  EXPECT_EQ(stmt.ColumnBlob(3), std::string("\0\1\0\xff\0", 5));
  ASSIGN_SQL_OR_FAIL(auto blob, stmt.Get<std::vector<std::byte>>(3));
  EXPECT_EQ(blob, std::vector<std::byte>(bytes.begin(), bytes.end()));
  EXPECT_TRUE(stmt.ColumnIsNull(4));

  ASSIGN_SQL_OR_FAIL(row, stmt.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(stmt.ColumnInt(0), kMax);
  EXPECT_EQ(stmt.ColumnDouble(1), -0.125);
  EXPECT_EQ(stmt.ColumnText(2), std::string("a\0b", 3));
  EXPECT_EQ(stmt.ColumnBlob(3), std::string("\0\0", 2));
  EXPECT_TRUE(stmt.ColumnIsNull(4));

  ASSIGN_SQL_OR_FAIL(row, stmt.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(stmt.ColumnInt(0), 1);
  EXPECT_EQ(stmt.ColumnType(1), SqliteType::kInteger);
  EXPECT_EQ(stmt.ColumnType(2), SqliteType::kText);  // empty text is not NULL
  EXPECT_EQ(stmt.ColumnText(2), "");
  EXPECT_EQ(stmt.ColumnType(3), SqliteType::kBlob);  // empty blob is not NULL
  EXPECT_EQ(stmt.ColumnBlob(3), "");
  EXPECT_EQ(stmt.ColumnInt(4), 9);

  ASSIGN_SQL_OR_FAIL(row, stmt.Step());
  EXPECT_FALSE(row);
}

TEST(SqliteTest, NamedParameters) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSERT_SQL_OK(db->Exec("CREATE TABLE p (id INTEGER, name TEXT, score REAL)"));
  ASSIGN_SQL_OR_FAIL(Statement insert,
                     db->Prepare("INSERT INTO p VALUES (:id, @name, $score + :id)"));
  EXPECT_EQ(insert.ParameterCount(), 3);
  ASSERT_SQL_OK(insert.Bind(":id", 7));
  ASSERT_SQL_OK(insert.Bind("name", std::string("seven")));
  ASSERT_SQL_OK(insert.Bind("$score", 0.5));
  ASSERT_SQL_OK(insert.Run());

  Status unknown = insert.Bind(":nope", 1);
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr(":nope"));
  EXPECT_THAT(unknown.message(), HasSubstr("INSERT INTO p"));

  ASSIGN_SQL_OR_FAIL(Statement select, db->Prepare("SELECT name, score FROM p WHERE id = :id"));
  ASSERT_SQL_OK(select.Bind("id", 7));
  ASSIGN_SQL_OR_FAIL(bool row, select.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(select.ColumnText(0), "seven");
  EXPECT_EQ(select.ColumnDouble(1), 7.5);
}

TEST(SqliteTest, BadBindingsAreClearErrors) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (a, b)"));
  ASSIGN_SQL_OR_FAIL(Statement stmt, db->Prepare("INSERT INTO t VALUES (?, ?)"));
  for (int index : {0, 3, -1}) {
    Status s = stmt.Bind(index, 1);
    EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << index;
    EXPECT_THAT(s.message(), HasSubstr("bind index " + std::to_string(index)));
    EXPECT_THAT(s.message(), HasSubstr("INSERT INTO t VALUES (?, ?)"));
  }
  Status too_few = db->Execute("INSERT INTO t VALUES (?, ?)", 1);
  EXPECT_EQ(too_few.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(too_few.message(), HasSubstr("1 argument(s) given for 2 parameter(s)"));
  Status too_many = db->Execute("INSERT INTO t VALUES (?, ?)", 1, 2, 3);
  EXPECT_EQ(too_many.code(), StatusCode::kInvalidArgument);
  Status huge = stmt.Bind(1, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(huge.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(CountRows(*db, "t"), 0);
}

TEST(SqliteTest, CheckedGettersAreHonestAboutTypes) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSIGN_SQL_OR_FAIL(Statement stmt,
                     db->Prepare("SELECT NULL AS n, 'text' AS t, 3 AS i, 4000000000 AS big"));
  Result<std::string> before_step = stmt.Get<std::string>(1);
  EXPECT_EQ(before_step.status().code(), StatusCode::kFailedPrecondition);
  ASSIGN_SQL_OR_FAIL(bool row, stmt.Step());
  ASSERT_TRUE(row);

  EXPECT_EQ(stmt.ColumnText(0), "");  // unchecked: NULL reads as empty
  EXPECT_EQ(stmt.ColumnInt(0), 0);
  Result<std::string> null_text = stmt.Get<std::string>(0);
  EXPECT_EQ(null_text.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(null_text.status().message(), HasSubstr("column 0 (n) is NULL, expected TEXT"));
  ASSIGN_SQL_OR_FAIL(auto maybe, stmt.Get<std::optional<std::string>>(0));
  EXPECT_FALSE(maybe.has_value());

  Result<std::int64_t> text_as_int = stmt.Get<std::int64_t>(1);
  EXPECT_EQ(text_as_int.status().code(), StatusCode::kFailedPrecondition);
  ASSIGN_SQL_OR_FAIL(auto text, stmt.Get<std::optional<std::string>>(1));
  EXPECT_EQ(text, "text");
  ASSIGN_SQL_OR_FAIL(double as_double, stmt.Get<double>(2));
  EXPECT_EQ(as_double, 3.0);
  ASSIGN_SQL_OR_FAIL(auto as_optional_int, stmt.Get<std::optional<int>>(2));
  EXPECT_EQ(as_optional_int, 3);
  Result<int> narrow = stmt.Get<int>(3);
  EXPECT_EQ(narrow.status().code(), StatusCode::kOutOfRange);
  ASSIGN_SQL_OR_FAIL(std::int64_t wide, stmt.Get<std::int64_t>(3));
  EXPECT_EQ(wide, 4000000000);
  Result<std::vector<std::byte>> text_as_blob = stmt.Get<std::vector<std::byte>>(1);
  EXPECT_EQ(text_as_blob.status().code(), StatusCode::kFailedPrecondition);
  Result<bool> past_end = stmt.Get<bool>(4);
  EXPECT_EQ(past_end.status().code(), StatusCode::kOutOfRange);
}

TEST(SqliteTest, StatementErrorsNameTheSqlAndTheFile) {
  testing::TempDir dir;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(dir.path() / "kb.sqlite"));
  ASSERT_SQL_OK(db->Exec(R"sql(
      CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id),
                          name TEXT UNIQUE CHECK (length(name) < 10));
      INSERT INTO parent VALUES (1);
      INSERT INTO child VALUES (1, 1, 'a');)sql"));

  auto syntax = db->Prepare("SELEC * FROM child");
  EXPECT_EQ(syntax.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(syntax.status().message(), HasSubstr("\"SELEC * FROM child\""));
  EXPECT_THAT(syntax.status().message(), HasSubstr("kb.sqlite"));
  EXPECT_THAT(syntax.status().message(), HasSubstr("syntax error"));

  Status unique = db->Execute("INSERT INTO child VALUES (2, 1, ?)", "a");
  EXPECT_EQ(unique.code(), StatusCode::kAlreadyExists) << unique.ToString();
  EXPECT_THAT(unique.message(), HasSubstr("INSERT INTO child VALUES (2, 1, ?)"));
  EXPECT_THAT(unique.message(), HasSubstr("UNIQUE constraint failed"));
  Status primary = db->Execute("INSERT INTO child VALUES (1, 1, 'b')");
  EXPECT_EQ(primary.code(), StatusCode::kAlreadyExists) << primary.ToString();
  Status not_null = db->Execute("INSERT INTO child VALUES (3, NULL, 'c')");
  EXPECT_EQ(not_null.code(), StatusCode::kFailedPrecondition) << not_null.ToString();
  Status check = db->Execute("INSERT INTO child VALUES (4, 1, 'much too long')");
  EXPECT_EQ(check.code(), StatusCode::kFailedPrecondition) << check.ToString();
  Status foreign = db->Execute("INSERT INTO child VALUES (5, 99, 'e')");
  EXPECT_EQ(foreign.code(), StatusCode::kFailedPrecondition) << foreign.ToString();
  EXPECT_THAT(foreign.message(), HasSubstr("FOREIGN KEY"));
  EXPECT_EQ(CountRows(*db, "child"), 1);

  const std::string long_sql = "SELECT * FROM missing_table WHERE " + std::string(500, ' ') +
                               "x = 1 AND " + std::string(200, 'y') + " = 2";
  Status long_error = db->Exec(long_sql);
  EXPECT_THAT(long_error.message(), HasSubstr("\"SELECT * FROM missing_table WHERE x = 1"));
  EXPECT_THAT(long_error.message(), HasSubstr("...\""));
  EXPECT_LT(long_error.message().size(), long_sql.size());
}

TEST(SqliteTest, PrepareTakesExactlyOneStatementExecTakesSeveral) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  EXPECT_EQ(db->Prepare("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Prepare("  \n ").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Prepare("-- only a comment").status().code(), StatusCode::kInvalidArgument);
  auto two = db->Prepare("SELECT 1; SELECT 2");
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(two.status().message(), HasSubstr("use Exec"));
  auto junk = db->Prepare("SELECT 1; garbage");
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(db->Prepare("SELECT 1; -- trailing comment\n").ok());
  EXPECT_TRUE(db->Prepare("SELECT 1;\n\n").ok());

  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1); -- done\n"));
  ASSERT_SQL_OK(db->Exec(""));
  Status second_fails = db->Exec("INSERT INTO t VALUES (2); INSERT INTO nowhere VALUES (3);");
  EXPECT_EQ(second_fails.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(second_fails.message(), HasSubstr("INSERT INTO nowhere"));
  EXPECT_EQ(CountRows(*db, "t"), 2);  // statements before the failing one ran
}

TEST(SqliteTest, QueryOneAndRowCounters) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x)"));
  ASSERT_SQL_OK(db->Execute("INSERT INTO t (x) VALUES (?), (?), (?)", 1, 2, 3));
  EXPECT_EQ(db->LastInsertRowId(), 3);
  EXPECT_EQ(db->Changes(), 3);
  ASSERT_SQL_OK(db->Execute("UPDATE t SET x = x + 1 WHERE x >= ?", 2));
  EXPECT_EQ(db->Changes(), 2);
  ASSIGN_SQL_OR_FAIL(auto none, db->QueryOne<std::int64_t>("SELECT x FROM t WHERE id = ?", 99));
  EXPECT_FALSE(none.has_value());
  ASSIGN_SQL_OR_FAIL(auto three, db->QueryOne<std::int64_t>("SELECT x FROM t WHERE id = ?", 2));
  EXPECT_EQ(three, 3);
}

TEST(SqliteTest, TransactionsCommitAndRollBack) {
  testing::TempDir dir;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(dir.path() / "kb.sqlite"));
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x)"));
  {
    ASSIGN_SQL_OR_FAIL(Transaction txn, db->Begin());
    EXPECT_TRUE(db->InTransaction());
    ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (1)"));
    ASSERT_SQL_OK(txn.Commit());
    EXPECT_FALSE(txn.active());
  }
  EXPECT_FALSE(db->InTransaction());
  {
    ASSIGN_SQL_OR_FAIL(Transaction txn, db->Begin(TransactionMode::kDeferred));
    ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (2)"));
    ASSERT_SQL_OK(txn.Rollback());
  }
  {
    ASSIGN_SQL_OR_FAIL(Transaction txn, db->Begin(TransactionMode::kExclusive));
    ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (3)"));
    // Destroyed without Commit: rolled back.
  }
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(CountRows(*db, "t"), 1);

  ASSIGN_SQL_OR_FAIL(Transaction first, db->Begin());
  Transaction moved = std::move(first);
  EXPECT_FALSE(first.active());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.active());
  ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (4)"));
  ASSERT_SQL_OK(moved.Commit());
  EXPECT_EQ(CountRows(*db, "t"), 2);
}

TEST(SqliteTest, TransactionMisuseIsReported) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x)"));
  ASSIGN_SQL_OR_FAIL(Transaction txn, db->Begin());
  auto nested = db->Begin();
  EXPECT_EQ(nested.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(nested.status().message(), HasSubstr("do not nest"));
  ASSERT_SQL_OK(txn.Commit());
  EXPECT_EQ(txn.Commit().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(txn.Rollback().code(), StatusCode::kFailedPrecondition);

  // Ended behind the object's back: Commit must not pretend it committed.
  ASSIGN_SQL_OR_FAIL(Transaction other, db->Begin());
  ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (1)"));
  ASSERT_SQL_OK(db->Exec("ROLLBACK"));
  EXPECT_EQ(other.Commit().code(), StatusCode::kAborted);
  EXPECT_EQ(CountRows(*db, "t"), 0);

  // Assigning onto an open transaction rolls that one back.
  ASSIGN_SQL_OR_FAIL(Transaction open, db->Begin());
  ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (2)"));
  open = std::move(txn);  // txn has ended
  EXPECT_FALSE(open.active());
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(CountRows(*db, "t"), 0);
}

TEST(SqliteTest, LengthLimitsAreEnforced) {
  DatabaseOptions options;
  constexpr std::int64_t kMaxLength = 1000;
  constexpr std::int64_t kMaxSql = 200;
  options.max_length_bytes = kMaxLength;
  options.max_sql_length_bytes = kMaxSql;
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory(options));
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (v)"));
  // The limit covers whole rows too; leave room for the record header.
  constexpr std::size_t kFits = kMaxLength - 16;
  ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (?)", BlobRef(std::string(kFits, 'b'))));
  ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (?)", std::string(kFits, 't')));

  Status blob = db->Execute("INSERT INTO t VALUES (?)", BlobRef(std::string(kMaxLength + 1, 'b')));
  EXPECT_EQ(blob.code(), StatusCode::kResourceExhausted) << blob.ToString();
  Status text = db->Execute("INSERT INTO t VALUES (?)", std::string(kMaxLength + 1, 't'));
  EXPECT_EQ(text.code(), StatusCode::kResourceExhausted) << text.ToString();
  Status computed = db->Execute("INSERT INTO t VALUES (zeroblob(?))", kMaxLength * 2);
  EXPECT_EQ(computed.code(), StatusCode::kResourceExhausted) << computed.ToString();
  EXPECT_EQ(CountRows(*db, "t"), 2);

  auto long_sql = db->Prepare("SELECT 1" + std::string(kMaxSql, ' '));
  EXPECT_EQ(long_sql.status().code(), StatusCode::kResourceExhausted);
  Status long_exec = db->Exec("SELECT 1 " + std::string(kMaxSql, ' ') + ";");
  EXPECT_EQ(long_exec.code(), StatusCode::kResourceExhausted);
}

TEST(SqliteTest, OptionsAreValidated) {
  DatabaseOptions negative_timeout;
  negative_timeout.busy_timeout_ms = -1;
  EXPECT_EQ(Database::OpenInMemory(negative_timeout).status().code(), StatusCode::kInvalidArgument);
  DatabaseOptions zero_length;
  zero_length.max_length_bytes = 0;
  EXPECT_EQ(Database::OpenInMemory(zero_length).status().code(), StatusCode::kInvalidArgument);
  DatabaseOptions huge_sql;
  huge_sql.max_sql_length_bytes = std::int64_t{1} << 40;
  EXPECT_EQ(Database::OpenInMemory(huge_sql).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Database::Open("").status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteTest, StatementCacheReusesAndIsBounded) {
  DatabaseOptions options;
  options.statement_cache_capacity = 2;
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory(options));
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x)"));
  EXPECT_EQ(db->CachedStatementCount(), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (?)", i));
  EXPECT_EQ(db->CachedStatementCount(), 1u);
  {
    // Two uses of the same SQL at once get two statements.
    ASSIGN_SQL_OR_FAIL(Statement outer, db->PrepareCached("SELECT x FROM t ORDER BY x"));
    ASSIGN_SQL_OR_FAIL(Statement inner, db->PrepareCached("SELECT x FROM t ORDER BY x"));
    EXPECT_EQ(db->CachedStatementCount(), 1u);
    ASSIGN_SQL_OR_FAIL(bool row, outer.Step());
    ASSERT_TRUE(row);
    ASSIGN_SQL_OR_FAIL(row, inner.Step());
    ASSERT_TRUE(row);
    ASSIGN_SQL_OR_FAIL(row, inner.Step());
    ASSERT_TRUE(row);
    EXPECT_EQ(outer.ColumnInt(0), 0);
    EXPECT_EQ(inner.ColumnInt(0), 1);
  }
  EXPECT_EQ(db->CachedStatementCount(), 2u);
  ASSERT_SQL_OK(db->Execute("DELETE FROM t WHERE x = ?", 0));
  EXPECT_EQ(db->CachedStatementCount(), 2u);  // capacity
  // A statement back from the cache starts afresh: reset, bindings cleared.
  ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (?)", 5));
  ASSIGN_SQL_OR_FAIL(Statement again, db->PrepareCached("INSERT INTO t VALUES (?)"));
  EXPECT_EQ(db->CachedStatementCount(), 1u);  // taken out of the cache: a hit
  ASSIGN_SQL_OR_FAIL(bool row, again.Step());
  EXPECT_FALSE(row);
  ASSIGN_SQL_OR_FAIL(auto nulls,
                     db->QueryOne<std::int64_t>("SELECT count(*) FROM t WHERE x IS NULL"));
  EXPECT_EQ(nulls, 1);
  EXPECT_EQ(CountRows(*db, "t"), 4);

  DatabaseOptions no_cache;
  no_cache.statement_cache_capacity = 0;
  ASSIGN_SQL_OR_FAIL(auto uncached, Database::OpenInMemory(no_cache));
  ASSERT_SQL_OK(uncached->Execute("SELECT 1"));
  EXPECT_EQ(uncached->CachedStatementCount(), 0u);
  // A failed preparation leaves the cache usable.
  EXPECT_FALSE(db->PrepareCached("SELEC").ok());
  ASSERT_SQL_OK(db->Execute("SELECT 1"));
}

TEST(SqliteTest, Fts5IsAvailableWithBm25) {
  ASSIGN_SQL_OR_FAIL(auto db, Database::OpenInMemory());
  ASSERT_SQL_OK(db->Exec("CREATE VIRTUAL TABLE docs USING fts5(title, body)"));
  ASSERT_SQL_OK(db->Execute("INSERT INTO docs VALUES (?, ?)", "long",
                            "the sextant is one of many instruments carried on board a ship "
                            "for navigation at sea, with the compass and the chronometer"));
  ASSERT_SQL_OK(db->Execute("INSERT INTO docs VALUES (?, ?)", "short", "sextant sextant sextant"));
  ASSERT_SQL_OK(db->Execute("INSERT INTO docs VALUES (?, ?)", "other", "nothing relevant"));
  ASSIGN_SQL_OR_FAIL(Statement search,
                     db->Prepare("SELECT title, bm25(docs) FROM docs WHERE docs MATCH ? "
                                 "ORDER BY bm25(docs)"));
  ASSERT_SQL_OK(search.Bind(1, "sextant"));
  std::vector<std::string> titles;
  for (;;) {
    ASSIGN_SQL_OR_FAIL(bool row, search.Step());
    if (!row) break;
    titles.push_back(search.ColumnText(0));
    EXPECT_LT(search.ColumnDouble(1), 0.0);  // bm25 is negated: lower is better
  }
  EXPECT_EQ(titles, (std::vector<std::string>{"short", "long"}));
}

}  // namespace
}  // namespace sextant
