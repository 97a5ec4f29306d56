#include "planner/plan.h"

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "planner/plan_test_util.h"

namespace sextant::planner {
namespace {

using sextant::testing::Contains;
using testing::MakePlan;
using testing::RunSubtask;
using testing::Spec;

TEST(SubtaskStatusTest, NamesRoundTrip) {
  for (SubtaskStatus s : {SubtaskStatus::kTodo, SubtaskStatus::kDoing, SubtaskStatus::kDone,
                          SubtaskStatus::kFailed, SubtaskStatus::kSkipped}) {
    const Result<SubtaskStatus> parsed = ParseStatus(StatusName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(StatusName(SubtaskStatus::kSkipped), "skipped");
  const Result<SubtaskStatus> bad = ParseStatus("Done");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(bad.status().message(), "'Done'"));
  EXPECT_FALSE(ParseStatus("").ok());
}

TEST(PlanTest, CreateAssignsIdsAndTodo) {
  const Plan plan = MakePlan();
  ASSERT_EQ(plan.roots().size(), 3u);
  EXPECT_EQ(plan.size(), 5);
  EXPECT_EQ(plan.roots()[1].id, "2");
  EXPECT_EQ(plan.roots()[1].children[1].id, "2.2");
  ASSERT_NE(plan.Find("2.1"), nullptr);
  EXPECT_EQ(plan.Find("2.1")->name, "B1");
  EXPECT_EQ(plan.Find("2.1")->goal, "goal of B1");
  EXPECT_EQ(plan.Find("3")->status, SubtaskStatus::kTodo);
  for (const char* bad : {"", "4", "2.3", "0", "02", "2.", ".2", "2..1", "a", "-1", "1.1"}) {
    EXPECT_EQ(plan.Find(bad), nullptr) << bad;
  }
}

TEST(PlanTest, EmptyPlan) {
  Plan plan;
  EXPECT_EQ(plan.size(), 0);
  EXPECT_FALSE(plan.NextLeaf().has_value());
  EXPECT_EQ(plan.Render(), "");
  EXPECT_EQ(plan.Start("1").code(), StatusCode::kNotFound);
}

TEST(PlanTest, NextLeafIsDepthFirstPreorder) {
  Plan plan = MakePlan();
  std::vector<std::string> order;
  while (const auto next = plan.NextLeaf()) {
    order.push_back(*next);
    RunSubtask(plan, *next);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"1", "2.1", "2.2", "3"}));
}

TEST(PlanTest, NextLeafSkipsDoingAndFinished) {
  Plan plan = MakePlan();
  ASSERT_TRUE(plan.Start("1").ok());
  EXPECT_EQ(plan.NextLeaf(), "2.1");
  ASSERT_TRUE(plan.Finish("1", false, "no").ok());
  EXPECT_EQ(plan.NextLeaf(), "2.1");
}

TEST(PlanTest, StartMarksAncestorsDoing) {
  Plan plan = MakePlan();
  ASSERT_TRUE(plan.Start("2.1").ok());
  EXPECT_EQ(plan.Find("2.1")->status, SubtaskStatus::kDoing);
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDoing);
  EXPECT_EQ(plan.Find("2.2")->status, SubtaskStatus::kTodo);
  EXPECT_EQ(plan.Find("1")->status, SubtaskStatus::kTodo);
}

TEST(PlanTest, StartErrors) {
  Plan plan = MakePlan();
  EXPECT_EQ(plan.Start("9").code(), StatusCode::kNotFound);
  const Status parent = plan.Start("2");
  EXPECT_EQ(parent.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(parent.message(), "has subtasks"));
  ASSERT_TRUE(plan.Start("1").ok());
  const Status again = plan.Start("1");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(again.message(), "is doing, not todo"));
}

TEST(PlanTest, FinishErrors) {
  Plan plan = MakePlan();
  EXPECT_EQ(plan.Finish("9", true, "").code(), StatusCode::kNotFound);
  const Status todo = plan.Finish("1", true, "x");
  EXPECT_EQ(todo.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(todo.message(), "is todo, not doing"));
  ASSERT_TRUE(plan.Start("2.1").ok());
  EXPECT_EQ(plan.Finish("2", true, "x").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(plan.Finish("2.1", true, "x").ok());
  EXPECT_EQ(plan.Finish("2.1", true, "x").code(), StatusCode::kFailedPrecondition);
}

TEST(PlanTest, FinishPropagatesDoneWithSummary) {
  Plan plan = MakePlan();
  RunSubtask(plan, "2.1");
  EXPECT_EQ(plan.Find("2.1")->result, "r2.1");
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDoing);
  EXPECT_TRUE(plan.Find("2")->result.empty());
  RunSubtask(plan, "2.2");
  const Subtask* parent = plan.Find("2");
  EXPECT_EQ(parent->status, SubtaskStatus::kDone);
  EXPECT_EQ(parent->result, "- B1 (done): r2.1\n- B2 (done): r2.2");
}

