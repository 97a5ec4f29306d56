// The answer check: final_answer's evidence triples verified against a real
// knowledge base file, rethinking below the threshold, and kb_verify.
#include <gtest/gtest.h>

#include "agent/runner.h"
#include "agent/runner_test_util.h"
#include "common/testing/testdata.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/verifier.h"
#include "llm/scripted/scripted_chat_model.h"

namespace sextant::agent {
namespace {

using testing::CallReply;
using testing::PlanReply;
using testing::ReflectReply;
using testing::Spec;
using testing::Submit;

Json Triple(const std::string& s, const std::string& r, const std::string& o) {
  return Json::array({s, r, o});
}

Json Answer(const std::string& answer, Json evidence, const std::string& expect = "") {
  return CallReply("final_answer",
                   {{"answer", answer},
                    {"evidence", std::move(evidence)},
                    {"hints", "The capital of " + answer.substr(0, answer.find(' ')) + "."}},
                   expect);
}

class RunnerVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kb = knowledge::KnowledgeBase::Open(dir_.path() / "kb.sqlite");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(*kb);
    ASSERT_TRUE(kb_->AddTriple({"France", "capital", "Paris", "test", 1.0}).ok());
    ASSERT_TRUE(kb_->AddTriple({"Peru", "capital", "Lima", "test", 1.0}).ok());
    ASSERT_TRUE(kb_->SetRelationFunctional("capital", true).ok());
    verifier_ = std::make_unique<knowledge::Verifier>(*kb_);
    auto store = RunStore::Open(dir_.path() / "runs.sqlite");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  Result<RunOutcome> Run(const Json& responses, RunnerOptions options = {}) {
    auto model = llm::MakeScriptedChatModel(Json{{"responses", responses}});
    if (!model.ok()) return model.status();
    model_ = std::move(*model);
    RunnerDeps deps;
    deps.model = model_.get();
    deps.store = store_.get();
    deps.human = &human_;
    deps.verifier = verifier_.get();
    Runner runner(deps, std::move(options));
    return runner.Start("What is the capital of France?");
  }

  std::vector<Event> EventsOf(const std::string& id, EventType type) {
    std::vector<Event> out;
    auto events = store_->Events(id);
    EXPECT_TRUE(events.ok());
    for (const Event& e : *events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<knowledge::KnowledgeBase> kb_;
  std::unique_ptr<knowledge::Verifier> verifier_;
  std::unique_ptr<RunStore> store_;
  std::unique_ptr<llm::ChatModel> model_;
  AutoHumanChannel human_;
};

TEST_F(RunnerVerifyTest, AContradictedAnswerIsRethoughtWithTheKnowledgeBasesTriples) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("recall", "recall the capital")})),
      Submit("Lyon, I think"),
      ReflectReply(false),
      Answer("France has its capital in Lyon", Json::array({Triple("France", "capital", "Lyon")})),
      Answer("France has its capital in Paris", Json::array({Triple("France", "capital", "Paris")}),
             "Paris"),
  });
  auto outcome = Run(responses);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  EXPECT_EQ(outcome->answer, "France has its capital in Paris");
  const std::vector<Event> checks = EventsOf(outcome->run_id, EventType::kVerification);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_FALSE(checks[0].data.value("reliable", true));
  EXPECT_TRUE(checks[0].data.contains("rethink_prompt"));
  EXPECT_TRUE(checks[1].data.value("reliable", false));
  const std::vector<Event> final = EventsOf(outcome->run_id, EventType::kFinalAnswer);
  ASSERT_EQ(final.size(), 1u);
  EXPECT_TRUE(final[0].data.value("reliable", false));
}

TEST_F(RunnerVerifyTest, RethinkingStopsAfterItsRounds) {
  RunnerOptions options;
  options.max_rethink_rounds = 1;
  const Json wrong = Json::array({Triple("France", "capital", "Lyon")});
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("recall", "recall the capital")})),
      Submit("Lyon"),
      ReflectReply(false),
      Answer("France has its capital in Lyon", wrong),
      Answer("France has its capital in Lyon", wrong, "Paris"),
  });
  auto outcome = Run(responses, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->status, RunStatus::kAnswered);
  EXPECT_EQ(EventsOf(outcome->run_id, EventType::kVerification).size(), 2u);
  const std::vector<Event> final = EventsOf(outcome->run_id, EventType::kFinalAnswer);
  ASSERT_EQ(final.size(), 1u);
  EXPECT_FALSE(final[0].data.value("reliable", true));
}

TEST_F(RunnerVerifyTest, KbVerifyReportsVerdictsToTheModel) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("check", "check the claims")})),
      CallReply("kb_verify", {{"triples", Json::array({Triple("Peru", "capital", "Lima"),
                                                       Triple("Peru", "capital", "Cusco"),
                                                       Triple("Peru", "anthem", "x")})}}),
      Submit("checked", true, "contradicted"),
      ReflectReply(false),
      CallReply("final_answer", {{"answer", "Lima"}}),
  });
  auto outcome = Run(responses);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const std::vector<Event> results = EventsOf(outcome->run_id, EventType::kToolResult);
  ASSERT_EQ(results.size(), 1u);
  const std::string content = results[0].data.value("content", "");
  EXPECT_NE(content.find("(Peru, capital, Lima): supported"), std::string::npos) << content;
  EXPECT_NE(content.find("(Peru, capital, Cusco): contradicted"), std::string::npos) << content;
  EXPECT_NE(content.find("(Peru, anthem, x): unknown"), std::string::npos) << content;
}

}  // namespace
}  // namespace sextant::agent
