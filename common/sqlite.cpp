// Database: opening and configuring connections, running SQL, transactions.
#include "common/sqlite.h"

#include <climits>
#include <cstdio>
#include <system_error>
#include <utility>

#include <sqlite3.h>
#include <unistd.h>

#include "common/internal/sqlite_error.h"
#include "common/internal/sqlite_statement_cache.h"

namespace sextant {
namespace {

constexpr std::string_view kInMemoryName = ":memory:";

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using ConnectionPtr = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

Status ValidateOptions(const DatabaseOptions& options) {
  if (options.busy_timeout_ms < 0) {
    return InvalidArgumentError("database options: busy_timeout_ms must be >= 0, got " +
                                std::to_string(options.busy_timeout_ms));
  }
  if (options.max_length_bytes < 1 || options.max_length_bytes > INT_MAX) {
    return InvalidArgumentError("database options: max_length_bytes must be in 1.." +
                                std::to_string(INT_MAX) + ", got " +
                                std::to_string(options.max_length_bytes));
  }
  if (options.max_sql_length_bytes < 1 || options.max_sql_length_bytes > INT_MAX) {
    return InvalidArgumentError("database options: max_sql_length_bytes must be in 1.." +
                                std::to_string(INT_MAX) + ", got " +
                                std::to_string(options.max_sql_length_bytes));
  }
  return Status::Ok();
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

Status CheckSqlSize(sqlite3* db, std::string_view sql) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    return ResourceExhaustedError(internal::SqliteDbName(db) + ": SQL text of " +
                                  std::to_string(sql.size()) + " bytes is too long");
  }
  return Status::Ok();
}

// Prepares exactly one statement from `sql`.
Result<StatementPtr> PrepareOne(sqlite3* db, std::string_view sql, unsigned flags) {
  SEXTANT_RETURN_IF_ERROR(CheckSqlSize(db, sql));
  if (IsBlank(sql)) {
    return InvalidArgumentError(internal::SqliteDbName(db) + ": prepare: the SQL text is empty");
  }
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &raw, &tail);
  StatementPtr stmt(raw);
  if (rc != SQLITE_OK) {
    return internal::SqliteError(db, rc, "prepare " + internal::SqliteQuotedSnippet(sql));
  }
  if (stmt == nullptr) {
    return InvalidArgumentError(internal::SqliteDbName(db) + ": prepare " +
                                internal::SqliteQuotedSnippet(sql) + ": no SQL statement in it");
  }
  const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (!IsBlank(rest)) {
    // Comments may follow; another statement may not.
    sqlite3_stmt* extra_raw = nullptr;
    rc = sqlite3_prepare_v3(db, rest.data(), static_cast<int>(rest.size()), 0, &extra_raw, nullptr);
    StatementPtr extra(extra_raw);
    if (rc != SQLITE_OK || extra != nullptr) {
      return InvalidArgumentError(internal::SqliteDbName(db) + ": prepare " +
                                  internal::SqliteQuotedSnippet(sql) +
                                  ": text follows the first statement (use Exec for several)");
    }
  }
  return stmt;
}

// Runs a prepared statement to the end, discarding rows.
Status StepToEnd(sqlite3* db, sqlite3_stmt* stmt) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc == SQLITE_DONE) return Status::Ok();
  return internal::SqliteError(db, rc, "exec " + internal::SqliteQuotedSnippet(sqlite3_sql(stmt)));
}

// Runs one statement on a raw connection, discarding rows.
Status ExecOne(sqlite3* db, std::string_view sql) {
  SEXTANT_ASSIGN_OR_RETURN(StatementPtr stmt, PrepareOne(db, sql, 0));
  return StepToEnd(db, stmt.get());
}

// Runs one statement on a raw connection and leaves it on its first row
// (sqlite3_data_count is 0 when there is none).
Result<StatementPtr> FirstRow(sqlite3* db, std::string_view sql) {
  SEXTANT_ASSIGN_OR_RETURN(StatementPtr stmt, PrepareOne(db, sql, 0));
  const int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return internal::SqliteError(db, rc, "step " + internal::SqliteQuotedSnippet(sql));
  }
  return stmt;
}

