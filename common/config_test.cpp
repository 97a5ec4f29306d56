#include "common/config.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

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

// Common's keys plus one key of each remaining type.
ConfigRegistry TestRegistry() {
  ConfigRegistry registry = CommonRegistry();
  EXPECT_TRUE(registry.Declare(ConfigKey::StringList("test.items", {"x"}, "Items")).ok());
  EXPECT_TRUE(registry.Declare(ConfigKey::Double("test.ratio", 0.25, "A ratio")).ok());
  EXPECT_TRUE(registry.Declare(ConfigKey::Bool("test.enabled", false, "A switch")).ok());
  EXPECT_TRUE(
      registry.Declare(ConfigKey::Int("test.pin", 1234, "A secret number").Range(0, 9999).Secret())
          .ok());
  return registry;
}

std::string ValueOf(const Config& config, const std::string& key) {
  for (const ConfigEntry& e : config.Entries()) {
    if (e.key == key) return e.value;
  }
  return "(no such key)";
}

TEST(ConfigTest, DefaultsWithNoSources) {
  auto config = LoadConfig(CommonRegistry(), {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("log.level"), "info");
  EXPECT_EQ(config->GetString("log.format"), "text");
  EXPECT_EQ(config->GetInt("http.max_redirects"), 5);
  EXPECT_EQ(config->GetString("openai.api_key"), "");
  EXPECT_FALSE(config->file().has_value());
  for (const ConfigEntry& e : config->Entries()) {
    EXPECT_EQ(e.source, "default") << e.key;
    EXPECT_FALSE(e.description.empty()) << e.key;
  }
}

TEST(ConfigTest, CommonKeysAreDeclared) {
  ConfigRegistry registry = CommonRegistry();
  for (const char* name : {"log.level", "log.format", "http.connect_timeout_ms", "http.timeout_ms",
                           "http.max_response_bytes", "http.max_redirects", "server.max_body_bytes",
                           "server.max_header_bytes", "server.read_timeout_ms",
                           "server.ws_send_queue_limit", "openai.api_key"}) {
    EXPECT_NE(registry.Find(name), nullptr) << name;
  }
  EXPECT_TRUE(registry.Find("openai.api_key")->secret);
}

TEST(ConfigTest, EnvOverridesFileAndFlagsOverrideEnv) {
  TempDir dir;
  const fs::path path = dir.path() / "c.toml";
  WriteFile(path, "[http]\ntimeout_ms = 5000\nmax_redirects = 1\nconnect_timeout_ms = 100\n");
  ConfigSources sources;
  sources.config_file = path.string();
  sources.env = {{"SEXTANT_HTTP_TIMEOUT_MS", "7000"},
                 {"SEXTANT_HTTP_MAX_REDIRECTS", "2"},
                 {"PATH", "/usr/bin"}};
  sources.flags = {{"http.max_redirects", "3", "--set"},
                   {"log.level", "debug", "--set"},
                   {"log.level", "warn", "--log-level"}};
  auto config = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetInt("http.connect_timeout_ms"), 100);
  EXPECT_EQ(SourceOf(*config, "http.connect_timeout_ms"), "file " + path.string() + ":4");
  EXPECT_EQ(config->GetInt("http.timeout_ms"), 7000);
  EXPECT_EQ(SourceOf(*config, "http.timeout_ms"), "env SEXTANT_HTTP_TIMEOUT_MS");
  EXPECT_EQ(config->GetInt("http.max_redirects"), 3);
  EXPECT_EQ(SourceOf(*config, "http.max_redirects"), "flag --set");
  EXPECT_EQ(config->GetString("log.level"), "warn");
  EXPECT_EQ(SourceOf(*config, "log.level"), "flag --log-level");
  EXPECT_EQ(SourceOf(*config, "log.format"), "default");
}

