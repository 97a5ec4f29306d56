#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/plugins/manifest_tool.h"
#include "toolserver/plugins/plugins.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;

Json Valid() {
  return {{"name", "word_count"},
          {"description", "Counts words."},
          {"parameters", {{"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}}},
          {"command", {"python3", "/opt/wc.py"}},
          {"timeout_s", 2.5},
          {"network", true}};
}

TEST(ManifestParseTest, ParsesAValidManifest) {
  auto m = ParseManifest(Valid(), "wc.json");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->spec.name, "word_count");
  EXPECT_EQ(m->spec.description, "Counts words.");
  EXPECT_EQ(m->spec.parameters["type"], "object");
  EXPECT_EQ(m->command, (std::vector<std::string>{"python3", "/opt/wc.py"}));
  EXPECT_EQ(m->timeout.count(), 2500);
  EXPECT_TRUE(m->network);
  Json minimal = Valid();
  minimal.erase("timeout_s");
  minimal.erase("network");
  auto d = ParseManifest(minimal, "wc.json");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->timeout, kDefaultManifestTimeout);
  EXPECT_FALSE(d->network);
}

TEST(ManifestParseTest, RejectsBadFieldsNamingFileAndField) {
  struct Case {
    const char* field;
    Json value;  // null: remove the field
    const char* expect;
  };
  const Case cases[] = {
      {"name", nullptr, "field \"name\" is missing"},
      {"name", "bad name", "field \"name\" must be a string matching"},
      {"name", std::string(65, 'x'), "field \"name\" must be a string matching"},
      {"name", 5, "field \"name\" must be"},
      {"description", nullptr, "field \"description\" is missing"},
      {"description", "", "field \"description\" must be a non-empty string"},
      {"parameters", nullptr, "field \"parameters\" is missing"},
      {"parameters", "schema", "field \"parameters\" must be a JSON Schema object"},
      {"parameters", Json::array(), "field \"parameters\" must be a JSON Schema object"},
      {"parameters", {{"type", "string"}}, "must describe an object"},
      {"command", nullptr, "field \"command\" is missing"},
      {"command", Json::array(), "field \"command\" must be a non-empty array"},
      {"command", "python3 x.py", "field \"command\" must be a non-empty array"},
      {"command", {"python3", 1}, "field \"command\" must hold only strings"},
      {"command", {""}, "field \"command\" has an empty program name"},
      {"timeout_s", 0, "field \"timeout_s\" must be a number"},
      {"timeout_s", -1, "field \"timeout_s\" must be a number"},
      {"timeout_s", 99999, "field \"timeout_s\" must be a number"},
      {"timeout_s", "10", "field \"timeout_s\" must be a number"},
      {"network", "yes", "field \"network\" must be true or false"},
      {"shell", true, "field \"shell\" is not a manifest field"},
  };
  for (const Case& c : cases) {
    Json json = Valid();
    if (c.value.is_null()) {
      json.erase(c.field);
    } else {
      json[c.field] = c.value;
    }
    auto m = ParseManifest(json, "/tools/wc.json");
    ASSERT_FALSE(m.ok()) << c.field << " " << c.value;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(m.status().message(), "manifest /tools/wc.json"));
    EXPECT_TRUE(Contains(m.status().message(), c.expect)) << m.status().message();
  }
  auto not_object = ParseManifest(Json::array(), "x.json");
  ASSERT_FALSE(not_object.ok());
  EXPECT_TRUE(Contains(not_object.status().message(), "not a JSON object"));
}

TEST(ManifestParseTest, LoadsFilesAndReportsBadOnes) {
  sextant::testing::TempDir dir;
  sextant::testing::WriteFile(dir.path() / "ok.json", DumpJson(Valid()));
  auto ok = LoadManifest(dir.path() / "ok.json");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->source, dir.path() / "ok.json");
  sextant::testing::WriteFile(dir.path() / "broken.json", "{\"name\": ");
  auto broken = LoadManifest(dir.path() / "broken.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(Contains(broken.status().message(), "broken.json"));
  auto missing = LoadManifest(dir.path() / "missing.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(missing.status().message(), "cannot be read"));
}

TEST(ManifestParseTest, HostStartRejectsABadManifest) {
  sextant::testing::TempDir dir;
  Json bad = Valid();
  bad.erase("command");
  sextant::testing::WriteFile(dir.path() / "bad.json", DumpJson(bad));
  PluginsConfig config;
  config.manifests.push_back(dir.path() / "bad.json");
  auto host = PluginHost::Start(config);
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(host.status().message(), "bad.json"));
  EXPECT_TRUE(Contains(host.status().message(), "\"command\""));
}

TEST(ManifestParseTest, HostServesManifestToolsAndRejectsDuplicates) {
  sextant::testing::TempDir dir;
  sextant::testing::WriteFile(dir.path() / "a.json", DumpJson(Valid()));
  sextant::testing::WriteFile(dir.path() / "b.json", DumpJson(Valid()));
  PluginsConfig config;
  config.manifests.push_back(dir.path() / "a.json");
  auto host = PluginHost::Start(config);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  auto tools = (*host)->MakeTools();
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]->spec().name, "word_count");
  auto no_sandbox = tools[0]->Call(ToolContext{}, Json::object());
  ASSERT_FALSE(no_sandbox.ok());
  EXPECT_EQ(no_sandbox.status().code(), StatusCode::kFailedPrecondition);
  config.manifests.push_back(dir.path() / "b.json");
  auto dup = PluginHost::Start(config);
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(Contains(dup.status().message(), "used by another manifest"));
}

}  // namespace
}  // namespace sextant::toolserver::plugins