Result<std::string> QueryText(sqlite3* db, std::string_view sql) {
  SEXTANT_ASSIGN_OR_RETURN(StatementPtr stmt, FirstRow(db, sql));
  if (sqlite3_data_count(stmt.get()) == 0) return std::string();
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
  const int size = sqlite3_column_bytes(stmt.get(), 0);
  return text != nullptr ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

Result<std::int64_t> QueryInt(sqlite3* db, std::string_view sql) {
  SEXTANT_ASSIGN_OR_RETURN(StatementPtr stmt, FirstRow(db, sql));
  if (sqlite3_data_count(stmt.get()) == 0) return std::int64_t{0};
  return static_cast<std::int64_t>(sqlite3_column_int64(stmt.get(), 0));
}

// Reads the schema, so that a corrupt or non-SQLite file fails at open.
// Returns the number of schema objects.
Result<std::int64_t> ReadSchema(sqlite3* db, const std::string& name) {
  Result<std::int64_t> objects = QueryInt(db, "SELECT count(*) FROM sqlite_master");
  if (objects.ok()) return objects;
  if (objects.status().code() == StatusCode::kDataLoss) {
    return DataLossError(name + " is not a SQLite database or is corrupt: " + sqlite3_errmsg(db));
  }
  return objects.status().WithContext("open " + name + ": read the schema");
}

std::string Hex32(std::int32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "0x%08x", static_cast<std::uint32_t>(value));
  return buffer;
}

// Applies `options` to a freshly opened connection and checks the file: its
// schema is readable (a corrupt or non-SQLite file fails here), it is not
// foreign, and WAL is on when asked for.
Status Configure(sqlite3* db, const std::string& name, const DatabaseOptions& options,
                 bool in_memory) {
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, static_cast<int>(options.max_length_bytes));
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, static_cast<int>(options.max_sql_length_bytes));
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t objects, ReadSchema(db, name));

  const bool writable = !options.read_only || in_memory;
  bool stamp = false;
  if (options.application_id.has_value()) {
    SEXTANT_ASSIGN_OR_RETURN(std::int64_t id, QueryInt(db, "PRAGMA application_id"));
    const auto found = static_cast<std::int32_t>(id);
    if (found != *options.application_id) {
      if (found != 0 || objects > 0) {
        return FailedPreconditionError(name + " belongs to another application: application_id " +
                                       Hex32(found) + ", expected " +
                                       Hex32(*options.application_id));
      }
      stamp = writable;
    }
  }

  if (options.wal && !options.read_only && !in_memory) {
    SEXTANT_ASSIGN_OR_RETURN(std::string mode, QueryText(db, "PRAGMA journal_mode"));
    if (mode != "wal") {
      SEXTANT_ASSIGN_OR_RETURN(mode, QueryText(db, "PRAGMA journal_mode=WAL"));
    }
    if (mode != "wal") {
      return FailedPreconditionError(name + ": could not switch to WAL journal mode (it is '" +
                                     mode + "')");
    }
    SEXTANT_RETURN_IF_ERROR(ExecOne(db, "PRAGMA synchronous=NORMAL"));
  }
  SEXTANT_RETURN_IF_ERROR(
      ExecOne(db, options.foreign_keys ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF"));
  if (stamp) {
    SEXTANT_RETURN_IF_ERROR(
        ExecOne(db, "PRAGMA application_id=" + std::to_string(*options.application_id)));
  }
  return Status::Ok();
}

std::string_view BeginSql(TransactionMode mode) {
  switch (mode) {
    case TransactionMode::kDeferred:
      return "BEGIN DEFERRED";
    case TransactionMode::kImmediate:
      return "BEGIN IMMEDIATE";
    case TransactionMode::kExclusive:
      return "BEGIN EXCLUSIVE";
  }
  return "BEGIN IMMEDIATE";
}

}  // namespace

struct Database::Impl {
  // Declared first so that it is closed last, after the cache's statements.
  ConnectionPtr db;
  std::string name;
  internal::SqliteStatementCache cache;

  Impl(ConnectionPtr connection, std::string display_name, std::size_t cache_capacity)
      : db(std::move(connection)), name(std::move(display_name)), cache(cache_capacity) {}
};

Database::Database(PrivateTag, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& path,
                                                 const DatabaseOptions& options) {
  SEXTANT_RETURN_IF_ERROR(ValidateOptions(options));
  std::string name = path.string();
  if (name.empty()) return InvalidArgumentError("open database: the path is empty");
  if (name.find('\0') != std::string::npos) {
    return InvalidArgumentError("open database: the path contains a NUL byte");
  }
  // SQLite reads ":memory:" and "file:..." (URIs are on in Debian's build) as
  // special names; "./" keeps them plain relative paths.
  std::string file = name;
  if (path.is_relative() && (name.starts_with(':') || name.starts_with("file:"))) {
    file = "./" + name;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return FailedPreconditionError("open " + name + ": it is a directory, not a database file");
  }

  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  ConnectionPtr db(raw);
  if (rc != SQLITE_OK) {
    Status error = internal::SqliteOpenError(db.get(), rc, name);
    // SQLite retries a failed create read-only, so errno says ENOENT where
    // the directory refused the new file.
    if (error.code() == StatusCode::kNotFound && !options.read_only && options.create) {
      const std::filesystem::path parent =
          path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
      if (std::filesystem::is_directory(parent, ec) && access(parent.c_str(), W_OK | X_OK) != 0) {
        return PermissionDeniedError(error.message() + ": cannot create a file in " +
                                     parent.string());
      }
    }
    return error;
  }
  SEXTANT_RETURN_IF_ERROR(Configure(db.get(), name, options, /*in_memory=*/false));
  return std::make_unique<Database>(
      PrivateTag{},
      std::make_unique<Impl>(std::move(db), std::move(name), options.statement_cache_capacity));
}

