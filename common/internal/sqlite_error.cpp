#include "common/internal/sqlite_error.h"

#include <cctype>
#include <cerrno>
#include <system_error>

namespace sextant::internal {

StatusCode SqliteStatusCode(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return StatusCode::kAlreadyExists;
    case SQLITE_IOERR_NOMEM:
      return StatusCode::kResourceExhausted;
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_OK:
      return StatusCode::kOk;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return StatusCode::kDataLoss;
    case SQLITE_CANTOPEN:
      return StatusCode::kNotFound;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return StatusCode::kUnavailable;
    case SQLITE_CONSTRAINT:
      return StatusCode::kFailedPrecondition;
    case SQLITE_FULL:
    case SQLITE_TOOBIG:
    case SQLITE_NOMEM:
    case SQLITE_NOLFS:
      return StatusCode::kResourceExhausted;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return StatusCode::kPermissionDenied;
    case SQLITE_RANGE:
      return StatusCode::kOutOfRange;
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
      return StatusCode::kInvalidArgument;
    case SQLITE_INTERRUPT:
    case SQLITE_ABORT:
    case SQLITE_SCHEMA:
      return StatusCode::kAborted;
    default:
      return StatusCode::kInternal;
  }
}

std::string_view SqliteCodeName(int code) {
  switch (code & 0xff) {
    case SQLITE_OK:
      return "SQLITE_OK";
    case SQLITE_ERROR:
      return "SQLITE_ERROR";
    case SQLITE_INTERNAL:
      return "SQLITE_INTERNAL";
    case SQLITE_PERM:
      return "SQLITE_PERM";
    case SQLITE_ABORT:
      return "SQLITE_ABORT";
    case SQLITE_BUSY:
      return "SQLITE_BUSY";
    case SQLITE_LOCKED:
      return "SQLITE_LOCKED";
    case SQLITE_NOMEM:
      return "SQLITE_NOMEM";
    case SQLITE_READONLY:
      return "SQLITE_READONLY";
    case SQLITE_INTERRUPT:
      return "SQLITE_INTERRUPT";
    case SQLITE_IOERR:
      return "SQLITE_IOERR";
    case SQLITE_CORRUPT:
      return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND:
      return "SQLITE_NOTFOUND";
    case SQLITE_FULL:
      return "SQLITE_FULL";
    case SQLITE_CANTOPEN:
      return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL:
      return "SQLITE_PROTOCOL";
    case SQLITE_EMPTY:
      return "SQLITE_EMPTY";
    case SQLITE_SCHEMA:
      return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG:
      return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT:
      return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH:
      return "SQLITE_MISMATCH";
    case SQLITE_MISUSE:
      return "SQLITE_MISUSE";
    case SQLITE_NOLFS:
      return "SQLITE_NOLFS";
    case SQLITE_AUTH:
      return "SQLITE_AUTH";
    case SQLITE_FORMAT:
      return "SQLITE_FORMAT";
    case SQLITE_RANGE:
      return "SQLITE_RANGE";
    case SQLITE_NOTADB:
      return "SQLITE_NOTADB";
    default:
      return "SQLITE_UNKNOWN";
  }
}

std::string SqliteQuotedSnippet(std::string_view sql) {
  std::string out = "\"";
  bool in_space = false;
  std::size_t kept = 0;
  for (char c : sql) {
    if (kept >= kSqliteSnippetMaxChars) {
      out += "...";
      break;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      in_space = true;
      continue;
    }
    if (in_space && kept > 0) {
      out += ' ';
      ++kept;
    }
    in_space = false;
    out += c;
    ++kept;
  }
  out += '"';
  return out;
}

std::string SqliteDbName(sqlite3* db) {
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  if (file == nullptr || *file == '\0') return ":memory:";
  return file;
}

Status SqliteError(sqlite3* db, int code, std::string_view what) {
  std::string message = SqliteDbName(db);
  message += ": ";
  message += what;
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  message += " [";
  message += SqliteCodeName(code);
  message += "]";
  StatusCode status_code = SqliteStatusCode(code);
  if (status_code == StatusCode::kOk) status_code = StatusCode::kInternal;
  return Status(status_code, std::move(message));
}

Status SqliteOpenError(sqlite3* db, int code, const std::string& name) {
  std::string message = "open " + name + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  const int os_error =
      (code & 0xff) == SQLITE_CANTOPEN && db != nullptr ? sqlite3_system_errno(db) : 0;
  if (os_error != 0) message += " (" + std::generic_category().message(os_error) + ")";
  message += " [" + std::string(SqliteCodeName(code)) + "]";
  if ((code & 0xff) != SQLITE_CANTOPEN) {
    StatusCode status_code = SqliteStatusCode(code);
    if (status_code == StatusCode::kOk) status_code = StatusCode::kInternal;
    return Status(status_code, std::move(message));
  }
  switch (os_error) {
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(std::move(message));
    case EISDIR:
      return FailedPreconditionError(std::move(message));
    case ENOSPC:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return ResourceExhaustedError(std::move(message));
    default:
      return NotFoundError(std::move(message));
  }
}

}  // namespace sextant::internal
