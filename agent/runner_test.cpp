// The runner end to end in-process: scripted model, real SQLite run store,
// no ToolServer (built-in functions only). The ToolServer paths run in
// cli/run_cmd_test.cpp against the real server process.
#include "agent/runner.h"

#include <gtest/gtest.h>

#include "agent/runner_test_util.h"
#include "common/testing/testdata.h"
#include "llm/scripted/scripted_chat_model.h"
#include "planner/plan.h"

namespace sextant::agent {
namespace {

using testing::CallReply;
using testing::FinalReply;
using testing::PlanReply;
using testing::ReflectReply;
using testing::Spec;
using testing::Submit;
using testing::TextReply;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = RunStore::Open(dir_.path() / "runs.sqlite");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  Result<RunOutcome> Run(const Json& responses, RunnerOptions options = {}, std::size_t skip = 0,
                         const std::string& resume_id = "") {
    llm::ScriptedOptions scripted;
    scripted.start_index = skip;
    auto model = llm::MakeScriptedChatModel(Json{{"responses", responses}}, scripted);
    if (!model.ok()) return model.status();
    model_ = std::move(*model);
    RunnerDeps deps;
    deps.model = model_.get();
    deps.store = store_.get();
    deps.human = &human_;
    RunnerCallbacks callbacks;
    callbacks.on_event = [this](const Event& e) {
      seen_.push_back(e);
      if (cancel_at_ == e.type && runner_ != nullptr) runner_->Cancel();
    };
    Runner runner(deps, std::move(options), callbacks);
    runner_ = &runner;
    Result<RunOutcome> outcome =
        resume_id.empty() ? runner.Start("find the answer") : runner.Resume(resume_id);
    runner_ = nullptr;
    return outcome;
  }

  std::vector<Event> Events(const std::string& id) {
    auto events = store_->Events(id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<Event>{};
  }

  static std::size_t Count(const std::vector<Event>& events, EventType type) {
    std::size_t n = 0;
    for (const Event& e : events) n += e.type == type ? 1 : 0;
    return n;
  }

  static void ExpectContiguous(const std::vector<Event>& events) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].seq, static_cast<std::int64_t>(i + 1));
    }
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<RunStore> store_;
  std::unique_ptr<llm::ChatModel> model_;
  AutoHumanChannel human_;
  std::vector<Event> seen_;
  std::optional<EventType> cancel_at_;
  Runner* runner_ = nullptr;
};

Json TwoSubtasksWithSplit() {
  return Json::array({
      PlanReply(Json::array({Spec("look", "look around"), Spec("decide", "decide")})),
      CallReply("ask_human", {{"question", "what colour?"}}, "Current subtask 1"),
      Submit("saw red", true, kNoHumanAnswer),
      ReflectReply(true, "Subtask 1 (look) ended: succeeded"),
      CallReply("subtask_split",
                {{"target_subtask_id", "2"},
                 {"subtasks", Json::array({Spec("weigh", "weigh"), Spec("pick", "pick")})}}),
      CallReply("plan_refine_done", Json::object(), "weigh"),
      Submit("weighed", true, "Current subtask 2.1"),
      ReflectReply(false),
      Submit("picked", true, "Current subtask 2.2"),
      ReflectReply(false),
      FinalReply("42", "saw red"),
  });
}

TEST_F(RunnerTest, PlansSplitsAndAnswers) {
  auto outcome = Run(TwoSubtasksWithSplit());
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  EXPECT_EQ(outcome->answer, "42");
  const std::vector<Event> events = Events(outcome->run_id);
  ExpectContiguous(events);
  EXPECT_EQ(Count(events, EventType::kLlmCall), 11u);
  EXPECT_EQ(Count(events, EventType::kPlanChanged), 1u);
  EXPECT_EQ(Count(events, EventType::kSubtaskStarted), 3u);
  EXPECT_EQ(Count(events, EventType::kHumanResponse), 1u);
  EXPECT_EQ(events.back().type, EventType::kFinalAnswer);
  auto run = store_->GetRun(outcome->run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kAnswered);
  EXPECT_EQ(run->answer, "42");
  auto plan_json = store_->LatestPlan(outcome->run_id);
  ASSERT_TRUE(plan_json.ok() && plan_json->has_value());
  auto plan = planner::Plan::FromJson(**plan_json);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_NE(plan->Find("2.2"), nullptr);
  EXPECT_EQ(plan->Find("2.2")->status, planner::SubtaskStatus::kDone);
  EXPECT_EQ(plan->Find("2")->status, planner::SubtaskStatus::kDone);
  // Observers saw exactly what was stored.
  ASSERT_EQ(seen_.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(seen_[i].seq, events[i].seq);
}

TEST_F(RunnerTest, ModelErrorsBecomeObservations) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      TextReply("I will think about it first."),
      TextReply("```json\n{'name': 'ask_human', 'arguments': {'question': 'ok?',},}\n```",
                "not a function call"),
      CallReply("ask_humman", {{"question", "x"}}, kNoHumanAnswer),
      CallReply("subtask_submit", {{"result", 5}}, "Did you mean: ask_human"),
      Submit("done", true, "/result"),
      ReflectReply(false),
      FinalReply("ok"),
  });
  auto outcome = Run(responses);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  const std::vector<Event> events = Events(outcome->run_id);
  std::vector<std::string> kinds;
  for (const Event& e : events) {
    if (e.type == EventType::kError) kinds.push_back(e.data.value("kind", ""));
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"invalid_reply", "unknown_function", "invalid_arguments"}));
}

