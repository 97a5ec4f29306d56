#include "toolserver/audit_log.h"

#include <sstream>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver {
namespace {

using sextant::testing::ReadFile;
using sextant::testing::TempDir;

TEST(AuditLogTest, WritesOneRedactedJsonLinePerCall) {
  TempDir tmp;
  const auto path = tmp.path() / "audit.jsonl";
  {
    auto log = AuditLog::Open(path, Redactor({"registered-secret-value"}));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    (*log)->Record({"s1",
                    "shell_run",
                    {{"command", "curl -H 'Authorization: Bearer abcdef123456' x"},
                     {"api_key", "sk-live-123"},
                     {"note", "registered-secret-value"}},
                    12,
                    ""});
    (*log)->Record({"s2", "file_read", {{"path", "x"}}, 3, "not_found"});
    EXPECT_EQ((*log)->write_failures(), 0);
  }
  const std::string text = ReadFile(path);
  EXPECT_EQ(text.find("abcdef123456"), std::string::npos);
  EXPECT_EQ(text.find("sk-live-123"), std::string::npos);
  EXPECT_EQ(text.find("registered-secret-value"), std::string::npos);
  std::istringstream lines(text);
  std::string line;
  std::vector<Json> records;
  while (std::getline(lines, line)) {
    auto j = ParseJson(line);
    ASSERT_TRUE(j.ok()) << line;
    records.push_back(*j);
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["session"], "s1");
  EXPECT_EQ(records[0]["tool"], "shell_run");
  EXPECT_EQ(records[0]["outcome"], "ok");
  EXPECT_EQ(records[0]["duration_ms"], 12);
  EXPECT_EQ(records[0]["arguments"]["api_key"], "***");
  EXPECT_TRUE(records[0]["time"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(records[1]["outcome"], "error");
  EXPECT_EQ(records[1]["error"], "not_found");
  EXPECT_EQ(records[1]["arguments"]["path"], "x");
}

TEST(AuditLogTest, OpenFailsForAnUnwritablePath) {
  EXPECT_FALSE(AuditLog::Open("/nonexistent-dir/audit.jsonl", Redactor()).ok());
}

}  // namespace
}  // namespace sextant::toolserver
