#include "agent/prompts.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/testing/testdata.h"

namespace sextant::agent {
namespace {

TEST(PromptsTest, EveryPromptIsEmbedded) {
  const PromptSet set = PromptSet::Embedded();
  const std::vector<std::string> names = PromptNames();
  for (const char* name : {"plan_system", "plan_user", "tool_system", "tool_user", "last_step",
                           "reflect", "refine", "final"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    EXPECT_FALSE(set.Get(name).empty()) << name;
    EXPECT_EQ(set.Source(name), "embedded");
  }
  EXPECT_NE(set.Get("tool_user").find("{{subtask_goal}}"), std::string::npos);
}

TEST(PromptsTest, FillReplacesKnownKeysAndKeepsUnknownOnes) {
  EXPECT_EQ(FillPrompt("a {{x}} b {{y}} {{x}}", {{"x", "1"}}), "a 1 b {{y}} 1");
  EXPECT_EQ(FillPrompt("no keys", {{"x", "1"}}), "no keys");
  EXPECT_EQ(FillPrompt("open {{x", {{"x", "1"}}), "open {{x");
  EXPECT_EQ(FillPrompt("{{x}}", {{"x", "{{x}}"}}), "{{x}}");
}

TEST(PromptsTest, OverridesReplaceByName) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "final.txt") << "custom {{task}}";
  auto set = PromptSet::WithOverrides(dir.path());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->Get("final"), "custom {{task}}");
  EXPECT_EQ(set->Source("final"), (dir.path() / "final.txt").string());
  EXPECT_EQ(set->Get("reflect"), PromptSet::Embedded().Get("reflect"));
}

TEST(PromptsTest, UnknownOverrideNameIsAnError) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "finall.txt") << "typo";
  auto set = PromptSet::WithOverrides(dir.path());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(set.status().message().find("finall.txt"), std::string::npos);
}

TEST(PromptsTest, MissingDirectoryIsNotFound) {
  auto set = PromptSet::WithOverrides("/nonexistent/prompts");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sextant::agent
