// LoadConfig's handling of the TOML file: where it is found, its limits, and
// its syntax and content errors.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "common/config.h"
#include "common/config_test_util.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

namespace fs = std::filesystem;
using config_test::CommonRegistry;
using config_test::LoadToml;
using config_test::SourceOf;
using ::sextant::testing::Contains;
using ::sextant::testing::TempDir;
using ::sextant::testing::WriteFile;

TEST(ConfigFileTest, FileValuesAndTheirLines) {
  TempDir dir;
  std::string path;
  auto config =
      LoadToml(CommonRegistry(), dir,
               "# comment\n[http]\ntimeout_ms = 5000\n\n[log]\nlevel = \"debug\"\n", &path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetInt("http.timeout_ms"), 5000);
  EXPECT_EQ(config->GetString("log.level"), "debug");
  EXPECT_EQ(SourceOf(*config, "http.timeout_ms"), "file " + path + ":3");
  EXPECT_EQ(SourceOf(*config, "log.level"), "file " + path + ":6");
  EXPECT_EQ(SourceOf(*config, "log.format"), "default");
  EXPECT_EQ(config->file(), path);
}

TEST(ConfigFileTest, DottedKeysAtTheTopLevel) {
  TempDir dir;
  auto config = LoadToml(CommonRegistry(), dir, "http.max_redirects = 0\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetInt("http.max_redirects"), 0);
}

TEST(ConfigFileTest, TomlSyntaxErrorGivesLineAndColumn) {
  TempDir dir;
  std::string path;
  auto config = LoadToml(CommonRegistry(), dir, "[http]\ntimeout_ms = = 5\n", &path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const std::string msg = config.status().message();
  EXPECT_TRUE(Contains(msg, "file " + path + ":2:")) << msg;
  EXPECT_TRUE(Contains(msg, "TOML syntax error")) << msg;
}

TEST(ConfigFileTest, MalformedAndHostileTomlIsAnErrorNotACrash) {
  const std::string deep = "a = " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  const std::string cases[] = {
      "[http\n",
      "timeout_ms = \"unterminated\n",
      "[http]\ntimeout_ms = 1\ntimeout_ms = 2\n",
      "[http]\n[http]\n",
      std::string("log.level = \"\xff\xfe\"\n"),
      std::string("\0\0\0", 3),
      "= 5\n",
      deep,
      "[[http]]\ntimeout_ms = 1\n",
      "log = { level = \"info\", bogus = 1 }\n",
  };
  for (const std::string& toml : cases) {
    TempDir dir;
    auto config = LoadToml(CommonRegistry(), dir, toml);
    ASSERT_FALSE(config.ok()) << toml.substr(0, 40);
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << config.status().ToString();
    EXPECT_TRUE(Contains(config.status().message(), "file ")) << config.status().message();
  }
}

TEST(ConfigFileTest, UnknownKeyInFileSuggestsTheClosest) {
  TempDir dir;
  std::string path;
  auto config = LoadToml(CommonRegistry(), dir, "\n[htpp]\ntimeout_ms = 5000\n", &path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      config.status().message(),
      "file " + path + ":3:1: unknown key 'htpp.timeout_ms'; did you mean 'http.timeout_ms'?");

  auto far = LoadToml(CommonRegistry(), dir, "completely_unrelated = 1\n");
  ASSERT_FALSE(far.ok());
  EXPECT_TRUE(Contains(far.status().message(), "unknown key 'completely_unrelated'"));
  EXPECT_FALSE(Contains(far.status().message(), "did you mean")) << far.status().message();

  auto table = LoadToml(CommonRegistry(), dir, "[loog]\n");
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(Contains(table.status().message(), "unknown table 'loog'; did you mean 'log'?"))
      << table.status().message();

  auto value_for_table = LoadToml(CommonRegistry(), dir, "http = 5\n");
  ASSERT_FALSE(value_for_table.ok());
  EXPECT_TRUE(Contains(value_for_table.status().message(), "'http' is a table of settings"))
      << value_for_table.status().message();

  auto quoted = LoadToml(CommonRegistry(), dir, "\"http.timeout_ms\" = 5\n");
  ASSERT_FALSE(quoted.ok());
  EXPECT_TRUE(Contains(quoted.status().message(), "write it unquoted"))
      << quoted.status().message();
}

TEST(ConfigFileTest, SeveralProblemsReportTheFirstInTheFile) {
  TempDir dir;
  auto config = LoadToml(CommonRegistry(), dir,
                         "[server]\nmax_body_bytes = \"big\"\n[http]\ntimeout_ms = \"5s\"\n"
                         "bogus = 1\n");
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_TRUE(Contains(msg, ":2:")) << msg;
  EXPECT_TRUE(Contains(msg, "server.max_body_bytes")) << msg;
  EXPECT_TRUE(Contains(msg, "(and 2 more problems in the file)")) << msg;
}

TEST(ConfigFileTest, ExplicitFileMustExistImplicitMayNot) {
  TempDir dir;
  const std::string missing = (dir.path() / "nope.toml").string();

  ConfigSources flag;
  flag.config_file = missing;
  auto r = LoadConfig(CommonRegistry(), flag);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "config file " + missing + " (named by --config) does not exist");

  ConfigSources env;
  env.env = {{"SEXTANT_CONFIG", missing}};
  auto r2 = LoadConfig(CommonRegistry(), env);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(r2.status().message(), "SEXTANT_CONFIG"));

  ConfigSources implicit;
  implicit.env = {{"HOME", dir.path().string()}};
  auto r3 = LoadConfig(CommonRegistry(), implicit);
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_FALSE(r3->file().has_value());

  ConfigSources directory;
  directory.config_file = dir.path().string();
  auto r4 = LoadConfig(CommonRegistry(), directory);
  ASSERT_FALSE(r4.ok());
  EXPECT_TRUE(Contains(r4.status().message(), "is a directory"));
}

