// Plan::Apply: the successful refinement operations and renumbering.
#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "planner/plan.h"
#include "planner/plan_test_util.h"

namespace sextant::planner {
namespace {

using sextant::testing::Contains;
using testing::MakePlan;
using testing::RunSubtask;
using testing::Spec;
using testing::Specs;

// Applies and expects success; returns the summary.
std::string ApplyOk(Plan& plan, std::string_view function, const Json& args,
                    std::string_view current) {
  Result<std::string> summary = plan.Apply(function, args, current);
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  return summary.ok() ? *summary : "";
}

std::vector<std::string> Ids(const Plan& plan) {
  std::vector<std::string> ids;
  std::function<void(const std::vector<Subtask>&)> walk = [&](const std::vector<Subtask>& nodes) {
    for (const Subtask& s : nodes) {
      ids.push_back(s.id + " " + s.name);
      walk(s.children);
    }
  };
  walk(plan.roots());
  return ids;
}

TEST(RefineTest, SplitTodoLeaf) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  EXPECT_EQ(ApplyOk(plan, "subtask_split",
                    {{"target_subtask_id", "3"}, {"subtasks", Specs(3, "c")}}, "1"),
            "split 3 into 3.1-3.3");
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"1 A", "2 B", "2.1 B1", "2.2 B2", "3 C", "3.1 c1",
                                                 "3.2 c2", "3.3 c3"}));
  EXPECT_EQ(plan.Find("3")->status, SubtaskStatus::kTodo);
  EXPECT_EQ(plan.Find("3.2")->goal, "goal of c2");
  RunSubtask(plan, "2.1");
  RunSubtask(plan, "2.2");
  EXPECT_EQ(plan.NextLeaf(), "3.1");
}

TEST(RefineTest, SplitCurrentTodoLeafBeforeItRuns) {
  Plan plan = MakePlan();
  EXPECT_EQ(
      ApplyOk(plan, "subtask_split", {{"target_subtask_id", "1"}, {"subtasks", Specs(2)}}, ""),
      "split 1 into 1.1-1.2");
  EXPECT_EQ(plan.NextLeaf(), "1.1");
}

TEST(RefineTest, SplitFailedCurrentReopensIt) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  RunSubtask(plan, "2.1");
  RunSubtask(plan, "2.2", false);
  ASSERT_EQ(plan.Find("2")->status, SubtaskStatus::kFailed);
  EXPECT_EQ(ApplyOk(plan, "subtask_split",
                    {{"target_subtask_id", "2.2"}, {"subtasks", Specs(2, "x")}}, "2.2"),
            "split 2.2 into 2.2.1-2.2.2");
  const Subtask* target = plan.Find("2.2");
  EXPECT_EQ(target->status, SubtaskStatus::kTodo);
  EXPECT_TRUE(target->result.empty());
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDoing);
  EXPECT_TRUE(plan.Find("2")->result.empty());
  EXPECT_EQ(plan.NextLeaf(), "2.2.1");
  RunSubtask(plan, "2.2.1");
  RunSubtask(plan, "2.2.2");
  EXPECT_EQ(plan.Find("2.2")->status, SubtaskStatus::kDone);
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDone);
}

TEST(RefineTest, AddAfterCurrentRenumbersLaterSiblings) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  EXPECT_EQ(ApplyOk(plan, "subtask_add",
                    {{"target_subtask_id", "1"}, {"subtasks", {Spec("N1"), Spec("N2")}}}, "1"),
            "added 2-3 after 1");
  EXPECT_EQ(Ids(plan),
            (std::vector<std::string>{"1 A", "2 N1", "3 N2", "4 B", "4.1 B1", "4.2 B2", "5 C"}));
  EXPECT_EQ(plan.NextLeaf(), "2");
}

TEST(RefineTest, AddReopensAFinishedParent) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  RunSubtask(plan, "2.1");
  RunSubtask(plan, "2.2");
  ASSERT_EQ(plan.Find("2")->status, SubtaskStatus::kDone);
  EXPECT_EQ(ApplyOk(plan, "subtask_add", {{"target_subtask_id", "2.2"}, {"subtasks", {Spec("B3")}}},
                    "2.2"),
            "added 2.3 after 2.2");
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDoing);
  EXPECT_TRUE(plan.Find("2")->result.empty());
  EXPECT_EQ(plan.NextLeaf(), "2.3");
}

