// Database::SchemaVersion and Database::Migrate: numbered schema migrations
// recorded in the schema_version table.
#include <string>

#include "common/sqlite.h"

namespace sextant {
namespace {

constexpr std::string_view kCreateSchemaVersion =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)";
constexpr std::string_view kHasSchemaVersion =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
constexpr std::string_view kMaxVersion = "SELECT coalesce(max(version), 0) FROM schema_version";
constexpr std::string_view kRecordVersion =
    "INSERT INTO schema_version (version, description, applied_at) "
    "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

Status ValidateMigrations(std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    const auto expected = static_cast<int>(i + 1);
    if (m.version != expected) {
      return InvalidArgumentError(
          "migrations must be numbered 1..N in order, without gaps or "
          "duplicates: entry " +
          std::to_string(i) + " has version " + std::to_string(m.version) + ", expected " +
          std::to_string(expected));
    }
    if (m.sql.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return InvalidArgumentError("migration " + std::to_string(m.version) + " has no SQL");
    }
  }
  return Status::Ok();
}

std::string Describe(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + std::string(m.description) + ")";
}

}  // namespace

Result<int> Database::SchemaVersion() {
  SEXTANT_ASSIGN_OR_RETURN(std::optional<std::int64_t> tables,
                           QueryOne<std::int64_t>(kHasSchemaVersion));
  if (tables.value_or(0) == 0) return 0;
  SEXTANT_ASSIGN_OR_RETURN(std::optional<int> version, QueryOne<int>(kMaxVersion));
  return version.value_or(0);
}

Status Database::Migrate(std::span<const Migration> migrations) {
  SEXTANT_RETURN_IF_ERROR(ValidateMigrations(migrations));
  const auto latest = static_cast<int>(migrations.size());
  const auto newer_error = [&](int found) {
    return FailedPreconditionError(name() + ": database schema version " + std::to_string(found) +
                                   " is newer than this program supports (" +
                                   std::to_string(latest) + ")");
  };
  if (InTransaction()) {
    return FailedPreconditionError(name() + ": migrate: a transaction is already open");
  }
  SEXTANT_ASSIGN_OR_RETURN(int current, SchemaVersion());
  if (current > latest) return newer_error(current);
  if (current == latest) return Status::Ok();
  if (IsReadOnly()) {
    return PermissionDeniedError(name() + ": cannot apply migrations " +
                                 std::to_string(current + 1) + ".." + std::to_string(latest) +
                                 ": the database is open read-only");
  }

  // One transaction per migration. The version is read again under the write
  // lock, so that concurrent migrators apply each migration once.
  for (;;) {
    Result<Transaction> begun = Begin(TransactionMode::kImmediate);
    if (!begun.ok()) {
      return begun.status().WithContext("apply migrations " + std::to_string(current + 1) + ".." +
                                        std::to_string(latest));
    }
    Transaction txn = std::move(begun).value();
    SEXTANT_RETURN_IF_ERROR(Exec(kCreateSchemaVersion));
    SEXTANT_ASSIGN_OR_RETURN(current, SchemaVersion());
    if (current > latest) return newer_error(current);
    if (current == latest) return txn.Commit();

    const Migration& m = migrations[static_cast<std::size_t>(current)];
    if (Status s = Exec(m.sql); !s.ok()) {
      return Status(s.code(), Describe(m) + " failed and was rolled back: " + s.message());
    }
    if (!InTransaction()) {
      return InvalidArgumentError(name() + ": " + Describe(m) +
                                  " ended the transaction itself; migrations must not use BEGIN, "
                                  "COMMIT or ROLLBACK");
    }
    SEXTANT_RETURN_IF_ERROR(Execute(kRecordVersion, m.version, m.description));
    if (Status s = txn.Commit(); !s.ok()) return s.WithContext(Describe(m));
  }
}

}  // namespace sextant