TEST(ConfigFileTest, ImplicitFileLocations) {
  TempDir dir;
  const fs::path home = dir.path() / "home";
  const fs::path xdg = dir.path() / "xdg";
  WriteFile(home / ".config" / "sextant" / "config.toml", "[http]\nmax_redirects = 7\n");
  WriteFile(xdg / "sextant" / "config.toml", "[http]\nmax_redirects = 8\n");
  WriteFile(dir.path() / "named.toml", "[http]\nmax_redirects = 9\n");

  ConfigSources sources;
  sources.env = {{"HOME", home.string()}};
  auto from_home = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(from_home.ok()) << from_home.status().ToString();
  EXPECT_EQ(from_home->GetInt("http.max_redirects"), 7);

  sources.env["XDG_CONFIG_HOME"] = xdg.string();
  auto from_xdg = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(from_xdg.ok());
  EXPECT_EQ(from_xdg->GetInt("http.max_redirects"), 8);

  sources.env["SEXTANT_CONFIG"] = (dir.path() / "named.toml").string();
  auto from_env = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->GetInt("http.max_redirects"), 9);

  sources.config_file = (home / ".config" / "sextant" / "config.toml").string();
  auto from_flag = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->GetInt("http.max_redirects"), 7);
}

TEST(ConfigFileTest, FileSizeLimitIsEnforced) {
  TempDir dir;
  const fs::path path = dir.path() / "c.toml";
  const std::string body = "[http]\nmax_redirects = 2\n";
  WriteFile(path, body);
  ConfigSources sources;
  sources.config_file = path.string();
  ConfigLoadOptions options;
  options.max_file_bytes = body.size();
  ASSERT_TRUE(LoadConfig(CommonRegistry(), sources, options).ok());

  options.max_file_bytes = body.size() - 1;
  auto r = LoadConfig(CommonRegistry(), sources, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(r.status().message(), path.string())) << r.status().message();

  WriteFile(path, "# " + std::string(ConfigLoadOptions::kDefaultMaxFileBytes, 'x') + "\n");
  auto big = LoadConfig(CommonRegistry(), sources);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace sextant
