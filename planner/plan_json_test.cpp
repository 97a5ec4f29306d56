// Plan::Create (plan_create's arguments) and the snapshot form
// (ToJson/FromJson), including malformed input.
#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "planner/plan.h"
#include "planner/plan_test_util.h"

namespace sextant::planner {
namespace {

using sextant::testing::Contains;
using testing::MakePlan;
using testing::RunSubtask;
using testing::SampleArgs;
using testing::Spec;
using testing::Specs;

// The message of a failed Create, or a test failure.
std::string CreateError(const Json& args, const PlanLimits& limits = {}) {
  const Result<Plan> plan = Plan::Create(args, limits);
  EXPECT_FALSE(plan.ok());
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  return plan.status().message();
}

std::string FromJsonError(const Json& json) {
  const Result<Plan> plan = Plan::FromJson(json);
  EXPECT_FALSE(plan.ok());
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  return plan.status().message();
}

TEST(PlanCreateTest, ReadsAllMembers) {
  const Json args = {{"subtasks",
                      {{{"name", "n"},
                        {"goal", "g"},
                        {"criticism", "c"},
                        {"milestones", {"m1", "m2"}},
                        {"subtasks", Json::array()}}}}};
  const Plan plan = MakePlan(args);
  const Subtask* s = plan.Find("1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->criticism, "c");
  EXPECT_EQ(s->milestones, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_TRUE(s->children.empty());
}

TEST(PlanCreateTest, SchemaViolationsNameThePointer) {
  EXPECT_TRUE(Contains(CreateError(Json::array()), "arguments"));
  EXPECT_TRUE(Contains(CreateError(Json::object()), "subtasks"));
  EXPECT_TRUE(Contains(CreateError({{"subtasks", Json::array()}}), "arguments/subtasks"));
  const std::string missing = CreateError({{"subtasks", {{{"name", "n"}}}}});
  EXPECT_TRUE(Contains(missing, "arguments/subtasks/0")) << missing;
  EXPECT_TRUE(Contains(missing, "goal")) << missing;
  const std::string type = CreateError({{"subtasks", {{{"name", 3}, {"goal", "g"}}}}});
  EXPECT_TRUE(Contains(type, "arguments/subtasks/0/name")) << type;
  const std::string unknown =
      CreateError({{"subtasks", {{{"name", "n"}, {"goal", "g"}, {"priority", 1}}}}});
  EXPECT_TRUE(Contains(unknown, "priority")) << unknown;
  const std::string nested =
      CreateError({{"subtasks", {Spec("a", {{{"name", "x"}, {"goal", "y"}, {"extra", true}}})}}});
  EXPECT_TRUE(Contains(nested, "arguments/subtasks/0/subtasks/0")) << nested;
  EXPECT_TRUE(Contains(nested, "extra")) << nested;
  const std::string empty = CreateError({{"subtasks", {{{"name", ""}, {"goal", "g"}}}}});
  EXPECT_TRUE(Contains(empty, "arguments/subtasks/0/name")) << empty;
  EXPECT_TRUE(Contains(CreateError({{"subtasks", {Spec("a")}}, {"other", 1}}), "other"));
}

TEST(PlanCreateTest, WidthLimit) {
  PlanLimits limits;
  limits.max_width = 3;
  EXPECT_TRUE(Plan::Create({{"subtasks", Specs(3)}}, limits).ok());
  EXPECT_EQ(CreateError({{"subtasks", Specs(4)}}, limits),
            "subtasks: 4 subtasks, the limit is 3 (planner.max_width)");
  EXPECT_TRUE(Plan::Create({{"subtasks", {Spec("a", Specs(3))}}}, limits).ok());
  EXPECT_EQ(CreateError({{"subtasks", {Spec("a"), Spec("b", Specs(4))}}}, limits),
            "subtasks[1].subtasks: 4 subtasks, the limit is 3 (planner.max_width)");
  EXPECT_TRUE(Plan::Create({{"subtasks", Specs(5)}}).ok());
  EXPECT_EQ(CreateError({{"subtasks", Specs(6)}}),
            "subtasks: 6 subtasks, the limit is 5 (planner.max_width)");
}

TEST(PlanCreateTest, DepthLimit) {
  const Json depth3 = {{"subtasks", {Spec("a", {Spec("b", {Spec("c")})})}}};
  EXPECT_TRUE(Plan::Create(depth3).ok());
  const Json depth4 = {{"subtasks", {Spec("a", {Spec("b", {Spec("c", {Spec("d")})})})}}};
  const std::string error = CreateError(depth4);
  EXPECT_EQ(error,
            "subtasks[0].subtasks[0].subtasks[0].subtasks: these subtasks would be at depth 4, "
            "the limit is 3 (planner.max_depth)");
  PlanLimits limits;
  limits.max_depth = 4;
  EXPECT_TRUE(Plan::Create(depth4, limits).ok());
  limits.max_depth = 1;
  EXPECT_TRUE(Contains(CreateError({{"subtasks", {Spec("a", {Spec("b")})}}}, limits),
                       "depth 2, the limit is 1 (planner.max_depth)"));
}

TEST(PlanCreateTest, TotalLimit) {
  PlanLimits limits;
  limits.max_subtasks = 6;
  const Json six = {{"subtasks", {Spec("a", Specs(3)), Spec("b", Specs(1))}}};
  EXPECT_TRUE(Plan::Create(six, limits).ok());
  const Json seven = {{"subtasks", {Spec("a", Specs(3)), Spec("b", Specs(2))}}};
  EXPECT_EQ(CreateError(seven, limits),
            "subtasks: the plan would have 7 subtasks, the limit is 6 (planner.max_subtasks)");
}

TEST(PlanCreateTest, TextAndMilestoneLimits) {
  PlanLimits limits;
  limits.max_text_bytes = 8;
  limits.max_milestones = 2;
  auto with = [](const char* key, Json value) {
    Json spec = {{"name", "n"}, {"goal", "g"}};
    spec[key] = std::move(value);
    return Json{{"subtasks", {spec}}};
  };
  EXPECT_TRUE(Plan::Create(with("goal", std::string(8, 'g')), limits).ok());
  EXPECT_EQ(CreateError(with("goal", std::string(9, 'g')), limits),
            "subtasks[0].goal: 9 bytes, the limit is 8 (planner.max_text_bytes)");
  EXPECT_TRUE(Contains(CreateError(with("name", std::string(9, 'n')), limits), ".name: 9 bytes"));
  EXPECT_TRUE(
      Contains(CreateError(with("criticism", std::string(9, 'c')), limits), ".criticism: 9"));
  EXPECT_TRUE(Plan::Create(with("milestones", {"a", "b"}), limits).ok());
  EXPECT_EQ(CreateError(with("milestones", {"a", "b", "c"}), limits),
            "subtasks[0].milestones: 3 milestones, the limit is 2 (planner.max_milestones)");
  EXPECT_EQ(CreateError(with("milestones", {"a", "123456789"}), limits),
            "subtasks[0].milestones[1]: 9 bytes, the limit is 8 (planner.max_text_bytes)");
}

TEST(PlanCreateTest, RejectsInvalidLimits) {
  PlanLimits limits;
  limits.max_width = 0;
  EXPECT_TRUE(Contains(CreateError(SampleArgs(), limits), "planner.max_width"));
}

TEST(PlanSnapshotTest, RoundTrip) {
  PlanLimits limits;
  limits.max_depth = 4;
  limits.max_text_bytes = 100;
  Plan plan =
      MakePlan({{"subtasks",
                 {{{"name", "A"}, {"goal", "ga"}, {"criticism", "ca"}, {"milestones", {"m"}}},
                  Spec("B", {Spec("B1"), Spec("B2")}),
                  Spec("C")}}},
               limits);
  RunSubtask(plan, "1");
  RunSubtask(plan, "2.1", false);
  ASSERT_TRUE(plan.Start("2.2").ok());
  const Json json = plan.ToJson();
  EXPECT_EQ(json["limits"]["max_depth"], 4);
  EXPECT_EQ(json["subtasks"][1]["subtasks"][0]["status"], "failed");
  const Result<Plan> back = Plan::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), json);
  EXPECT_EQ(back->Render("2.2"), plan.Render("2.2"));
  EXPECT_EQ(back->limits().max_text_bytes, 100u);
  EXPECT_EQ(back->Find("1")->criticism, "ca");
  EXPECT_EQ(back->Find("1")->result, "r1");
  const Result<Plan> empty = Plan::FromJson(Plan().ToJson());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0);
}

TEST(PlanSnapshotTest, LimitsAreOptional) {
  Json json = MakePlan().ToJson();
  json.erase("limits");
  const Result<Plan> plan = Plan::FromJson(json);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->limits().max_width, PlanLimits{}.max_width);
}

