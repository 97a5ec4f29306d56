#include "agent/human_channel.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace sextant::agent {
namespace {

// A terminal whose input is `input` and whose output is collected.
class FakeTerminal {
 public:
  explicit FakeTerminal(std::string input) : input_(std::move(input)) {
    in_ = fmemopen(input_.data(), input_.size(), "r");
    out_ = open_memstream(&out_buf_, &out_size_);
  }
  ~FakeTerminal() {
    std::fclose(in_);
    std::fclose(out_);
    std::free(out_buf_);
  }
  FakeTerminal(const FakeTerminal&) = delete;
  FakeTerminal& operator=(const FakeTerminal&) = delete;
  std::FILE* in() { return in_; }
  std::FILE* out() { return out_; }
  std::string output() {
    std::fflush(out_);
    return std::string(out_buf_, out_size_);
  }

 private:
  std::string input_;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
  char* out_buf_ = nullptr;
  std::size_t out_size_ = 0;
};

TEST(HumanChannelTest, AutoAnswersThatNoOneIsThere) {
  AutoHumanChannel channel;
  auto answer = channel.Ask("which colour?");
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(*answer, kNoHumanAnswer);
  auto decision = channel.ConfirmToolCall("shell_run", Json::object());
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->kind, ToolDecisionKind::kApprove);
}

TEST(HumanChannelTest, TerminalReadsAnAnswer) {
  FakeTerminal term("  blue  \n");
  TerminalHumanChannel channel(term.in(), term.out());
  auto answer = channel.Ask("which colour?");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(*answer, "blue");
  EXPECT_NE(term.output().find("which colour?"), std::string::npos);
}

TEST(HumanChannelTest, TerminalApprovesRejectsAndEdits) {
  FakeTerminal term("\nn too risky\ne\n{\"command\": \"ls\"}\n");
  TerminalHumanChannel channel(term.in(), term.out());
  auto approve = channel.ConfirmToolCall("shell_run", Json{{"command", "rm -rf x"}});
  ASSERT_TRUE(approve.ok());
  EXPECT_EQ(approve->kind, ToolDecisionKind::kApprove);
  auto reject = channel.ConfirmToolCall("shell_run", Json{{"command", "rm -rf x"}});
  ASSERT_TRUE(reject.ok());
  EXPECT_EQ(reject->kind, ToolDecisionKind::kReject);
  EXPECT_EQ(reject->reason, "too risky");
  auto edit = channel.ConfirmToolCall("shell_run", Json{{"command", "rm -rf x"}});
  ASSERT_TRUE(edit.ok());
  EXPECT_EQ(edit->kind, ToolDecisionKind::kEdit);
  EXPECT_EQ(edit->arguments, (Json{{"command", "ls"}}));
  EXPECT_NE(term.output().find("rm -rf x"), std::string::npos);
}

TEST(HumanChannelTest, BadAnswersAreAskedAgainThenGiveUp) {
  FakeTerminal term("maybe\ne\nnot json\nwhat\n");
  TerminalHumanChannel channel(term.in(), term.out(), 3);
  auto decision = channel.ConfirmToolCall("shell_run", Json::object());
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(term.output().find("not a JSON object"), std::string::npos);
}

TEST(HumanChannelTest, EndOfInputIsUnavailable) {
  FakeTerminal term("");
  TerminalHumanChannel channel(term.in(), term.out());
  auto answer = channel.Ask("anyone?");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
}

TEST(HumanChannelTest, PlanReviewEdit) {
  FakeTerminal term("e\n{\"roots\": []}\n");
  TerminalHumanChannel channel(term.in(), term.out());
  auto decision = channel.ReviewPlan(Json::object(), "[ ] 1 a: b");
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->kind, PlanDecisionKind::kEdit);
  EXPECT_EQ(decision->plan, (Json{{"roots", Json::array()}}));
  EXPECT_NE(term.output().find("[ ] 1 a: b"), std::string::npos);
}

}  // namespace
}  // namespace sextant::agent