TEST_F(RunnerTest, InvalidPlansAreRetriedThenTheRunFails) {
  RunnerOptions options;
  options.max_model_retries = 1;
  const Json responses = Json::array({
      PlanReply(Json::array()),
      PlanReply(Json::array({Spec("", "")})),
  });
  auto outcome = Run(responses, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kFailed);
  const std::vector<Event> events = Events(outcome->run_id);
  EXPECT_EQ(Count(events, EventType::kError), 2u);
  EXPECT_EQ(events.back().type, EventType::kRunStatus);
  EXPECT_NE(events.back().data.value("reason", "").find("no valid plan"), std::string::npos);
}

TEST_F(RunnerTest, TheLastStepMustSubmit) {
  RunnerOptions options;
  options.max_steps = 2;
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      CallReply("ask_human", {{"question", "x"}}),
      CallReply("ask_human", {{"question", "again"}}, "last step"),
      ReflectReply(false, "failed"),
      FinalReply("gave up"),
  });
  auto outcome = Run(responses, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const std::vector<Event> events = Events(outcome->run_id);
  const auto finished = std::find_if(events.begin(), events.end(), [](const Event& e) {
    return e.type == EventType::kSubtaskFinished;
  });
  ASSERT_NE(finished, events.end());
  EXPECT_FALSE(finished->data.value("success", true));
  EXPECT_NE(finished->data.value("result", "").find("last step"), std::string::npos);
}

TEST_F(RunnerTest, ResumesAfterTheModelFailsMidRun) {
  const Json all = TwoSubtasksWithSplit();
  Json first = Json::array();
  for (std::size_t i = 0; i < 7; ++i) first.push_back(all[i]);
  auto broken = Run(first);
  ASSERT_FALSE(broken.ok());
  auto runs = store_->ListRuns(1);
  ASSERT_TRUE(runs.ok() && runs->size() == 1);
  const std::string id = runs->front().id;
  EXPECT_EQ(runs->front().status, RunStatus::kFailed);
  const std::vector<Event> before = Events(id);
  ASSERT_EQ(Count(before, EventType::kLlmCall), 7u);

  seen_.clear();
  auto outcome = Run(all, {}, Count(before, EventType::kLlmCall), id);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  EXPECT_EQ(outcome->answer, "42");
  const std::vector<Event> after = Events(id);
  ExpectContiguous(after);
  // Nothing recorded before was written again.
  EXPECT_EQ(Count(after, EventType::kLlmCall), 11u);
  EXPECT_EQ(Count(after, EventType::kHumanResponse), 1u);
  EXPECT_EQ(Count(after, EventType::kPlanCreated), 1u);
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].type, before[i].type);
    EXPECT_EQ(after[i].data, before[i].data);
  }
}

TEST_F(RunnerTest, CancelThenResume) {
  cancel_at_ = EventType::kSubtaskFinished;
  auto cancelled = Run(TwoSubtasksWithSplit());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->status, RunStatus::kCancelled);
  auto run = store_->GetRun(cancelled->run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kCancelled);
  const std::size_t calls = Count(Events(cancelled->run_id), EventType::kLlmCall);

  cancel_at_.reset();
  auto outcome = Run(TwoSubtasksWithSplit(), {}, calls, cancelled->run_id);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  EXPECT_EQ(Count(Events(cancelled->run_id), EventType::kLlmCall), 11u);
}