TEST(PlanTest, FinishPropagatesFailure) {
  Plan plan = MakePlan({{"subtasks", {Spec("A", {Spec("A1"), Spec("A2", {Spec("X")})})}}});
  RunSubtask(plan, "1.1", false);
  EXPECT_EQ(plan.Find("1")->status, SubtaskStatus::kDoing);
  RunSubtask(plan, "1.2.1");
  EXPECT_EQ(plan.Find("1.2")->status, SubtaskStatus::kDone);
  EXPECT_EQ(plan.Find("1")->status, SubtaskStatus::kFailed);
  EXPECT_TRUE(Contains(plan.Find("1")->result, "- A1 (failed): r1.1"));
  EXPECT_TRUE(Contains(plan.Find("1")->result, "- A2 (done): - X (done): r1.2.1"));
}

TEST(PlanTest, SummaryCutsLongResults) {
  Plan plan = MakePlan({{"subtasks", {Spec("A", {Spec("A1")})}}});
  ASSERT_TRUE(plan.Start("1.1").ok());
  ASSERT_TRUE(plan.Finish("1.1", true, std::string(1000, 'z') + "\nend").ok());
  const std::string& summary = plan.Find("1")->result;
  EXPECT_LT(summary.size(), 400u);
  EXPECT_TRUE(Contains(summary, "zzz..."));
  EXPECT_FALSE(Contains(summary, "end"));
}

TEST(PlanTest, SkipRemaining) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  ASSERT_TRUE(plan.Start("2.1").ok());
  plan.SkipRemaining();
  EXPECT_EQ(plan.Find("1")->status, SubtaskStatus::kDone);
  EXPECT_EQ(plan.Find("2.1")->status, SubtaskStatus::kDoing);
  EXPECT_EQ(plan.Find("2.2")->status, SubtaskStatus::kSkipped);
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDoing);
  EXPECT_EQ(plan.Find("3")->status, SubtaskStatus::kSkipped);
  EXPECT_FALSE(plan.NextLeaf().has_value());
  ASSERT_TRUE(plan.Finish("2.1", true, "ok").ok());
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDone);
}

TEST(PlanTest, SkipRemainingOfUntouchedParentSkipsIt) {
  Plan plan = MakePlan();
  plan.SkipRemaining();
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kSkipped);
  EXPECT_EQ(plan.Find("2")->result, "- B1 (skipped)\n- B2 (skipped)");
}

TEST(PlanTest, Render) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  RunSubtask(plan, "2.1", false);
  ASSERT_TRUE(plan.Start("2.2").ok());
  EXPECT_EQ(plan.Render("2.2"),
            "[x] 1 A: goal of A\n"
            "[>] 2 B: goal of B\n"
            "  [!] 2.1 B1: goal of B1\n"
            "  [>] 2.2 B2: goal of B2  <= current\n"
            "[ ] 3 C: goal of C\n");
  plan.SkipRemaining();
  EXPECT_TRUE(Contains(plan.Render(), "[-] 3 C: goal of C\n"));
  EXPECT_FALSE(Contains(plan.Render(), "<= current"));
}

TEST(PlanTest, RenderKeepsOneLinePerSubtask) {
  const Plan plan = MakePlan({{"subtasks", {{{"name", "two\nlines"}, {"goal", "g\r\nh"}}}}});
  EXPECT_EQ(plan.Render("1"), "[ ] 1 two lines: g  h  <= current\n");
}

TEST(PlanLimitsTest, CheckPlanLimits) {
  EXPECT_TRUE(CheckPlanLimits({}).ok());
  PlanLimits l;
  l.max_depth = 0;
  EXPECT_TRUE(Contains(CheckPlanLimits(l).message(), "planner.max_depth must be 1 to 16, got 0"));
  l = {};
  l.max_depth = PlanLimits::kMaxDepthCap;
  EXPECT_TRUE(CheckPlanLimits(l).ok());
  l.max_depth = PlanLimits::kMaxDepthCap + 1;
  EXPECT_FALSE(CheckPlanLimits(l).ok());
  l = {};
  l.max_width = -1;
  EXPECT_TRUE(Contains(CheckPlanLimits(l).message(), "max_width"));
  l = {};
  l.max_subtasks = 0;
  EXPECT_TRUE(Contains(CheckPlanLimits(l).message(), "max_subtasks"));
  l = {};
  l.max_text_bytes = 0;
  EXPECT_TRUE(Contains(CheckPlanLimits(l).message(), "max_text_bytes"));
  l = {};
  l.max_milestones = PlanLimits::kMaxMilestonesCap + 1;
  EXPECT_TRUE(Contains(CheckPlanLimits(l).message(), "max_milestones"));
}

}  // namespace
}  // namespace sextant::planner
