// Plan::Apply: every rule's violation, its message, and that a rejected
// operation leaves the plan unchanged; each limit at its value and one over.
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

// The sample plan with 1 and 2.1 done; the current subtask is 2.1.
// Pre-order: 1, 2, 2.1, 2.2, 3.
class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_ = MakePlan(SampleArgs(), limits_);
    RunSubtask(plan_, "1");
    RunSubtask(plan_, "2.1");
  }

  // Applies with current 2.1, expects invalid_argument and no change.
  std::string Reject(std::string_view function, const Json& args,
                     std::string_view current = "2.1") {
    const Json before = plan_.ToJson();
    const Result<std::string> r = plan_.Apply(function, args, current);
    EXPECT_FALSE(r.ok()) << *r;
    EXPECT_EQ(plan_.ToJson(), before);
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  }

  PlanLimits limits_;
  Plan plan_;
};

Json Split(const std::string& id, Json subtasks) {
  return {{"target_subtask_id", id}, {"subtasks", std::move(subtasks)}};
}
Json Target(const std::string& id) { return {{"target_subtask_id", id}}; }
Json Modify(const std::string& id, Json data) {
  return {{"target_subtask_id", id}, {"new_data", std::move(data)}};
}

TEST_F(RulesTest, UnknownFunctionAndBadCurrent) {
  EXPECT_TRUE(Contains(Reject("plan_create", SampleArgs()), "unknown refinement function"));
  EXPECT_TRUE(Contains(Reject("subtask_move", Target("3")), "'subtask_move'"));
  EXPECT_EQ(Reject("subtask_delete", Target("3"), "7"),
            "the current subtask '7' is not in the plan");
}

TEST_F(RulesTest, SchemaViolations) {
  EXPECT_TRUE(Contains(Reject("subtask_delete", Json::array()), "subtask_delete: arguments"));
  EXPECT_TRUE(Contains(Reject("subtask_delete", {{"target_subtask_id", 3}}),
                       "arguments/target_subtask_id"));
  EXPECT_TRUE(
      Contains(Reject("subtask_delete", {{"target_subtask_id", "3"}, {"force", true}}), "force"));
  EXPECT_TRUE(Contains(Reject("plan_refine_done", {{"why", "x"}}), "why"));
  EXPECT_TRUE(Contains(Reject("subtask_split", Split("3", Specs(1))), "arguments/subtasks"));
  EXPECT_TRUE(Contains(Reject("subtask_split", Split("3", {Spec("a", Specs(1)), Spec("b")})),
                       "arguments/subtasks/0"));
  EXPECT_TRUE(Contains(Reject("subtask_add", Split("3", Json::array())), "arguments/subtasks"));
  EXPECT_TRUE(Contains(Reject("subtask_modify", Modify("3", Json::object())), "new_data"));
  EXPECT_TRUE(Contains(Reject("subtask_modify", Modify("3", {{"status", "done"}})), "status"));
  EXPECT_TRUE(
      Contains(Reject("subtask_modify", Modify("3", {{"name", ""}})), "arguments/new_data/name"));
}

TEST_F(RulesTest, UnknownTargetListsAllowedOnes) {
  EXPECT_EQ(Reject("subtask_split", Split("9", Specs(2))),
            "subtask_split: no subtask '9' in the plan; subtasks you can split now: 2.2, 3");
  EXPECT_TRUE(Contains(Reject("subtask_delete", Target("2.x")),
                       "no subtask '2.x' in the plan; subtasks you can delete now: 2.2, 3"));
}

TEST_F(RulesTest, SplitPositionAndStatus) {
  const std::string before = Reject("subtask_split", Split("1", Specs(2)));
  EXPECT_TRUE(Contains(before, "1 comes before the current subtask 2.1")) << before;
  EXPECT_TRUE(Contains(before, "only subtasks at or after the current one")) << before;
  EXPECT_TRUE(Contains(Reject("subtask_split", Split("2", Specs(2))),
                       "2 contains the current subtask 2.1"));
  const std::string done = Reject("subtask_split", Split("2.1", Specs(2)));
  EXPECT_TRUE(Contains(done,
                       "2.1 is done; only a todo subtask, or the current subtask when it "
                       "failed, can be split"))
      << done;
  ASSERT_TRUE(plan_.Start("2.2").ok());
  EXPECT_TRUE(Contains(Reject("subtask_split", Split("2.2", Specs(2))), "2.2 is doing"));
}