TEST(PlanSnapshotTest, WrongTypes) {
  const Json good = MakePlan().ToJson();
  EXPECT_TRUE(Contains(FromJsonError(Json::array()), "snapshot"));
  EXPECT_TRUE(Contains(FromJsonError(Json::object()), "subtasks"));
  Json j = good;
  j["subtasks"][0]["name"] = 5;
  EXPECT_TRUE(Contains(FromJsonError(j), "snapshot/subtasks/0/name"));
  j = good;
  j["subtasks"][1]["subtasks"][0]["milestones"] = {1};
  EXPECT_TRUE(Contains(FromJsonError(j), "snapshot/subtasks/1/subtasks/0/milestones/0"));
  j = good;
  j["subtasks"][0].erase("status");
  EXPECT_TRUE(Contains(FromJsonError(j), "status"));
  j = good;
  j["subtasks"][0]["color"] = "red";
  EXPECT_TRUE(Contains(FromJsonError(j), "color"));
  j = good;
  j["limits"]["max_depth"] = "3";
  EXPECT_TRUE(Contains(FromJsonError(j), "snapshot/limits/max_depth"));
}

TEST(PlanSnapshotTest, BadIds) {
  const Json good = MakePlan().ToJson();
  Json j = good;
  j["subtasks"][1]["id"] = "3";
  EXPECT_EQ(FromJsonError(j), "subtasks[1].id: '3' does not match its position; expected '2'");
  j = good;
  j["subtasks"][1]["subtasks"][1]["id"] = "2.02";
  EXPECT_TRUE(Contains(FromJsonError(j), "subtasks[1].subtasks[1].id: '2.02'"));
  j = good;
  j["subtasks"][0]["id"] = "";
  EXPECT_TRUE(Contains(FromJsonError(j), "expected '1'"));
}

