// SQLite wrapper: connections with safe defaults (WAL, busy timeout, foreign
// keys, limits), RAII statements and transactions, numbered migrations, and
// a per-connection statement cache.
//
// Errors: every failure is a Status whose message names the database file
// and, for statement errors, a snippet of the SQL. SQLite result codes map to
// Status codes as follows:
//   NOTADB, CORRUPT                 data_loss
//   CANTOPEN                        not_found (no such file or parent directory),
//                                   permission_denied (EACCES, EPERM, EROFS, or a
//                                   directory that refuses a new file),
//                                   resource_exhausted (ENOSPC, EMFILE, ...);
//                                   a directory path is failed_precondition
//   BUSY, LOCKED                    unavailable: another connection held the lock
//                                   past the busy timeout; retrying may succeed
//   CONSTRAINT_UNIQUE, _PRIMARYKEY,
//   _ROWID                          already_exists
//   other CONSTRAINT_* (NOT NULL,
//   CHECK, FOREIGN KEY, ...)        failed_precondition
//   FULL, TOOBIG, NOMEM, NOLFS      resource_exhausted
//   READONLY, PERM, AUTH            permission_denied
//   RANGE                           out_of_range
//   ERROR, MISMATCH                 invalid_argument (bad SQL, no such table, ...)
//   INTERRUPT, ABORT, SCHEMA        aborted
//   IOERR, PROTOCOL                 unavailable
//   MISUSE and anything else        internal
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sextant {

namespace internal {
class SqliteStatementCache;
}  // namespace internal

struct DatabaseOptions {
  static constexpr int kDefaultBusyTimeoutMs = 5000;
  static constexpr std::int64_t kDefaultMaxLengthBytes = std::int64_t{64} << 20;    // 64 MiB
  static constexpr std::int64_t kDefaultMaxSqlLengthBytes = std::int64_t{1} << 20;  // 1 MiB
  static constexpr std::size_t kDefaultStatementCacheCapacity = 64;

  // Opens the file read-only; writes fail with permission_denied and the
  // journal mode is left as the file has it.
  bool read_only = false;
  // Creates a missing file (ignored when read_only). Without it a missing file
  // is not_found.
  bool create = true;
  // How long a statement waits for another connection's lock before it fails
  // with unavailable. Must be >= 0.
  int busy_timeout_ms = kDefaultBusyTimeoutMs;
  // Switches the file to WAL (readers and one writer run in parallel across
  // connections and processes) with synchronous=NORMAL. Open fails with
  // failed_precondition when SQLite does not end up in WAL mode. When false,
  // the file keeps whatever journal mode it has.
  bool wal = true;
  // PRAGMA foreign_keys.
  bool foreign_keys = true;
  // When set, a new (empty) file is stamped with this PRAGMA application_id,
  // and an existing non-empty file with another id is refused as foreign with
  // failed_precondition, before anything in it is changed.
  std::optional<std::int32_t> application_id;
  // SQLITE_LIMIT_LENGTH: the largest string, blob or table row, bound or
  // computed. Larger ones fail with resource_exhausted. Range 1..2^31-1.
  std::int64_t max_length_bytes = kDefaultMaxLengthBytes;
  // SQLITE_LIMIT_SQL_LENGTH: the longest SQL statement text. Longer statements
  // fail with resource_exhausted. Range 1..2^31-1.
  std::int64_t max_sql_length_bytes = kDefaultMaxSqlLengthBytes;
  // How many idle prepared statements PrepareCached keeps (least recently used
  // are finalized first). 0 disables the cache.
  std::size_t statement_cache_capacity = kDefaultStatementCacheCapacity;
};

// The storage class of a column value.
enum class SqliteType { kNull, kInteger, kReal, kText, kBlob };

enum class TransactionMode {
  kDeferred,   // takes locks on first read/write; an upgrade may fail with unavailable
  kImmediate,  // takes the write lock at Begin (waits up to the busy timeout)
  kExclusive,  // like kImmediate; in rollback-journal mode also blocks readers
};

// Non-owning bytes bound as a BLOB (plain strings are bound as TEXT). The
// bytes are copied by SQLite when bound.
struct BlobRef {
  BlobRef(std::string_view b) : bytes(b) {}  // NOLINT(google-explicit-constructor)
  BlobRef(std::span<const std::byte> b)      // NOLINT(google-explicit-constructor)
      : bytes(reinterpret_cast<const char*>(b.data()), b.size()) {}
  std::string_view bytes;
};

// One step of a schema's history. Versions are numbered 1..N, in order. The
// SQL may hold several statements but no transaction control (BEGIN, COMMIT).
struct Migration {
  int version = 0;
  std::string_view description;
  std::string_view sql;
};

namespace internal {
template <typename T>
struct SqliteIsOptional : std::false_type {};
template <typename T>
struct SqliteIsOptional<std::optional<T>> : std::true_type {};

template <typename T>
inline constexpr bool kSqliteIsCharacter =
    std::is_same_v<T, char> || std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char> ||
    std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t> ||
    std::is_same_v<T, wchar_t>;
}  // namespace internal

// A prepared statement (RAII over sqlite3_stmt). Move-only.
//
// Ownership: owns its sqlite3_stmt. A statement from Database::PrepareCached
// goes back to its Database's cache when destroyed. Every Statement and every
// Transaction must be destroyed before the Database that made it.
// Thread safety: none; use it on the thread that uses its Database.
// Errors: Bind*, Step, Run and Get return Status/Result carrying the file and
// a snippet of the SQL; the Column* getters never fail (NULL reads as 0 or
// empty, and so does a column index out of range, which is also asserted).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding. Indexes start at 1; an index past the statement's parameters is
  // out_of_range. Values over max_length_bytes are resource_exhausted.
  Status BindInt64(int index, std::int64_t value);
  Status BindDouble(int index, double value);
  Status BindText(int index, std::string_view value);
  Status BindBlob(int index, BlobRef value);
  Status BindNull(int index);

  // Binds by type: integers and bool as INTEGER, floating point as REAL,
  // strings as TEXT, BlobRef / span<const std::byte> / vector<std::byte> as
  // BLOB, nullptr / nullopt as NULL, and std::optional<T> as T or NULL.
  // Unsigned values above INT64_MAX are out_of_range.
  template <typename T>
  Status Bind(int index, const T& value);

  // The 1-based index of a named parameter. `name` may include its prefix
  // (":id", "@id", "$id") or not ("id"). An unknown name is invalid_argument.
  Result<int> ParameterIndex(std::string_view name) const;
  template <typename T>
  Status Bind(std::string_view name, const T& value);

  // Binds args to parameters 1..N. N must equal the statement's parameter
  // count (invalid_argument otherwise).
  template <typename... Args>
  Status BindAll(const Args&... args);

  int ParameterCount() const;
  Status ClearBindings();

  // Runs one step: true when a row is ready, false when done. An error leaves
  // the statement reset, ready to run again.
  Result<bool> Step();
  // Steps until done, discarding any rows.
  Status Run();
  // Resets to run again; bindings are kept.
  Status Reset();

  // Unchecked column access for the current row (index 0-based).
  int ColumnCount() const;
  std::string ColumnName(int column) const;
  SqliteType ColumnType(int column) const;
  bool ColumnIsNull(int column) const;
  std::int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;

  // Checked column access. T is one of std::int64_t, int, bool, double,
  // std::string (TEXT), std::vector<std::byte> (BLOB), or std::optional of
  // one of them (NULL reads as nullopt). A NULL or a value of another storage
  // class is failed_precondition (except INTEGER read as double); an index out
  // of range, or an INTEGER outside int's range read as int, is out_of_range.
  template <typename T>
  Result<T> Get(int column) const;

  // The SQL text this statement was prepared from.
  std::string_view sql() const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, internal::SqliteStatementCache* cache, std::string cache_key);

  Status CheckArgumentCount(std::size_t count) const;
  void Release();

  sqlite3_stmt* stmt_ = nullptr;
  internal::SqliteStatementCache* cache_ = nullptr;  // not owned; null when not cached
  std::string cache_key_;
};

