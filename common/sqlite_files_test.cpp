// Opening files that are not healthy databases of ours: corrupt, foreign,
// truncated, empty, directories, unreadable.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sqlite.h"
#include "common/sqlite_test_util.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

using sqlite_testing::CountRows;
using sqlite_testing::ReadFile;
using sqlite_testing::WriteFile;
using ::testing::HasSubstr;

constexpr std::int32_t kOurId = 0x53585401;       // "SXT\1"
constexpr std::int32_t kOtherId = 0x4F544852;     // "OTHR"
constexpr std::size_t kPageSize = 4096;           // SQLite's default page size
constexpr std::size_t kHeaderJournalOffset = 18;  // file format write/read versions (1 or 2)
constexpr std::size_t kHeaderAppIdOffset = 68;    // big-endian application_id

std::string RandomBytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

void ExpectCorrupt(const std::filesystem::path& path) {
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok()) << path;
  EXPECT_EQ(db.status().code(), StatusCode::kDataLoss) << db.status().ToString();
  EXPECT_THAT(db.status().message(),
              HasSubstr(path.string() + " is not a SQLite database or is corrupt"));
}

std::uint32_t HeaderAppId(const std::string& file) {
  std::uint32_t id = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    id = (id << 8) | static_cast<unsigned char>(file.at(kHeaderAppIdOffset + i));
  }
  return id;
}

TEST(SqliteFileTest, RandomBytesAreNotADatabase) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  WriteFile(path, RandomBytes(2 * kPageSize, 1));
  ExpectCorrupt(path);
}

TEST(SqliteFileTest, TextFileIsNotADatabase) {
  testing::TempDir dir;
  const auto path = dir.path() / "notes.txt";
  std::string text;
  for (int i = 0; i < 100; ++i) text += "line " + std::to_string(i) + ": not a database\n";
  WriteFile(path, text);
  ExpectCorrupt(path);
  EXPECT_EQ(ReadFile(path), text);  // left as it was
}

TEST(SqliteFileTest, ValidMagicWithGarbageIsCorrupt) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  const std::string magic("SQLite format 3\0", 16);
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    WriteFile(path, magic + RandomBytes(2 * kPageSize - magic.size(), seed));
    ExpectCorrupt(path);
  }
}

TEST(SqliteFileTest, TruncatedDatabaseIsCorruptAtOpen) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  {
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path));
    ASSERT_SQL_OK(db->Exec("CREATE TABLE t (v BLOB)"));
    ASSIGN_SQL_OR_FAIL(Transaction txn, db->Begin());
    for (int i = 0; i < 200; ++i) {
      ASSERT_SQL_OK(db->Execute("INSERT INTO t VALUES (randomblob(200))"));
    }
    ASSERT_SQL_OK(txn.Commit());
  }
  ASSERT_FALSE(std::filesystem::exists(path.string() + "-wal"));  // checkpointed on close
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 4 * kPageSize);
  std::filesystem::resize_file(path, (size / 2) / kPageSize * kPageSize);
  ExpectCorrupt(path);

  std::filesystem::resize_file(path, 50);  // not even a whole header
  ExpectCorrupt(path);
}

TEST(SqliteFileTest, ZeroLengthFileIsAnEmptyDatabase) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  WriteFile(path, "");
  DatabaseOptions options;
  options.application_id = kOurId;
  ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path, options));
  ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);"));
  EXPECT_EQ(CountRows(*db, "t"), 1);
  ASSIGN_SQL_OR_FAIL(auto id, db->QueryOne<std::int64_t>("PRAGMA application_id"));
  EXPECT_EQ(id, kOurId);  // empty, so stamped as ours
}