TEST_F(RulesTest, SplitFailedOnlyWhenCurrent) {
  RunSubtask(plan_, "3", false);
  EXPECT_TRUE(Contains(Reject("subtask_split", Split("3", Specs(2))), "3 is failed"));
  EXPECT_TRUE(plan_.Apply("subtask_split", Split("3", Specs(2)), "3").ok());
}

TEST_F(RulesTest, SplitTargetWithSubtasks) {
  const std::string error = Reject("subtask_split", Split("2", Specs(2)), "1");
  EXPECT_TRUE(Contains(error, "2 already has subtasks (2.1-2.2)")) << error;
}

TEST_F(RulesTest, TextLimitsInNewSubtasks) {
  Json long_goal = Specs(2);
  long_goal[1]["goal"] = std::string(limits_.max_text_bytes + 1, 'g');
  EXPECT_EQ(
      Reject("subtask_split", Split("3", long_goal)),
      "subtask_split: subtasks[1].goal: 4097 bytes, the limit is 4096 (planner.max_text_bytes)");
  EXPECT_TRUE(Contains(Reject("subtask_add", Split("3", long_goal)), "subtasks[1].goal"));
}

TEST_F(RulesTest, AddPosition) {
  EXPECT_TRUE(Contains(Reject("subtask_add", Split("1", {Spec("x")})),
                       "1 comes before the current subtask 2.1"));
  const std::string parent = Reject("subtask_add", Split("2", {Spec("x")}));
  EXPECT_TRUE(Contains(parent, "2 contains the current subtask 2.1")) << parent;
  EXPECT_TRUE(Contains(parent, "subtasks you can add after now: 2.1, 2.2, 3")) << parent;
}

TEST_F(RulesTest, AddNestedDepth) {
  EXPECT_TRUE(plan_.Apply("subtask_add", Split("2.2", {Spec("x", {Spec("y")})}), "2.1").ok());
  const std::string error =
      Reject("subtask_add", Split("2.3", {Spec("x", {Spec("y", {Spec("z")})})}));
  EXPECT_EQ(error,
            "subtask_add: subtasks[0].subtasks[0].subtasks: these subtasks would be at depth 4, "
            "the limit is 3 "
            "(planner.max_depth)");
}

TEST_F(RulesTest, DeletePositionAndStatus) {
  EXPECT_TRUE(Contains(Reject("subtask_delete", Target("2.1")),
                       "2.1 is the current subtask; only subtasks after the current one can be "
                       "changed; subtasks you can delete now: 2.2, 3"));
  EXPECT_TRUE(
      Contains(Reject("subtask_delete", Target("2")), "2 contains the current subtask 2.1"));
  EXPECT_TRUE(
      Contains(Reject("subtask_delete", Target("1")), "1 comes before the current subtask 2.1"));
  RunSubtask(plan_, "3");
  EXPECT_TRUE(Contains(Reject("subtask_delete", Target("3")),
                       "3 is done; only todo subtasks can be deleted, finished ones never"));
  ASSERT_TRUE(plan_.Start("2.2").ok());
  EXPECT_TRUE(Contains(Reject("subtask_delete", Target("2.2")), "2.2 is doing"));
}

TEST_F(RulesTest, DeleteParentWithStartedChild) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  ASSERT_TRUE(plan.Start("2.1").ok());
  const Result<std::string> r = plan.Apply("subtask_delete", Target("2"), "1");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "2 is doing"));
}

TEST_F(RulesTest, DeleteNeverEmptiesThePlan) {
  Plan plan = MakePlan({{"subtasks", {Spec("only")}}});
  const Result<std::string> r = plan.Apply("subtask_delete", Target("1"), "");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "the only subtask of the plan"));
  EXPECT_EQ(plan.size(), 1);
}

TEST_F(RulesTest, ModifyPositionAndStatus) {
  EXPECT_TRUE(Contains(Reject("subtask_modify", Modify("2.1", {{"goal", "g"}})),
                       "2.1 is the current subtask"));
  EXPECT_TRUE(Contains(Reject("subtask_modify", Modify("2", {{"goal", "g"}})),
                       "2 contains the current subtask"));
  ASSERT_TRUE(plan_.Start("2.2").ok());
  EXPECT_TRUE(Contains(Reject("subtask_modify", Modify("2.2", {{"goal", "g"}})),
                       "2.2 is doing; only todo subtasks can be modified; subtasks you can "
                       "modify now: 3"));
}

