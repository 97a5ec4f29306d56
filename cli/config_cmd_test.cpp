// Runs the built `sextant` binary as a subprocess, with a private
// environment and real config files, and checks `config show`, `config keys`,
// config errors and `version`.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "common/json.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

namespace fs = std::filesystem;
using ::sextant::testing::Contains;
using ::sextant::testing::WriteFile;

struct Shown {
  std::string value;
  std::string source;
};

std::map<std::string, Shown> ParseShowJson(const std::string& out) {
  std::map<std::string, Shown> shown;
  auto json = ParseJson(out);
  EXPECT_TRUE(json.ok()) << json.status().ToString() << "\n" << out;
  if (!json.ok()) return shown;
  EXPECT_TRUE(json->is_array());
  for (const Json& e : *json) {
    EXPECT_TRUE(e.contains("description") && !e["description"].get<std::string>().empty()) << e;
    shown[e["key"].get<std::string>()] = {e["value"].get<std::string>(),
                                          e["source"].get<std::string>()};
  }
  return shown;
}

TEST_F(CliTest, ShowJsonGivesEveryValueAndItsSource) {
  const fs::path config = Path("config.toml");
  WriteFile(config, "[http]\ntimeout_ms = 5000\n\n[log]\nlevel = \"debug\"\n");
  const std::string secret = "sk-test-0123456789abcdefXYZ";
  RunResult r = Run({"--config", config.string(), "--set", "server.max_body_bytes=1024",
                     "--log-format", "json", "config", "show", "--json"},
                    {{"SEXTANT_HTTP_MAX_REDIRECTS", "3"}, {"SEXTANT_OPENAI_API_KEY", secret}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto shown = ParseShowJson(r.out);
  EXPECT_EQ(shown["http.timeout_ms"].value, "5000");
  EXPECT_EQ(shown["http.timeout_ms"].source, "file " + config.string() + ":2");
  EXPECT_EQ(shown["log.level"].value, "debug");
  EXPECT_EQ(shown["log.level"].source, "file " + config.string() + ":5");
  EXPECT_EQ(shown["http.max_redirects"].value, "3");
  EXPECT_EQ(shown["http.max_redirects"].source, "env SEXTANT_HTTP_MAX_REDIRECTS");
  EXPECT_EQ(shown["server.max_body_bytes"].value, "1024");
  EXPECT_EQ(shown["server.max_body_bytes"].source, "flag --set");
  EXPECT_EQ(shown["log.format"].value, "json");
  EXPECT_EQ(shown["log.format"].source, "flag --log-format");
  EXPECT_EQ(shown["http.connect_timeout_ms"].source, "default");
  EXPECT_EQ(shown["openai.api_key"].value, "***");
  EXPECT_EQ(shown["openai.api_key"].source, "env SEXTANT_OPENAI_API_KEY");
  EXPECT_FALSE(Contains(r.out + r.err, "0123456789abcdef"));
}

TEST_F(CliTest, FlagsAfterTheSubcommandWinOverEnvironment) {
  RunResult r =
      Run({"config", "show", "--json", "--log-level", "error"}, {{"SEXTANT_LOG_LEVEL", "trace"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto shown = ParseShowJson(r.out);
  EXPECT_EQ(shown["log.level"].value, "error");
  EXPECT_EQ(shown["log.level"].source, "flag --log-level");
}

TEST_F(CliTest, ShowTextIsAlignedColumns) {
  const fs::path xdg = Path("xdg");
  WriteFile(xdg / "sextant" / "config.toml", "[server]\nread_timeout_ms = 1500\n");
  RunResult r = Run({"config", "show"},
                    {{"XDG_CONFIG_HOME", xdg.string()}, {"SEXTANT_HTTP_MAX_REDIRECTS", "3"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  ASSERT_GT(rows.size(), 10u) << r.out;
  const std::size_t value_col = rows[0].find("VALUE");
  const std::size_t source_col = rows[0].find("SOURCE");
  ASSERT_EQ(rows[0].rfind("KEY", 0), 0u);
  ASSERT_NE(value_col, std::string::npos);
  ASSERT_NE(source_col, std::string::npos);
  bool saw_env = false;
  bool saw_file = false;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string& row = rows[i];
    ASSERT_GT(row.size(), source_col) << row;
    EXPECT_NE(row[value_col], ' ') << row;
    EXPECT_EQ(row[value_col - 1], ' ') << row;
    EXPECT_NE(row[source_col], ' ') << row;
    EXPECT_EQ(row[source_col - 1], ' ') << row;
    if (row.rfind("http.max_redirects ", 0) == 0) {
      saw_env = Contains(row.substr(source_col), "env SEXTANT_HTTP_MAX_REDIRECTS");
    }
    if (row.rfind("server.read_timeout_ms ", 0) == 0) {
      saw_file = Contains(row, "1500") &&
                 Contains(row.substr(source_col),
                          "file " + (xdg / "sextant" / "config.toml").string() + ":2");
    }
  }
  EXPECT_TRUE(saw_env) << r.out;
  EXPECT_TRUE(saw_file) << r.out;
}

TEST_F(CliTest, ConfigErrorsPrintTheMessageAndExitWith2) {
  const fs::path bad = Path("bad.toml");
  WriteFile(bad, "[http]\ntimeout_ms = = 1\n");
  RunResult syntax = Run({"--config", bad.string(), "config", "show"});
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_TRUE(Contains(syntax.err, "file " + bad.string() + ":2:")) << syntax.err;
  EXPECT_TRUE(syntax.out.empty()) << syntax.out;

  const fs::path typo = Path("typo.toml");
  WriteFile(typo, "[htpp]\ntimeout_ms = 1\n");
  RunResult unknown = Run({"config", "show"}, {{"SEXTANT_CONFIG", typo.string()}});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(Contains(unknown.err, "did you mean 'http.timeout_ms'?")) << unknown.err;

  RunResult malformed = Run({"--set", "log.level", "config", "show"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_TRUE(Contains(malformed.err, "expected KEY=VALUE")) << malformed.err;

  RunResult missing = Run({"--config", Path("absent.toml").string(), "config", "show"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Contains(missing.err, "does not exist")) << missing.err;

  RunResult level = Run({"--log-level", "loud", "config", "show"});
  EXPECT_EQ(level.exit_code, 2);
  EXPECT_TRUE(Contains(level.err, "flag --log-level: log.level: \"loud\" is not one of"))
      << level.err;

  RunResult env = Run({"config", "show"}, {{"SEXTANT_HTTP_TIMEOUT_MS", "5s"}});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_TRUE(Contains(env.err, "env SEXTANT_HTTP_TIMEOUT_MS")) << env.err;
}

TEST_F(CliTest, VersionRunsDespiteABrokenConfig) {
  RunResult r = Run({"version"}, {{"SEXTANT_CONFIG", Path("absent.toml").string()}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("sextant ", 0), 0u) << r.out;
  EXPECT_TRUE(Contains(r.err, "warning")) << r.err;

  RunResult clean = Run({"version"});
  EXPECT_EQ(clean.exit_code, 0);
  EXPECT_TRUE(clean.err.empty()) << clean.err;
}

TEST_F(CliTest, WarningsAreLoggedInTheChosenFormat) {
  RunResult r = Run({"--log-format", "json", "config", "show", "--json"},
                    {{"SEXTANT_HTTP_TIMEOUT", "5"}, {"SEXTANT_TESTDATA", "/nowhere"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.err);
  std::string line;
  int warnings = 0;
  while (std::getline(lines, line)) {
    auto j = ParseJson(line);
    ASSERT_TRUE(j.ok()) << line;
    EXPECT_EQ((*j)["level"], "warn");
    EXPECT_EQ((*j)["component"], "config");
    EXPECT_TRUE(Contains((*j)["msg"].get<std::string>(), "SEXTANT_HTTP_TIMEOUT_MS")) << line;
    ++warnings;
  }
  EXPECT_EQ(warnings, 1) << r.err;
}

TEST_F(CliTest, KeysListsDeclarationsWithoutSecrets) {
  RunResult r =
      Run({"config", "keys", "--json"}, {{"SEXTANT_OPENAI_API_KEY", "sk-abcdef0123456789"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  bool found = false;
  for (const Json& key : *json) {
    if (key["key"] == "openai.api_key") {
      found = true;
      EXPECT_EQ(key["secret"], true);
      EXPECT_EQ(key["env"], "SEXTANT_OPENAI_API_KEY");
      EXPECT_EQ(key["type"], "string");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(Contains(r.out, "abcdef0123456789"));
}

}  // namespace
}  // namespace sextant