TEST(ConfigTest, WrongTypeFromEachSourceNamesKeyTypeAndPlace) {
  TempDir dir;
  std::string path;
  auto file = LoadToml(CommonRegistry(), dir, "[http]\ntimeout_ms = \"5s\"\n", &path);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message(), "file " + path +
                                         ":2:1: http.timeout_ms: expected an integer, got a "
                                         "string \"5s\"");

  auto file_bool = LoadToml(CommonRegistry(), dir, "[log]\nlevel = true\n");
  ASSERT_FALSE(file_bool.ok());
  EXPECT_TRUE(
      Contains(file_bool.status().message(), "log.level: expected a string, got a boolean true"));

  ConfigSources env;
  env.env = {{"SEXTANT_HTTP_TIMEOUT_MS", "5s"}};
  auto from_env = LoadConfig(CommonRegistry(), env);
  ASSERT_FALSE(from_env.ok());
  EXPECT_EQ(from_env.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(from_env.status().message(),
            "env SEXTANT_HTTP_TIMEOUT_MS: http.timeout_ms: expected an integer, got \"5s\"");

  ConfigSources flag;
  flag.flags = {{"http.timeout_ms", "12.5", "--set"}};
  auto from_flag = LoadConfig(CommonRegistry(), flag);
  ASSERT_FALSE(from_flag.ok());
  EXPECT_EQ(from_flag.status().message(),
            "flag --set: http.timeout_ms: expected an integer, got \"12.5\"");

  ConfigSources overflow;
  overflow.env = {{"SEXTANT_HTTP_TIMEOUT_MS", "99999999999999999999"}};
  auto too_big = LoadConfig(CommonRegistry(), overflow);
  ASSERT_FALSE(too_big.ok());
  EXPECT_TRUE(Contains(too_big.status().message(), "does not fit in a 64-bit integer"));
}

TEST(ConfigTest, IntegerBoundsAreChecked) {
  TempDir dir;
  auto low = LoadToml(CommonRegistry(), dir, "[http]\ntimeout_ms = 0\n");
  ASSERT_FALSE(low.ok());
  EXPECT_TRUE(Contains(low.status().message(), "http.timeout_ms: 0 is below the minimum 1"))
      << low.status().message();

  ConfigSources high;
  high.env = {{"SEXTANT_HTTP_MAX_REDIRECTS", "51"}};
  auto r = LoadConfig(CommonRegistry(), high);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "env SEXTANT_HTTP_MAX_REDIRECTS: http.max_redirects: 51 is above the maximum 50");

  ConfigSources edge;
  edge.flags = {{"http.max_redirects", "50", "--set"}};
  auto ok = LoadConfig(CommonRegistry(), edge);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->GetInt("http.max_redirects"), 50);
}

TEST(ConfigTest, AllowedValuesAreChecked) {
  ConfigSources sources;
  sources.env = {{"SEXTANT_LOG_LEVEL", "loud"}};
  auto r = LoadConfig(CommonRegistry(), sources);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "env SEXTANT_LOG_LEVEL: log.level: \"loud\" is not one of trace, debug, info, warn, "
            "error, off");

  sources.env = {{"SEXTANT_LOG_LEVEL", "INFO"}};
  auto upper = LoadConfig(CommonRegistry(), sources);
  ASSERT_FALSE(upper.ok());
  EXPECT_TRUE(Contains(upper.status().message(), "did you mean 'info'?"))
      << upper.status().message();

  sources.env = {{"SEXTANT_LOG_FORMAT", "json"}};
  auto ok = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->GetString("log.format"), "json");
}

TEST(ConfigTest, StringListsFromEachSource) {
  TempDir dir;
  auto file = LoadToml(TestRegistry(), dir, "[test]\nitems = [\"a\", \"b c\"]\n");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->GetStringList("test.items"), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(ValueOf(*file, "test.items"), "[\"a\", \"b c\"]");

  auto bad_item = LoadToml(TestRegistry(), dir, "[test]\nitems = [\"a\", 1]\n");
  ASSERT_FALSE(bad_item.ok());
  EXPECT_TRUE(Contains(bad_item.status().message(), "test.items: item 1 is an integer"))
      << bad_item.status().message();

  struct Case {
    std::string text;
    std::vector<std::string> want;
  };
  for (const Case& c : std::vector<Case>{{"a, b ,c", {"a", "b", "c"}},
                                         {"", {}},
                                         {"solo", {"solo"}},
                                         {R"(["x,y", "z"])", {"x,y", "z"}},
                                         {"[]", {}}}) {
    ConfigSources sources;
    sources.env = {{"SEXTANT_TEST_ITEMS", c.text}};
    auto r = LoadConfig(TestRegistry(), sources);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_EQ(r->GetStringList("test.items"), c.want) << c.text;
  }
  for (const char* bad : {"[1, 2]", "[\"a\"", "[\"a\"]\nx = 1", "[[\"a\"]]"}) {
    ConfigSources sources;
    sources.flags = {{"test.items", bad, "--set"}};
    auto r = LoadConfig(TestRegistry(), sources);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(Contains(r.status().message(), "flag --set: test.items")) << r.status().message();
  }
}