Result<std::unique_ptr<Database>> Database::OpenInMemory(const DatabaseOptions& options) {
  SEXTANT_RETURN_IF_ERROR(ValidateOptions(options));
  std::string name(kInMemoryName);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      name.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  ConnectionPtr db(raw);
  if (rc != SQLITE_OK) return internal::SqliteOpenError(db.get(), rc, name);
  SEXTANT_RETURN_IF_ERROR(Configure(db.get(), name, options, /*in_memory=*/true));
  return std::make_unique<Database>(
      PrivateTag{},
      std::make_unique<Impl>(std::move(db), std::move(name), options.statement_cache_capacity));
}

const std::string& Database::name() const { return impl_->name; }

Status Database::Exec(std::string_view sql) {
  sqlite3* db = impl_->db.get();
  SEXTANT_RETURN_IF_ERROR(CheckSqlSize(db, sql));
  const char* next = sql.data();
  const char* const end = sql.data() + sql.size();
  while (next != nullptr && next < end) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db, next, static_cast<int>(end - next), 0, &raw, &tail);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) {
      return internal::SqliteError(
          db, rc, "prepare " + internal::SqliteQuotedSnippet(std::string_view(next, end - next)));
    }
    if (stmt == nullptr) break;  // only blanks or comments remain
    SEXTANT_RETURN_IF_ERROR(StepToEnd(db, stmt.get()));
    next = tail;
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  SEXTANT_ASSIGN_OR_RETURN(StatementPtr stmt, PrepareOne(impl_->db.get(), sql, 0));
  return Statement(stmt.release(), nullptr, std::string());
}

Result<Statement> Database::PrepareCached(std::string_view sql) {
  std::optional<internal::SqliteStatementCache::Entry> hit = impl_->cache.Take(sql);
  if (hit.has_value()) return Statement(hit->stmt, &impl_->cache, std::move(hit->sql));
  Result<StatementPtr> stmt = PrepareOne(impl_->db.get(), sql, SQLITE_PREPARE_PERSISTENT);
  if (!stmt.ok()) {
    impl_->cache.Cancel();
    return stmt.status();
  }
  return Statement(stmt->release(), &impl_->cache, std::string(sql));
}

std::int64_t Database::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(impl_->db.get());
}

std::int64_t Database::Changes() const { return sqlite3_changes64(impl_->db.get()); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(impl_->db.get()) == 0; }

bool Database::IsReadOnly() const { return sqlite3_db_readonly(impl_->db.get(), "main") == 1; }

std::size_t Database::CachedStatementCount() const { return impl_->cache.size(); }

Status Database::RunCached(std::string_view sql) {
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt, PrepareCached(sql));
  return stmt.Run();
}

Result<Transaction> Database::Begin(TransactionMode mode) {
  if (InTransaction()) {
    return FailedPreconditionError(internal::SqliteDbName(impl_->db.get()) +
                                   ": begin: a transaction is already open on this connection "
                                   "(transactions do not nest)");
  }
  SEXTANT_RETURN_IF_ERROR(RunCached(BeginSql(mode)));
  return Transaction(this);
}

Status Database::EndTransaction(bool commit) { return RunCached(commit ? "COMMIT" : "ROLLBACK"); }

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) Rollback().IgnoreError();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Transaction::~Transaction() {
  if (db_ != nullptr) Rollback().IgnoreError();
}

Status Transaction::Commit() {
  if (db_ == nullptr) return FailedPreconditionError("commit: the transaction has already ended");
  Database* db = db_;
  if (!db->InTransaction()) {
    db_ = nullptr;
    return AbortedError(db->name() +
                        ": commit: the transaction was already rolled back (by an error, or by "
                        "SQL run outside this Transaction)");
  }
  Status status = db->EndTransaction(/*commit=*/true);
  if (status.ok() || !db->InTransaction()) db_ = nullptr;
  return status;
}

Status Transaction::Rollback() {
  if (db_ == nullptr) {
    return FailedPreconditionError("rollback: the transaction has already ended");
  }
  Database* db = std::exchange(db_, nullptr);
  if (!db->InTransaction()) return Status::Ok();  // SQLite rolled it back already
  return db->EndTransaction(/*commit=*/false);
}

}  // namespace sextant