TEST(SqliteFileTest, ApplicationIdStampsNewFilesAndRefusesForeignOnes) {
  testing::TempDir dir;
  const auto ours = dir.path() / "ours.sqlite";
  DatabaseOptions options;
  options.application_id = kOurId;
  {
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(ours, options));
    ASSERT_SQL_OK(db->Exec("CREATE TABLE t (x)"));
  }
  EXPECT_EQ(HeaderAppId(ReadFile(ours)), static_cast<std::uint32_t>(kOurId));
  { ASSIGN_SQL_OR_FAIL(auto again, Database::Open(ours, options)); }
  { ASSIGN_SQL_OR_FAIL(auto unchecked, Database::Open(ours)); }

  DatabaseOptions other_options;
  other_options.application_id = kOtherId;
  auto foreign = Database::Open(ours, other_options);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(foreign.status().message(), HasSubstr("ours.sqlite belongs to another application"));
  EXPECT_THAT(foreign.status().message(), HasSubstr("0x53585401"));
  EXPECT_THAT(foreign.status().message(), HasSubstr("0x4f544852"));
}

TEST(SqliteFileTest, ForeignFileIsRefusedBeforeAnythingChanges) {
  testing::TempDir dir;
  const auto path = dir.path() / "theirs.sqlite";
  {
    DatabaseOptions theirs;
    theirs.wal = false;  // a rollback-journal file, without an application_id
    ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path, theirs));
    ASSERT_SQL_OK(db->Exec("CREATE TABLE their_data (x); INSERT INTO their_data VALUES (1);"));
  }
  const std::string before = ReadFile(path);
  ASSERT_EQ(before.at(kHeaderJournalOffset), 1);  // not WAL
  ASSERT_EQ(HeaderAppId(before), 0u);

  DatabaseOptions options;
  options.application_id = kOurId;
  auto db = Database::Open(path, options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kFailedPrecondition) << db.status().ToString();
  EXPECT_EQ(ReadFile(path), before);  // neither stamped nor switched to WAL

  options.read_only = true;
  EXPECT_EQ(Database::Open(path, options).status().code(), StatusCode::kFailedPrecondition);

  // An empty file opened read-only is accepted but not stamped.
  const auto empty = dir.path() / "empty.sqlite";
  WriteFile(empty, "");
  { ASSIGN_SQL_OR_FAIL(auto reader, Database::Open(empty, options)); }
  EXPECT_EQ(std::filesystem::file_size(empty), 0u);
}

TEST(SqliteFileTest, DirectoryAndMissingParentAreRefused) {
  testing::TempDir dir;
  auto directory = Database::Open(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(directory.status().message(), HasSubstr("is a directory"));

  auto missing_parent = Database::Open(dir.path() / "no" / "such" / "kb.sqlite");
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_EQ(missing_parent.status().code(), StatusCode::kNotFound)
      << missing_parent.status().ToString();
  EXPECT_THAT(missing_parent.status().message(), HasSubstr("kb.sqlite"));
}

// Opens `path` as an unprivileged user when running as root (in a forked
// child that drops to nobody), so that file permissions apply. Returns the
// Status code of the open.
StatusCode OpenAsUnprivileged(const std::filesystem::path& path) {
  if (geteuid() != 0) return Database::Open(path).status().code();
  constexpr uid_t kNobody = 65534;
  const pid_t pid = fork();
  if (pid == 0) {
    if (setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(255);
    _exit(static_cast<int>(Database::Open(path).status().code()));
  }
  int wait_status = 0;
  if (pid < 0 || waitpid(pid, &wait_status, 0) != pid || !WIFEXITED(wait_status) ||
      WEXITSTATUS(wait_status) == 255) {
    ADD_FAILURE() << "could not run the unprivileged child";
    return StatusCode::kUnknown;
  }
  return static_cast<StatusCode>(WEXITSTATUS(wait_status));
}

TEST(SqliteFileTest, UnreadableFileIsPermissionDenied) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  { ASSIGN_SQL_OR_FAIL(auto db, Database::Open(path)); }
  std::filesystem::permissions(path, std::filesystem::perms::none);
  EXPECT_EQ(OpenAsUnprivileged(path), StatusCode::kPermissionDenied);

  // Creating a file in a directory one may not write to.
  const auto locked = dir.path() / "locked";
  std::filesystem::create_directory(locked);
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all |
                                           std::filesystem::perms::group_exec |
                                           std::filesystem::perms::others_exec);
  EXPECT_EQ(OpenAsUnprivileged(locked / "new.sqlite"), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace sextant