TEST(ConfigTest, BooleansAndDoubles) {
  ConfigSources sources;
  sources.env = {{"SEXTANT_TEST_ENABLED", "Yes"}, {"SEXTANT_TEST_RATIO", "0.5"}};
  auto r = LoadConfig(TestRegistry(), sources);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->GetBool("test.enabled"));
  EXPECT_DOUBLE_EQ(r->GetDouble("test.ratio"), 0.5);

  for (const char* bad : {"maybe", "", "2"}) {
    ConfigSources s;
    s.env = {{"SEXTANT_TEST_ENABLED", bad}};
    EXPECT_FALSE(LoadConfig(TestRegistry(), s).ok()) << bad;
  }
  for (const char* bad : {"nan", "inf", "1e999", "0.5x", ""}) {
    ConfigSources s;
    s.flags = {{"test.ratio", bad, "--set"}};
    EXPECT_FALSE(LoadConfig(TestRegistry(), s).ok()) << bad;
  }

  TempDir dir;
  auto promoted = LoadToml(TestRegistry(), dir, "[test]\nratio = 1\nenabled = false\n");
  ASSERT_TRUE(promoted.ok()) << promoted.status().ToString();
  EXPECT_DOUBLE_EQ(promoted->GetDouble("test.ratio"), 1.0);
  auto infinite = LoadToml(TestRegistry(), dir, "[test]\nratio = inf\n");
  ASSERT_FALSE(infinite.ok());
  EXPECT_TRUE(Contains(infinite.status().message(), "finite")) << infinite.status().message();
}

TEST(ConfigTest, ParseSetFlag) {
  auto a = ParseSetFlag("http.timeout_ms=5000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->key, "http.timeout_ms");
  EXPECT_EQ(a->value, "5000");
  EXPECT_EQ(a->flag, "--set");

  auto b = ParseSetFlag(" log.level = debug");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->key, "log.level");
  EXPECT_EQ(b->value, " debug");

  auto c = ParseSetFlag("openai.api_key=a=b");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->value, "a=b");

  auto d = ParseSetFlag("openai.api_key=");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->value, "");

  for (const char* bad : {"log.level", "=debug", " =x", ""}) {
    auto r = ParseSetFlag(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(r.status().message(), "flag --set: expected KEY=VALUE"));
  }
}

TEST(ConfigTest, UnknownFlagKeySuggestsTheClosest) {
  ConfigSources sources;
  sources.flags = {{"http.timeot_ms", "5", "--set"}};
  auto r = LoadConfig(CommonRegistry(), sources);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "flag --set: unknown config key 'http.timeot_ms'; did you mean 'http.timeout_ms'?");
}

TEST(ConfigTest, UnknownEnvironmentVariablesWarnUnlessReserved) {
  ConfigSources sources;
  sources.env = {{"SEXTANT_LOG_LEVLE", "debug"},
                 {"SEXTANT_TESTDATA", "/x"},
                 {"SEXTANT_SOURCE_DIR", "/y"},
                 {"SEXTANT_CONFIG", ""},
                 {"HOME", ""},
                 {"sextant_log_level", "nonsense"},
                 {"OTHER", "1"}};
  auto r = LoadConfig(CommonRegistry(), sources);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->warnings().size(), 1u);
  EXPECT_EQ(r->warnings()[0],
            "ignoring environment variable SEXTANT_LOG_LEVLE: it names no config key; did you "
            "mean 'SEXTANT_LOG_LEVEL'?");
  EXPECT_EQ(r->GetString("log.level"), "info");
}