TEST_F(RulesTest, ModifyLimits) {
  const std::string text = Reject(
      "subtask_modify", Modify("3", {{"criticism", std::string(limits_.max_text_bytes + 1, 'c')}}));
  EXPECT_EQ(text,
            "subtask_modify: new_data.criticism: 4097 bytes, the limit is 4096 "
            "(planner.max_text_bytes)");
  Json many = Json::array();
  for (int i = 0; i <= limits_.max_milestones; ++i) many.push_back("m");
  EXPECT_TRUE(Contains(Reject("subtask_modify", Modify("3", {{"milestones", many}})),
                       "new_data.milestones: 17 milestones, the limit is 16"));
}

// Each limit, configured low: accepted at the limit, rejected one over.
TEST(RefineLimitsTest, WidthAtTheRoot) {
  PlanLimits limits;
  limits.max_width = 4;
  Plan plan = MakePlan(SampleArgs(), limits);
  ASSERT_TRUE(plan.Apply("subtask_add", Split("3", {Spec("x")}), "").ok());
  const Result<std::string> r = plan.Apply("subtask_add", Split("4", {Spec("y")}), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "subtask_add: the root holds 4 subtasks; adding 1 makes 5, the limit is 4 "
            "(planner.max_width); split a later subtask instead");
}

TEST(RefineLimitsTest, WidthUnderAParentAndInASplit) {
  PlanLimits limits;
  limits.max_width = 3;
  Plan plan = MakePlan(SampleArgs(), limits);
  const Result<std::string> add = plan.Apply("subtask_add", Split("2.1", Specs(2)), "");
  ASSERT_FALSE(add.ok());
  EXPECT_TRUE(Contains(add.status().message(), "subtask 2 holds 2 subtasks; adding 2 makes 4"));
  ASSERT_TRUE(plan.Apply("subtask_add", Split("2.1", Specs(1)), "").ok());
  const Result<std::string> split = plan.Apply("subtask_split", Split("1", Specs(4)), "");
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().message(),
            "subtask_split: subtasks: 4 subtasks, the limit is 3 (planner.max_width)");
  EXPECT_TRUE(plan.Apply("subtask_split", Split("1", Specs(3)), "").ok());
}

TEST(RefineLimitsTest, DepthInASplit) {
  PlanLimits limits;
  limits.max_depth = 2;
  Plan plan = MakePlan(SampleArgs(), limits);
  ASSERT_TRUE(plan.Apply("subtask_split", Split("1", Specs(2)), "").ok());
  const Result<std::string> r = plan.Apply("subtask_split", Split("1.1", Specs(2)), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "subtask_split: the subtasks of 1.1 would be at depth 3, the limit is 2 "
            "(planner.max_depth); add siblings with subtask_add instead");
}

TEST(RefineLimitsTest, TotalSubtasks) {
  PlanLimits limits;
  limits.max_subtasks = 7;
  Plan plan = MakePlan(SampleArgs(), limits);
  const Result<std::string> three = plan.Apply("subtask_split", Split("3", Specs(3)), "");
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.status().message(),
            "subtask_split: subtasks: the plan would have 8 subtasks, the limit is 7 "
            "(planner.max_subtasks)");
  ASSERT_TRUE(plan.Apply("subtask_split", Split("3", Specs(2)), "").ok());
  EXPECT_EQ(plan.size(), 7);
  const Result<std::string> add = plan.Apply("subtask_add", Split("3.2", {Spec("x")}), "");
  ASSERT_FALSE(add.ok());
  EXPECT_TRUE(Contains(add.status().message(), "8 subtasks, the limit is 7"));
}

TEST(RefineLimitsTest, TextBytes) {
  PlanLimits limits;
  limits.max_text_bytes = 10;
  Plan plan = MakePlan({{"subtasks", {Spec("a"), Spec("b")}}}, limits);
  EXPECT_TRUE(plan.Apply("subtask_modify", Modify("2", {{"goal", std::string(10, 'x')}}), "").ok());
  const Result<std::string> r =
      plan.Apply("subtask_modify", Modify("2", {{"goal", std::string(11, 'x')}}), "");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "11 bytes, the limit is 10"));
  EXPECT_EQ(plan.Find("2")->goal, std::string(10, 'x'));
}

}  // namespace
}  // namespace sextant::planner
