#include "planner/plan_tools.h"

#include <regex>

#include <gtest/gtest.h>

#include "common/json_schema.h"
#include "common/testing/testdata.h"
#include "planner/plan_test_util.h"

namespace sextant::planner {
namespace {

using sextant::testing::Contains;
using testing::SampleArgs;
using testing::Spec;
using testing::Specs;

// The rules of llm::CheckToolSpec, which planner cannot link.
void ExpectValidToolSpec(const Json& tool) {
  ASSERT_TRUE(tool.is_object());
  EXPECT_EQ(tool["type"], "function");
  const Json& f = tool["function"];
  ASSERT_TRUE(f.is_object());
  ASSERT_TRUE(f["name"].is_string());
  EXPECT_TRUE(std::regex_match(f["name"].get<std::string>(), std::regex("[A-Za-z0-9_-]{1,64}")));
  ASSERT_TRUE(f["description"].is_string());
  EXPECT_FALSE(f["description"].get<std::string>().empty());
  ASSERT_TRUE(f["parameters"].is_object());
  EXPECT_EQ(f["parameters"]["type"], "object");
  EXPECT_EQ(f["parameters"]["additionalProperties"], false);
  const Result<JsonSchema> schema = JsonSchema::Compile(f["parameters"]);
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
}

// The parameters schema of `name` as the tool lists show it.
JsonSchema ParametersOf(const std::string& name) {
  std::vector<Json> tools = PlanCreateTools();
  for (Json& t : PlanRefineTools()) tools.push_back(std::move(t));
  for (const Json& t : tools) {
    if (t["function"]["name"] == name) {
      Result<JsonSchema> schema = JsonSchema::Compile(t["function"]["parameters"]);
      if (schema.ok()) return std::move(schema).value();
    }
  }
  ADD_FAILURE() << "no tool " << name;
  return std::move(JsonSchema::Compile(Json::object())).value();
}

TEST(PlanToolsTest, SpecsFollowTheToolRules) {
  const std::vector<Json> create = PlanCreateTools();
  ASSERT_EQ(create.size(), 1u);
  EXPECT_EQ(create[0]["function"]["name"], "plan_create");
  ExpectValidToolSpec(create[0]);
  const std::vector<Json> refine = PlanRefineTools();
  std::vector<std::string> names;
  for (const Json& t : refine) {
    ExpectValidToolSpec(t);
    names.push_back(t["function"]["name"]);
    EXPECT_TRUE(IsRefineFunction(names.back()));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"subtask_split", "subtask_add", "subtask_delete",
                                             "subtask_modify", "plan_refine_done"}));
  EXPECT_FALSE(IsRefineFunction("plan_create"));
  EXPECT_FALSE(IsRefineFunction("subtask_submit"));
  EXPECT_FALSE(IsRefineFunction(""));
}

TEST(PlanToolsTest, DescriptionsStateTheLimits) {
  PlanLimits limits;
  limits.max_width = 7;
  limits.max_depth = 2;
  limits.max_subtasks = 33;
  const std::string text = PlanCreateTools(limits)[0]["function"]["description"];
  EXPECT_TRUE(Contains(text, "at most 7 subtasks side by side, 2 levels deep, 33 subtasks"));
  const std::string split = PlanRefineTools(limits)[0]["function"]["description"];
  EXPECT_TRUE(Contains(split, "at most 7 subtasks"));
}

TEST(PlanToolsTest, SampleArgumentsValidate) {
  const std::vector<std::pair<std::string, Json>> good = {
      {"plan_create", SampleArgs()},
      {"plan_create",
       {{"subtasks", {{{"name", "n"}, {"goal", "g"}, {"criticism", "c"}, {"milestones", {"m"}}}}}}},
      {"subtask_split", {{"target_subtask_id", "1"}, {"subtasks", Specs(2)}}},
      {"subtask_add", {{"target_subtask_id", "1"}, {"subtasks", {Spec("a", Specs(2))}}}},
      {"subtask_delete", {{"target_subtask_id", "1.2"}}},
      {"subtask_modify", {{"target_subtask_id", "1"}, {"new_data", {{"goal", "g"}}}}},
      {"plan_refine_done", Json::object()},
  };
  for (const auto& [name, args] : good) {
    EXPECT_TRUE(ParametersOf(name).IsValid(args)) << name << " " << args.dump();
    EXPECT_TRUE(CheckPlanArguments(name, args).ok()) << name;
  }
}

TEST(PlanToolsTest, BadArgumentsFail) {
  const std::vector<std::pair<std::string, Json>> bad = {
      {"plan_create", {{"subtasks", {{{"name", "n"}}}}}},
      {"plan_create", {{"subtasks", {Spec("a", {{{"goal", "g"}}})}}}},
      {"subtask_split", {{"target_subtask_id", "1"}, {"subtasks", Specs(1)}}},
      {"subtask_split",
       {{"target_subtask_id", "1"}, {"subtasks", {Spec("a", Specs(1)), Spec("b")}}}},
      {"subtask_add", {{"subtasks", Specs(1)}}},
      {"subtask_delete", {{"target_subtask_id", 1}}},
      {"subtask_modify", {{"target_subtask_id", "1"}, {"new_data", {{"id", "2"}}}}},
      {"plan_refine_done", {{"done", true}}},
  };
  for (const auto& [name, args] : bad) {
    EXPECT_FALSE(ParametersOf(name).IsValid(args)) << name << " " << args.dump();
    const Status s = CheckPlanArguments(name, args);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(Contains(s.message(), "arguments")) << s.message();
  }
  const Status s = CheckPlanArguments("subtask_delete", {{"target_subtask_id", 1}});
  EXPECT_TRUE(Contains(s.message(), "arguments/target_subtask_id:")) << s.message();
}

TEST(PlanToolsTest, UnknownFunction) {
  const Status s = CheckPlanArguments("plan_destroy", Json::object());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), "unknown plan function 'plan_destroy'"));
}

}  // namespace
}  // namespace sextant::planner