TEST(ConfigTest, SecretsAreMaskedAndNeverEchoed) {
  ConfigSources sources;
  sources.env = {{"SEXTANT_OPENAI_API_KEY", "sk-live-0123456789abcdef"}};
  auto r = LoadConfig(TestRegistry(), sources);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetString("openai.api_key"), "sk-live-0123456789abcdef");
  EXPECT_EQ(ValueOf(*r, "openai.api_key"), "***");
  EXPECT_EQ(ValueOf(*r, "test.pin"), "***");
  EXPECT_EQ(r->SecretValues(), (std::vector<std::string>{"sk-live-0123456789abcdef"}));
  for (const ConfigEntry& e : r->Entries()) {
    EXPECT_FALSE(Contains(e.value, "0123456789")) << e.key;
    EXPECT_EQ(e.secret, e.key == "openai.api_key" || e.key == "test.pin") << e.key;
  }

  auto unset = LoadConfig(CommonRegistry(), {});
  ASSERT_TRUE(unset.ok());
  EXPECT_EQ(ValueOf(*unset, "openai.api_key"), "");
  EXPECT_TRUE(unset->SecretValues().empty());

  ConfigSources bad;
  bad.env = {{"SEXTANT_TEST_PIN", "hunter2-secret"}};
  auto wrong = LoadConfig(TestRegistry(), bad);
  ASSERT_FALSE(wrong.ok());
  EXPECT_FALSE(Contains(wrong.status().message(), "hunter2")) << wrong.status().message();
  EXPECT_TRUE(Contains(wrong.status().message(), "a secret value"));

  bad.env = {{"SEXTANT_TEST_PIN", "123456"}};
  auto out_of_range = LoadConfig(TestRegistry(), bad);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_FALSE(Contains(out_of_range.status().message(), "123456"))
      << out_of_range.status().message();
}

TEST(ConfigTest, DeclarationsAreValidated) {
  ConfigRegistry registry;
  for (const char* bad : {"nodot", "Upper.case", "a..b", ".a", "a.", "a.b-c", "1a.b", "a.1b"}) {
    EXPECT_EQ(registry.Declare(ConfigKey::String(bad, "", "d")).code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  ASSERT_TRUE(registry.Declare(ConfigKey::Int("a.b_c", 1, "d")).ok());
  EXPECT_EQ(registry.Declare(ConfigKey::Int("a.b_c", 1, "d")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Declare(ConfigKey::Int("a_b.c", 1, "d")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Declare(ConfigKey::Int("a.b_c.d", 1, "d")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Declare(ConfigKey::Int("x.y", 0, "d").Range(1, 10)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Declare(ConfigKey::Int("x.y", 5, "d").Range(10, 1)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Declare(ConfigKey::String("x.y", "z", "d").OneOf({"a", "b"})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Declare(ConfigKey::Bool("x.y", true, "d").OneOf({"a"})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Declare(ConfigKey::String("x.y", "", "d").Range(1, 2)).code(),
            StatusCode::kInvalidArgument);
  ConfigKey mismatched = ConfigKey::String("x.y", "", "d");
  mismatched.type = ConfigType::kInt;
  EXPECT_EQ(registry.Declare(mismatched).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Find("x.y"), nullptr);
  ASSERT_EQ(registry.Keys().size(), 1u);
}

TEST(ConfigTest, FormattingHelpers) {
  EXPECT_EQ(ConfigEnvVarName("http.timeout_ms"), "SEXTANT_HTTP_TIMEOUT_MS");
  EXPECT_EQ(FormatConfigValue(ConfigValue(std::int64_t{-3})), "-3");
  EXPECT_EQ(FormatConfigValue(ConfigValue(true)), "true");
  EXPECT_EQ(FormatConfigValue(ConfigValue(0.1)), "0.1");
  EXPECT_EQ(FormatConfigValue(ConfigValue(std::vector<std::string>{"a\"b", "c"})),
            R"(["a\"b", "c"])");
  EXPECT_EQ(ConfigTypeName(ConfigType::kStringList), "string list");
}

TEST(ConfigTest, CopiesShareOneImmutableState) {
  auto r = LoadConfig(CommonRegistry(), {});
  ASSERT_TRUE(r.ok());
  const std::string* level = &r->GetString("log.level");
  Config copy = *r;
  EXPECT_EQ(&copy.GetString("log.level"), level);
}

TEST(ConfigDeathTest, MisusedGettersAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto r = LoadConfig(CommonRegistry(), {});
  ASSERT_TRUE(r.ok());
  const Config& config = *r;
  EXPECT_DEATH(config.GetString("no.such_key"), "'no.such_key' is not declared");
  EXPECT_DEATH(config.GetInt("log.level"), "'log.level' is a string, read as an integer");
}

}  // namespace
}  // namespace sextant
