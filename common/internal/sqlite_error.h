// Maps SQLite result codes to Status values with context (see the table in
// common/sqlite.h). Used only by the SQLite wrapper's .cpp files.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "common/status.h"

namespace sextant::internal {

// SQL longer than this is cut (with "...") in error messages.
inline constexpr std::size_t kSqliteSnippetMaxChars = 120;

// The Status code for a primary or extended SQLite result code.
StatusCode SqliteStatusCode(int code);

// "SQLITE_BUSY", "SQLITE_CONSTRAINT", ... for the primary part of `code`.
std::string_view SqliteCodeName(int code);

// `sql` with whitespace runs collapsed to one space, cut to
// kSqliteSnippetMaxChars, in double quotes.
std::string SqliteQuotedSnippet(std::string_view sql);

// The main file of `db` for messages, or ":memory:".
std::string SqliteDbName(sqlite3* db);

// A Status for a failed call on `db` with result code `code`:
// "<db name>: <what>: <sqlite3_errmsg> [SQLITE_X]".
Status SqliteError(sqlite3* db, int code, std::string_view what);

// A Status for a failed sqlite3_open_v2 of `name` (the path as given), using
// the OS error where SQLite could not open the file.
Status SqliteOpenError(sqlite3* db, int code, const std::string& name);

}  // namespace sextant::internal