class Database;

// A transaction (RAII): rolls back in its destructor unless Commit() or
// Rollback() was called. Move-only.
//
// Ownership: refers to its Database, which must outlive it.
// Thread safety: none, like its Database.
// Errors: Commit and Rollback of a finished transaction are
// failed_precondition. Commit is aborted when SQLite already rolled the
// transaction back (after some errors, or SQL such as ROLLBACK run directly).
// A failed Commit leaves the transaction open when SQLite kept it open (for
// example on unavailable), so it may be retried or rolled back.
class [[nodiscard]] Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();
  Status Rollback();
  bool active() const { return db_ != nullptr; }

 private:
  friend class Database;
  explicit Transaction(Database* db) : db_(db) {}

  Database* db_ = nullptr;  // not owned; null once finished
};

// A connection to one SQLite database.
//
// Ownership: owns the connection and its statement cache; Statements and
// Transactions made from it must be destroyed first.
// Thread safety: not thread-safe; use one Database per thread (or guard it).
// Open one connection per thread or process instead of sharing: with WAL,
// readers and one writer run in parallel across connections and processes,
// and writers queue for up to busy_timeout_ms.
// Errors: see the table at the top of this file; Open reports a corrupt or
// foreign file at once (it reads the schema while opening).
class Database {
  struct Impl;
  struct PrivateTag {};

