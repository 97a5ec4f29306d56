// Helpers shared by the SQLite wrapper's tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sqlite.h"

// Fails the test (and returns) unless the Status expression is OK.
#define ASSERT_SQL_OK(expr)                                                             \
  do {                                                                                  \
    const ::sextant::Status sql_test_status_ = (expr);                                  \
    ASSERT_TRUE(sql_test_status_.ok()) << #expr << ": " << sql_test_status_.ToString(); \
  } while (0)

// `ASSIGN_SQL_OR_FAIL(auto x, MakeX());` declares x from a Result or fails the
// test (and returns).
#define ASSIGN_SQL_OR_FAIL(lhs, expr) \
  ASSIGN_SQL_OR_FAIL_IMPL_(SEXTANT_CONCAT_(sql_test_result_, __LINE__), lhs, expr)
#define ASSIGN_SQL_OR_FAIL_IMPL_(tmp, lhs, expr)                     \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

namespace sextant::sqlite_testing {

// The number of rows in `table`, or -1 (with a test failure) on error.
inline std::int64_t CountRows(Database& db, std::string_view table) {
  Result<std::optional<std::int64_t>> count =
      db.QueryOne<std::int64_t>("SELECT count(*) FROM " + std::string(table));
  EXPECT_TRUE(count.ok()) << count.status().ToString();
  return count.ok() && count->has_value() ? **count : -1;
}

inline void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace sextant::sqlite_testing
