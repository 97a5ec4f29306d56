#include "agent/context_budget.h"

#include <gtest/gtest.h>

namespace sextant::agent {
namespace {

llm::Message Msg(llm::Role role, std::string content) {
  llm::Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

llm::Message Call(const std::string& id) {
  llm::Message m;
  m.role = llm::Role::kAssistant;
  m.tool_calls.push_back({id, "shell_run", Json{{"command", "ls"}}});
  return m;
}

llm::Message Result(const std::string& id, std::size_t bytes) {
  llm::Message m = Msg(llm::Role::kTool, std::string(bytes, 'x'));
  m.tool_call_id = id;
  return m;
}

std::vector<llm::Message> Conversation(int steps, std::size_t observation_bytes) {
  std::vector<llm::Message> messages = {Msg(llm::Role::kSystem, "system prompt"),
                                        Msg(llm::Role::kUser, "the plan and the subtask")};
  for (int i = 0; i < steps; ++i) {
    messages.push_back(Call("c" + std::to_string(i)));
    messages.push_back(Result("c" + std::to_string(i), observation_bytes));
  }
  return messages;
}

TEST(ContextBudgetTest, LeavesAFittingConversationAlone) {
  std::vector<llm::Message> messages = Conversation(3, 100);
  const std::vector<llm::Message> before = messages;
  ContextBudget budget;
  auto report = FitContext(messages, {}, 2, budget);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(messages, before);
  EXPECT_EQ(report->observations_cut, 0u);
  EXPECT_EQ(report->messages_dropped, 0u);
}

TEST(ContextBudgetTest, CutsOldObservationsFirst) {
  std::vector<llm::Message> messages = Conversation(6, 3000);
  ContextBudget budget;
  budget.context_tokens = 6000;
  budget.reserve_tokens = 1000;
  budget.keep_recent = 2;
  auto report = FitContext(messages, {}, 2, budget);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_LE(report->estimated_tokens, 5000);
  EXPECT_GT(report->observations_cut, 0u);
  EXPECT_EQ(report->messages_dropped, 0u);
  // The newest observation is whole; the oldest is cut with a note.
  EXPECT_EQ(messages.back().content.size(), 3000u);
  EXPECT_NE(messages[3].content.find("bytes cut to fit the context"), std::string::npos);
  EXPECT_EQ(messages[0].content, "system prompt");
}

TEST(ContextBudgetTest, DropsWholeStepsWhenCuttingIsNotEnough) {
  std::vector<llm::Message> messages = Conversation(40, 50);
  ContextBudget budget;
  budget.context_tokens = 900;
  budget.reserve_tokens = 300;
  auto report = FitContext(messages, {}, 2, budget);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->messages_dropped, 0u);
  EXPECT_LE(EstimateTokens(messages, {}, budget.bytes_per_token), 600);
  ASSERT_GE(messages.size(), 3u);
  EXPECT_NE(messages[2].content.find("left out to fit the context"), std::string::npos);
  // Every tool result still follows the assistant call it answers.
  for (std::size_t i = 3; i < messages.size(); ++i) {
    if (messages[i].role == llm::Role::kTool) {
      ASSERT_EQ(messages[i - 1].role, llm::Role::kAssistant);
      EXPECT_EQ(messages[i - 1].tool_calls.at(0).id, messages[i].tool_call_id);
    }
  }
}

TEST(ContextBudgetTest, PinnedHeadTooLargeIsResourceExhausted) {
  std::vector<llm::Message> messages = {Msg(llm::Role::kSystem, std::string(10000, 's')),
                                        Msg(llm::Role::kUser, "task")};
  ContextBudget budget;
  budget.context_tokens = 2000;
  budget.reserve_tokens = 500;
  auto report = FitContext(messages, {}, 2, budget);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(report.status().message().find("context"), std::string::npos);
}

TEST(ContextBudgetTest, ToolsCountTowardsTheBudget) {
  std::vector<llm::Message> messages = Conversation(1, 10);
  const std::vector<Json> tools(
      50, Json{{"type", "function"}, {"function", {{"name", std::string(200, 'n')}}}});
  EXPECT_GT(EstimateTokens(messages, tools, 3.0), EstimateTokens(messages, {}, 3.0) + 3000);
}

TEST(ContextBudgetTest, ObservedBytesPerToken) {
  std::vector<llm::Message> messages = Conversation(2, 100);
  EXPECT_EQ(ObservedBytesPerToken(messages, {}, 0), 0);
  EXPECT_GT(ObservedBytesPerToken(messages, {}, 10), 10);
}

}  // namespace
}  // namespace sextant::agent
