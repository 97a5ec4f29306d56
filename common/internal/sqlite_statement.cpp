// Statement: binding, stepping and column access over one sqlite3_stmt.
#include <cassert>
#include <climits>
#include <limits>
#include <utility>

#include <sqlite3.h>

#include "common/internal/sqlite_error.h"
#include "common/internal/sqlite_statement_cache.h"
#include "common/sqlite.h"

namespace sextant {
namespace {

Status StatementError(sqlite3_stmt* stmt, int code, std::string_view what) {
  const char* sql = sqlite3_sql(stmt);
  std::string context(what);
  context += ' ';
  context += internal::SqliteQuotedSnippet(sql != nullptr ? sql : "");
  return internal::SqliteError(sqlite3_db_handle(stmt), code, context);
}

// A message prefix naming the database and the statement.
std::string Where(sqlite3_stmt* stmt) {
  const char* sql = sqlite3_sql(stmt);
  return internal::SqliteDbName(sqlite3_db_handle(stmt)) + ": " +
         internal::SqliteQuotedSnippet(sql != nullptr ? sql : "");
}

Status MovedFromError() {
  assert(false && "use of a moved-from Statement");
  return InternalError("use of a moved-from Statement");
}

Status CheckBindIndex(sqlite3_stmt* stmt, int index) {
  if (stmt == nullptr) return MovedFromError();
  const int count = sqlite3_bind_parameter_count(stmt);
  if (index < 1 || index > count) {
    return OutOfRangeError(Where(stmt) + ": bind index " + std::to_string(index) +
                           " is out of range: the statement has " + std::to_string(count) +
                           " parameter(s)");
  }
  return Status::Ok();
}

Status BindResult(sqlite3_stmt* stmt, int rc, int index) {
  if (rc == SQLITE_OK) return Status::Ok();
  return StatementError(stmt, rc, "bind parameter " + std::to_string(index) + " of");
}

std::string_view TypeName(int type) {
  switch (type) {
    case SQLITE_INTEGER:
      return "INTEGER";
    case SQLITE_FLOAT:
      return "REAL";
    case SQLITE_TEXT:
      return "TEXT";
    case SQLITE_BLOB:
      return "BLOB";
    default:
      return "NULL";
  }
}

Status CheckColumn(sqlite3_stmt* stmt, int column) {
  if (stmt == nullptr) return MovedFromError();
  const int count = sqlite3_data_count(stmt);
  if (count == 0) {
    return FailedPreconditionError(Where(stmt) + ": no current row to read column " +
                                   std::to_string(column) + " from");
  }
  if (column < 0 || column >= count) {
    return OutOfRangeError(Where(stmt) + ": column " + std::to_string(column) +
                           " is out of range: the row has " + std::to_string(count) + " column(s)");
  }
  return Status::Ok();
}

// Checks that `column` holds a value of storage class `expected` (REAL also
// accepts INTEGER).
Status CheckColumnType(sqlite3_stmt* stmt, int column, int expected) {
  SEXTANT_RETURN_IF_ERROR(CheckColumn(stmt, column));
  const int actual = sqlite3_column_type(stmt, column);
  if (actual == expected || (expected == SQLITE_FLOAT && actual == SQLITE_INTEGER)) {
    return Status::Ok();
  }
  const char* name = sqlite3_column_name(stmt, column);
  return FailedPreconditionError(
      Where(stmt) + ": column " + std::to_string(column) + " (" + (name != nullptr ? name : "?") +
      ") is " + std::string(TypeName(actual)) + ", expected " + std::string(TypeName(expected)));
}

}  // namespace

Statement::Statement(sqlite3_stmt* stmt, internal::SqliteStatementCache* cache,
                     std::string cache_key)
    : stmt_(stmt), cache_(cache), cache_key_(std::move(cache_key)) {}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      cache_(std::exchange(other.cache_, nullptr)),
      cache_key_(std::move(other.cache_key_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    cache_ = std::exchange(other.cache_, nullptr);
    cache_key_ = std::move(other.cache_key_);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (cache_ != nullptr) {
    cache_->Give(std::move(cache_key_), stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  cache_ = nullptr;
}

Status Statement::BindInt64(int index, std::int64_t value) {
  SEXTANT_RETURN_IF_ERROR(CheckBindIndex(stmt_, index));
  return BindResult(stmt_, sqlite3_bind_int64(stmt_, index, value), index);
}

Status Statement::BindDouble(int index, double value) {
  SEXTANT_RETURN_IF_ERROR(CheckBindIndex(stmt_, index));
  return BindResult(stmt_, sqlite3_bind_double(stmt_, index, value), index);
}

Status Statement::BindText(int index, std::string_view value) {
  SEXTANT_RETURN_IF_ERROR(CheckBindIndex(stmt_, index));
  // A null pointer would bind NULL; an empty string must stay TEXT.
  const char* data = value.data() != nullptr ? value.data() : "";
  return BindResult(
      stmt_, sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}

Status Statement::BindBlob(int index, BlobRef value) {
  SEXTANT_RETURN_IF_ERROR(CheckBindIndex(stmt_, index));
  // A null pointer would bind NULL; an empty blob must stay a BLOB.
  if (value.bytes.empty()) return BindResult(stmt_, sqlite3_bind_zeroblob(stmt_, index, 0), index);
  return BindResult(
      stmt_,
      sqlite3_bind_blob64(stmt_, index, value.bytes.data(), value.bytes.size(), SQLITE_TRANSIENT),
      index);
}

Status Statement::BindNull(int index) {
  SEXTANT_RETURN_IF_ERROR(CheckBindIndex(stmt_, index));
  return BindResult(stmt_, sqlite3_bind_null(stmt_, index), index);
}

Result<int> Statement::ParameterIndex(std::string_view name) const {
  if (stmt_ == nullptr) return MovedFromError();
  static constexpr std::string_view kPrefixes = ":@$";
  if (!name.empty() && kPrefixes.find(name.front()) != std::string_view::npos) {
    const int index = sqlite3_bind_parameter_index(stmt_, std::string(name).c_str());
    if (index > 0) return index;
  } else if (!name.empty()) {
    for (char prefix : kPrefixes) {
      const std::string full = prefix + std::string(name);
      const int index = sqlite3_bind_parameter_index(stmt_, full.c_str());
      if (index > 0) return index;
    }
  }
  return InvalidArgumentError(Where(stmt_) + ": no parameter named '" + std::string(name) + "'");
}

int Statement::ParameterCount() const {
  return stmt_ != nullptr ? sqlite3_bind_parameter_count(stmt_) : 0;
}

Status Statement::CheckArgumentCount(std::size_t count) const {
  if (stmt_ == nullptr) return MovedFromError();
  const int expected = sqlite3_bind_parameter_count(stmt_);
  if (count != static_cast<std::size_t>(expected)) {
    return InvalidArgumentError(Where(stmt_) + ": " + std::to_string(count) +
                                " argument(s) given for " + std::to_string(expected) +
                                " parameter(s)");
  }
  return Status::Ok();
}

Status Statement::ClearBindings() {
  if (stmt_ == nullptr) return MovedFromError();
  const int rc = sqlite3_clear_bindings(stmt_);
  if (rc != SQLITE_OK) return StatementError(stmt_, rc, "clear bindings of");
  return Status::Ok();
}

Result<bool> Statement::Step() {
  if (stmt_ == nullptr) return MovedFromError();
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status error = StatementError(stmt_, rc, "step");
  sqlite3_reset(stmt_);  // repeats the error we already hold
  return error;
}

Status Statement::Run() {
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, Step());
    if (!has_row) return Status::Ok();
  }
}

Status Statement::Reset() {
  if (stmt_ == nullptr) return MovedFromError();
  const int rc = sqlite3_reset(stmt_);
  if (rc != SQLITE_OK) return StatementError(stmt_, rc, "reset");
  return Status::Ok();
}

int Statement::ColumnCount() const { return stmt_ != nullptr ? sqlite3_column_count(stmt_) : 0; }

std::string Statement::ColumnName(int column) const {
  assert(column >= 0 && column < ColumnCount());
  const char* name = stmt_ != nullptr ? sqlite3_column_name(stmt_, column) : nullptr;
  return name != nullptr ? name : "";
}

SqliteType Statement::ColumnType(int column) const {
  assert(column >= 0 && column < ColumnCount());
  switch (stmt_ != nullptr ? sqlite3_column_type(stmt_, column) : SQLITE_NULL) {
    case SQLITE_INTEGER:
      return SqliteType::kInteger;
    case SQLITE_FLOAT:
      return SqliteType::kReal;
    case SQLITE_TEXT:
      return SqliteType::kText;
    case SQLITE_BLOB:
      return SqliteType::kBlob;
    default:
      return SqliteType::kNull;
  }
}

bool Statement::ColumnIsNull(int column) const { return ColumnType(column) == SqliteType::kNull; }

std::int64_t Statement::ColumnInt(int column) const {
  assert(column >= 0 && column < ColumnCount());
  return stmt_ != nullptr ? sqlite3_column_int64(stmt_, column) : 0;
}

double Statement::ColumnDouble(int column) const {
  assert(column >= 0 && column < ColumnCount());
  return stmt_ != nullptr ? sqlite3_column_double(stmt_, column) : 0.0;
}

std::string Statement::ColumnText(int column) const {
  assert(column >= 0 && column < ColumnCount());
  if (stmt_ == nullptr) return {};
  // The pointer must be fetched before the size (the size depends on the encoding asked for).
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return text != nullptr ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

std::string Statement::ColumnBlob(int column) const {
  assert(column >= 0 && column < ColumnCount());
  if (stmt_ == nullptr) return {};
  const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return blob != nullptr ? std::string(blob, static_cast<std::size_t>(size)) : std::string();
}

std::string_view Statement::sql() const {
  const char* sql = stmt_ != nullptr ? sqlite3_sql(stmt_) : nullptr;
  return sql != nullptr ? std::string_view(sql) : std::string_view();
}

template <typename T>
Result<T> Statement::Get(int column) const {
  if constexpr (internal::SqliteIsOptional<T>::value) {
    SEXTANT_RETURN_IF_ERROR(CheckColumn(stmt_, column));
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return T();
    SEXTANT_ASSIGN_OR_RETURN(typename T::value_type value, Get<typename T::value_type>(column));
    return T(std::move(value));
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    SEXTANT_RETURN_IF_ERROR(CheckColumnType(stmt_, column, SQLITE_INTEGER));
    return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, column));
  } else if constexpr (std::is_same_v<T, int>) {
    SEXTANT_ASSIGN_OR_RETURN(std::int64_t value, Get<std::int64_t>(column));
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      return OutOfRangeError(Where(stmt_) + ": column " + std::to_string(column) + " value " +
                             std::to_string(value) + " does not fit in an int");
    }
    return static_cast<int>(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    SEXTANT_ASSIGN_OR_RETURN(std::int64_t value, Get<std::int64_t>(column));
    return value != 0;
  } else if constexpr (std::is_same_v<T, double>) {
    SEXTANT_RETURN_IF_ERROR(CheckColumnType(stmt_, column, SQLITE_FLOAT));
    return sqlite3_column_double(stmt_, column);
  } else if constexpr (std::is_same_v<T, std::string>) {
    SEXTANT_RETURN_IF_ERROR(CheckColumnType(stmt_, column, SQLITE_TEXT));
    return ColumnText(column);
  } else if constexpr (std::is_same_v<T, std::vector<std::byte>>) {
    SEXTANT_RETURN_IF_ERROR(CheckColumnType(stmt_, column, SQLITE_BLOB));
    const auto* blob = static_cast<const std::byte*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    if (blob == nullptr) return std::vector<std::byte>();
    return std::vector<std::byte>(blob, blob + size);
  } else {
    static_assert(sizeof(T) == 0, "Statement::Get: unsupported type");
  }
}

#define SEXTANT_SQLITE_DEFINE_GET_(T)                     \
  template Result<T> Statement::Get<T>(int column) const; \
  template Result<std::optional<T>> Statement::Get<std::optional<T>>(int column) const;
SEXTANT_SQLITE_DEFINE_GET_(std::int64_t)
SEXTANT_SQLITE_DEFINE_GET_(int)
SEXTANT_SQLITE_DEFINE_GET_(bool)
SEXTANT_SQLITE_DEFINE_GET_(double)
SEXTANT_SQLITE_DEFINE_GET_(std::string)
SEXTANT_SQLITE_DEFINE_GET_(std::vector<std::byte>)
#undef SEXTANT_SQLITE_DEFINE_GET_

}  // namespace sextant