 public:
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& path,
                                                const DatabaseOptions& options = {});
  // A private in-memory database (read_only, create and wal are ignored).
  static Result<std::unique_ptr<Database>> OpenInMemory(const DatabaseOptions& options = {});

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // The path as opened, or ":memory:".
  const std::string& name() const;

  // Runs one or more statements, discarding any rows.
  Status Exec(std::string_view sql);
  // Prepares exactly one statement (more than one is invalid_argument).
  Result<Statement> Prepare(std::string_view sql);
  // Like Prepare, but reuses an idle statement prepared from the same text;
  // the statement returns to the cache (reset, bindings cleared) when
  // destroyed.
  Result<Statement> PrepareCached(std::string_view sql);

  // Prepares (cached), binds args to parameters 1..N and runs `sql` to the end.
  template <typename... Args>
  Status Execute(std::string_view sql, const Args&... args);
  // The first column of the first row as T (see Statement::Get), or nullopt
  // when there is no row.
  template <typename T, typename... Args>
  Result<std::optional<T>> QueryOne(std::string_view sql, const Args&... args);

  std::int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;
  // True while a transaction is open on this connection.
  bool InTransaction() const;
  // True when the file was opened read-only (or cannot be written).
  bool IsReadOnly() const;
  // Idle statements in the cache.
  std::size_t CachedStatementCount() const;

  // Starts a transaction. Nested transactions are failed_precondition; a
  // write lock held elsewhere past the busy timeout is unavailable.
  Result<Transaction> Begin(TransactionMode mode = TransactionMode::kImmediate);

  // The highest applied migration version, 0 for a database without a
  // schema_version table.
  Result<int> SchemaVersion();
  // Applies the migrations the file lacks, each in its own transaction
  // together with its row in schema_version (version, description,
  // applied_at). A list not numbered 1..N is invalid_argument; a file newer
  // than the list is failed_precondition; a failing migration is rolled back
  // and reported with its version and SQLite's message; a read-only database
  // that lacks migrations is permission_denied. Safe to run from several
  // processes at once.
  Status Migrate(std::span<const Migration> migrations);

  // For Open only (PrivateTag cannot be named outside).
  Database(PrivateTag, std::unique_ptr<Impl> impl);

 private:
  friend class Transaction;

  Status RunCached(std::string_view sql);
  Status EndTransaction(bool commit);

  std::unique_ptr<Impl> impl_;
};

// ---- Template definitions ----

template <typename T>
Status Statement::Bind(int index, const T& value) {
  if constexpr (internal::SqliteIsOptional<T>::value) {
    if (!value.has_value()) return BindNull(index);
    return Bind(index, *value);
  } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::nullopt_t>) {
    return BindNull(index);
  } else if constexpr (std::is_same_v<T, bool>) {
    return BindInt64(index, value ? 1 : 0);
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(!internal::kSqliteIsCharacter<T>,
                  "bind a character as text (std::string_view) or cast it to an integer");
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (value > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
        return OutOfRangeError("bind parameter " + std::to_string(index) + ": unsigned value " +
                               std::to_string(value) + " does not fit in a SQLite integer");
      }
    }
    return BindInt64(index, static_cast<std::int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return BindDouble(index, static_cast<double>(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return BindText(index, std::string_view(value));
  } else if constexpr (std::is_same_v<T, BlobRef>) {
    return BindBlob(index, value);
  } else if constexpr (std::is_convertible_v<const T&, std::span<const std::byte>>) {
    return BindBlob(index, BlobRef(std::span<const std::byte>(value)));
  } else {
    static_assert(sizeof(T) == 0, "Statement::Bind: unsupported type");
  }
}

template <typename T>
Status Statement::Bind(std::string_view name, const T& value) {
  SEXTANT_ASSIGN_OR_RETURN(int index, ParameterIndex(name));
  return Bind(index, value);
}

template <typename... Args>
Status Statement::BindAll(const Args&... args) {
  SEXTANT_RETURN_IF_ERROR(CheckArgumentCount(sizeof...(Args)));
  Status status;
  [[maybe_unused]] int index = 0;
  ((status = status.ok() ? Bind(++index, args) : status), ...);
  return status;
}

template <typename... Args>
Status Database::Execute(std::string_view sql, const Args&... args) {
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt, PrepareCached(sql));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(args...));
  return stmt.Run();
}

template <typename T, typename... Args>
Result<std::optional<T>> Database::QueryOne(std::string_view sql, const Args&... args) {
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt, PrepareCached(sql));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(args...));
  SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<T>();
  SEXTANT_ASSIGN_OR_RETURN(T value, stmt.Get<T>(0));
  return std::optional<T>(std::move(value));
}

#define SEXTANT_SQLITE_DECLARE_GET_(T)                           \
  extern template Result<T> Statement::Get<T>(int column) const; \
  extern template Result<std::optional<T>> Statement::Get<std::optional<T>>(int column) const;
SEXTANT_SQLITE_DECLARE_GET_(std::int64_t)
SEXTANT_SQLITE_DECLARE_GET_(int)
SEXTANT_SQLITE_DECLARE_GET_(bool)
SEXTANT_SQLITE_DECLARE_GET_(double)
SEXTANT_SQLITE_DECLARE_GET_(std::string)
SEXTANT_SQLITE_DECLARE_GET_(std::vector<std::byte>)
#undef SEXTANT_SQLITE_DECLARE_GET_

}  // namespace sextant