TEST(PlanSnapshotTest, BadStatus) {
  const Json good = MakePlan().ToJson();
  Json j = good;
  j["subtasks"][0]["status"] = "finished";
  const std::string error = FromJsonError(j);
  EXPECT_TRUE(Contains(error, "subtasks[0].status")) << error;
  EXPECT_TRUE(Contains(error, "'finished'")) << error;
  j = good;
  j["subtasks"][1]["status"] = "done";
  EXPECT_EQ(FromJsonError(j), "subtasks[1].status: 'done', but its subtasks make it 'todo'");
}

TEST(PlanSnapshotTest, LimitsEnforced) {
  Json deep = MakePlan({{"subtasks", {Spec("a", {Spec("b", {Spec("c")})})}}}).ToJson();
  EXPECT_TRUE(Plan::FromJson(deep).ok());
  deep["limits"]["max_depth"] = 2;
  EXPECT_TRUE(Contains(FromJsonError(deep), "depth 3, the limit is 2 (planner.max_depth)"));
  Json wide = MakePlan().ToJson();
  wide["limits"]["max_width"] = 2;
  EXPECT_EQ(FromJsonError(wide), "subtasks: 3 subtasks, the limit is 2 (planner.max_width)");
  Json total = MakePlan().ToJson();
  total["limits"]["max_subtasks"] = 4;
  EXPECT_EQ(FromJsonError(total),
            "subtasks: 5 subtasks in all, the limit is 4 (planner.max_subtasks)");
  total["limits"]["max_subtasks"] = 5;
  EXPECT_TRUE(Plan::FromJson(total).ok());
  Json text = MakePlan().ToJson();
  text["limits"]["max_text_bytes"] = 4;
  EXPECT_TRUE(Contains(FromJsonError(text), "subtasks[0].goal: 9 bytes"));
  Json limits = MakePlan().ToJson();
  limits["limits"]["max_depth"] = 0;
  EXPECT_EQ(FromJsonError(limits), "limits.max_depth: must be 1 to 16, got 0");
  limits["limits"]["max_depth"] = -5;
  EXPECT_TRUE(Contains(FromJsonError(limits), "got -5"));
  limits["limits"]["max_depth"] = 3;
  limits["limits"]["max_text_bytes"] = 1LL << 40;
  EXPECT_TRUE(Contains(FromJsonError(limits), "limits.max_text_bytes"));
}

}  // namespace
}  // namespace sextant::planner
