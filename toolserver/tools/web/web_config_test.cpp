// The web.* keys: declaration, conversion to FetchOptions, range errors, and
// values from the environment and a TOML file.
#include "toolserver/tools/web/web_config.h"

#include <string>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::testing::Contains;

ConfigRegistry Registry() {
  ConfigRegistry registry;
  DeclareWebConfig(registry);
  return registry;
}

TEST(WebConfigTest, DeclaresTheFetchKeysWithTheFetcherDefaults) {
  const ConfigRegistry registry = Registry();
  for (const char* key :
       {"web.fetch_timeout_ms", "web.connect_timeout_ms", "web.max_page_bytes", "web.max_redirects",
        "web.allow_addresses", "web.cache_path", "web.cache_ttl_s", "web.cache_max_entries"}) {
    EXPECT_NE(registry.Find(key), nullptr) << key;
  }
  auto config = LoadConfig(registry, ConfigSources{});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const FetchOptions o = FetchOptionsFromConfig(*config);
  const FetchOptions d;
  EXPECT_EQ(o.timeout_ms, d.timeout_ms);
  EXPECT_EQ(o.connect_timeout_ms, d.connect_timeout_ms);
  EXPECT_EQ(o.max_bytes, d.max_bytes);
  EXPECT_EQ(o.max_redirects, d.max_redirects);
  EXPECT_TRUE(o.allow_addresses.empty());
  EXPECT_TRUE(o.cache_path.empty());
  EXPECT_EQ(o.cache_ttl_seconds, d.cache_ttl_seconds);
  EXPECT_EQ(o.cache_max_entries, d.cache_max_entries);
}

TEST(WebConfigTest, KeysSetTheOptions) {
  const ConfigRegistry registry = Registry();
  ConfigSources sources;
  sources.flags = {{"web.fetch_timeout_ms", "1234", "--set"},
                   {"web.connect_timeout_ms", "567", "--set"},
                   {"web.max_page_bytes", "4096", "--set"},
                   {"web.max_redirects", "0", "--set"},
                   {"web.allow_addresses", "127.0.0.1, 10.0.0.0/8", "--set"},
                   {"web.cache_path", "/tmp/pages.sqlite", "--set"},
                   {"web.cache_ttl_s", "0", "--set"},
                   {"web.cache_max_entries", "9", "--set"}};
  auto config = LoadConfig(registry, sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const FetchOptions o = FetchOptionsFromConfig(*config);
  EXPECT_EQ(o.timeout_ms, 1234);
  EXPECT_EQ(o.connect_timeout_ms, 567);
  EXPECT_EQ(o.max_bytes, 4096u);
  EXPECT_EQ(o.max_redirects, 0);
  EXPECT_EQ(o.allow_addresses, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8"}));
  EXPECT_EQ(o.cache_path, "/tmp/pages.sqlite");
  EXPECT_EQ(o.cache_ttl_seconds, 0);
  EXPECT_EQ(o.cache_max_entries, 9u);
}

TEST(WebConfigTest, EnvironmentAndFileValues) {
  testing::TempDir dir;
  const auto file = dir.path() / "config.toml";
  testing::WriteFile(file, "[web]\nallow_addresses = [\"::1\"]\nmax_redirects = 2\n");
  ConfigSources sources;
  sources.config_file = file.string();
  sources.env = {{"SEXTANT_WEB_FETCH_TIMEOUT_MS", "999"}};
  auto config = LoadConfig(Registry(), sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const FetchOptions o = FetchOptionsFromConfig(*config);
  EXPECT_EQ(o.allow_addresses, (std::vector<std::string>{"::1"}));
  EXPECT_EQ(o.max_redirects, 2);
  EXPECT_EQ(o.timeout_ms, 999);
}

TEST(WebConfigTest, OutOfRangeValuesAreRefused) {
  const ConfigRegistry registry = Registry();
  for (const char* bad :
       {"web.fetch_timeout_ms=0", "web.connect_timeout_ms=-1", "web.max_page_bytes=0",
        "web.max_page_bytes=99999999999", "web.max_redirects=-1", "web.max_redirects=51",
        "web.cache_ttl_s=-1", "web.cache_max_entries=0", "web.fetch_timeout_ms=fast"}) {
    auto set = ParseSetFlag(bad);
    ASSERT_TRUE(set.ok()) << bad;
    ConfigSources sources;
    sources.flags = {*set};
    auto config = LoadConfig(registry, sources);
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(Contains(config.status().message(), set->key)) << config.status().message();
  }
}

}  // namespace
}  // namespace sextant::toolserver::web