TEST(RefineTest, AddWithNestedSubtasks) {
  Plan plan = MakePlan();
  EXPECT_EQ(ApplyOk(plan, "subtask_add",
                    {{"target_subtask_id", "2.1"}, {"subtasks", {Spec("N", {Spec("N1")})}}}, "1"),
            "added 2.2 after 2.1");
  EXPECT_EQ(plan.Find("2.2.1")->name, "N1");
  EXPECT_EQ(plan.Find("2.3")->name, "B2");
}

TEST(RefineTest, DeleteRenumbers) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  EXPECT_EQ(ApplyOk(plan, "subtask_delete", {{"target_subtask_id", "2"}}, "1"),
            "deleted 2 'B' and its 2 subtasks");
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"1 A", "2 C"}));
  EXPECT_EQ(ApplyOk(plan, "subtask_delete", {{"target_subtask_id", "2"}}, "1"), "deleted 2 'C'");
  EXPECT_EQ(plan.size(), 1);
  EXPECT_FALSE(plan.NextLeaf().has_value());
}

TEST(RefineTest, DeleteLastTodoChildFinishesParent) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  RunSubtask(plan, "2.1");
  EXPECT_EQ(ApplyOk(plan, "subtask_delete", {{"target_subtask_id", "2.2"}}, "2.1"),
            "deleted 2.2 'B2'");
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kDone);
  EXPECT_EQ(plan.Find("2")->result, "- B1 (done): r2.1");
  EXPECT_EQ(plan.NextLeaf(), "3");
}

TEST(RefineTest, DeleteAllChildrenMakesALeaf) {
  Plan plan = MakePlan();
  ASSERT_TRUE(plan.Apply("subtask_delete", {{"target_subtask_id", "2.2"}}, "1").ok());
  ASSERT_TRUE(plan.Apply("subtask_delete", {{"target_subtask_id", "2.1"}}, "1").ok());
  EXPECT_TRUE(plan.Find("2")->children.empty());
  EXPECT_EQ(plan.Find("2")->status, SubtaskStatus::kTodo);
}

TEST(RefineTest, Modify) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  const Json args = {{"target_subtask_id", "3"},
                     {"new_data", {{"goal", "new goal"}, {"milestones", {"m1"}}}}};
  EXPECT_EQ(ApplyOk(plan, "subtask_modify", args, "1"), "modified 3: goal, milestones");
  const Subtask* s = plan.Find("3");
  EXPECT_EQ(s->name, "C");
  EXPECT_EQ(s->goal, "new goal");
  EXPECT_EQ(s->milestones, (std::vector<std::string>{"m1"}));
  EXPECT_EQ(
      ApplyOk(plan, "subtask_modify",
              {{"target_subtask_id", "2"}, {"new_data", {{"name", "B'"}, {"criticism", "c"}}}},
              "1"),
      "modified 2: name, criticism");
  EXPECT_EQ(plan.Find("2")->name, "B'");
  EXPECT_EQ(plan.Find("2")->criticism, "c");
}

TEST(RefineTest, RefineDoneChangesNothing) {
  Plan plan = MakePlan();
  const Json before = plan.ToJson();
  EXPECT_EQ(ApplyOk(plan, "plan_refine_done", Json::object(), "1"), "no change (plan_refine_done)");
  EXPECT_EQ(plan.ToJson(), before);
}

TEST(RefineTest, SplitThenAddThenDeleteKeepsIdsConsistent) {
  Plan plan = MakePlan();
  RunSubtask(plan, "1");
  ASSERT_TRUE(
      plan.Apply("subtask_split", {{"target_subtask_id", "3"}, {"subtasks", Specs(2)}}, "1").ok());
  ASSERT_TRUE(
      plan.Apply("subtask_add", {{"target_subtask_id", "2"}, {"subtasks", {Spec("X")}}}, "1").ok());
  ASSERT_TRUE(plan.Apply("subtask_delete", {{"target_subtask_id", "2.1"}}, "1").ok());
  EXPECT_EQ(Ids(plan),
            (std::vector<std::string>{"1 A", "2 B", "2.1 B2", "3 X", "4 C", "4.1 s1", "4.2 s2"}));
  const Result<Plan> back = Plan::FromJson(plan.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(Contains(back->Render("1"), "[x] 1 A: goal of A  <= current\n"));
}

}  // namespace
}  // namespace sextant::planner