TEST_F(RunnerTest, AnAnsweredRunIsNotResumed) {
  auto outcome = Run(TwoSubtasksWithSplit());
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  auto again = Run(TwoSubtasksWithSplit(), {}, 11, outcome->run_id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(RunnerTest, TokenBudgetEndsTheRun) {
  RunnerOptions options;
  options.max_total_tokens = 1;
  auto outcome = Run(TwoSubtasksWithSplit(), options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kFailed);
  const std::vector<Event> events = Events(outcome->run_id);
  EXPECT_EQ(Count(events, EventType::kLlmCall), 1u);
  EXPECT_NE(events.back().data.value("reason", "").find("agent.max_total_tokens"),
            std::string::npos);
}

TEST_F(RunnerTest, FinalAnswerInsideASubtaskEndsTheRun) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("a", "a"), Spec("b", "b")})),
      FinalReply("early"),
  });
  auto outcome = Run(responses);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->answer, "early");
  auto plan_json = store_->LatestPlan(outcome->run_id);
  ASSERT_TRUE(plan_json.ok() && plan_json->has_value());
  auto plan = planner::Plan::FromJson(**plan_json);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->Find("2")->status, planner::SubtaskStatus::kSkipped);
}

}  // namespace
}  // namespace sextant::agent

namespace sextant::agent {
namespace {

// A person who approves the first plan review and rewrites subtask 2's goal
// at the second, then approves the rest.
class PlanEditor final : public HumanChannel {
 public:
  Result<std::string> Ask(const std::string& /*question*/) override { return std::string("ok"); }
  Result<ToolDecision> ConfirmToolCall(const std::string& /*name*/,
                                       const Json& /*arguments*/) override {
    return ToolDecision{};
  }
  Result<PlanDecision> ReviewPlan(const Json& plan, const std::string& rendered) override {
    reviews.push_back(rendered);
    if (reviews.size() != 2) return PlanDecision{};
    PlanDecision edit;
    edit.kind = PlanDecisionKind::kEdit;
    edit.plan = plan;
    edit.plan["subtasks"][1]["goal"] = "a goal the person wrote";
    return edit;
  }
  std::vector<std::string> reviews;
};

TEST_F(RunnerTest, ManualModeLetsThePersonEditThePlanBetweenSubtasks) {
  PlanEditor editor;
  auto model = llm::MakeScriptedChatModel(
      Json{{"responses", Json::array({
                             PlanReply(Json::array({Spec("a", "first"), Spec("b", "second")})),
                             Submit("did a"),
                             ReflectReply(false),
                             Submit("did b", true, "a goal the person wrote"),
                             ReflectReply(false),
                             FinalReply("both"),
                         })}});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  RunnerDeps deps;
  deps.model = model->get();
  deps.store = store_.get();
  deps.human = &editor;
  RunnerOptions options;
  options.mode = RunMode::kManual;
  Runner runner(deps, options);
  auto outcome = runner.Start("two things");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  ASSERT_EQ(editor.reviews.size(), 2u);
  EXPECT_NE(editor.reviews[1].find("[x] 1 a"), std::string::npos) << editor.reviews[1];
  const std::vector<Event> events = Events(outcome->run_id);
  EXPECT_EQ(Count(events, EventType::kHumanRequest), 2u);
  std::size_t human_changes = 0;
  for (const Event& e : events) {
    if (e.type == EventType::kPlanChanged && e.data.value("source", "") == "human") {
      ++human_changes;
    }
  }
  EXPECT_EQ(human_changes, 1u);
}

TEST_F(RunnerTest, ManualModeRejectsAnInvalidEditedPlanAndAsksAgain) {
  class BadThenGood final : public HumanChannel {
   public:
    Result<std::string> Ask(const std::string& question) override {
      asked = question;
      return std::string();
    }
    Result<ToolDecision> ConfirmToolCall(const std::string&, const Json&) override {
      return ToolDecision{};
    }
    Result<PlanDecision> ReviewPlan(const Json&, const std::string&) override {
      if (++reviews > 1) return PlanDecision{};
      PlanDecision edit;
      edit.kind = PlanDecisionKind::kEdit;
      edit.plan = Json{{"subtasks", "not a list"}};
      return edit;
    }
    int reviews = 0;
    std::string asked;
  } person;
  auto model = llm::MakeScriptedChatModel(
      Json{{"responses", Json::array({PlanReply(Json::array({Spec("a", "first")})), Submit("ok"),
                                      ReflectReply(false), FinalReply("done")})}});
  ASSERT_TRUE(model.ok());
  RunnerDeps deps;
  deps.model = model->get();
  deps.store = store_.get();
  deps.human = &person;
  RunnerOptions options;
  options.mode = RunMode::kManual;
  Runner runner(deps, options);
  auto outcome = runner.Start("one thing");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  EXPECT_EQ(person.reviews, 2);
  EXPECT_NE(person.asked.find("not valid"), std::string::npos) << person.asked;
}

}  // namespace
}  // namespace sextant::agent
