// How the agent reaches a person: questions (ask_human), approval of tool
// calls (confirm mode) and plan review (manual mode). The CLI serves it on
// the terminal; the web UI serves it over its WebSocket.
//
// Thread safety: the runner calls one method at a time. Errors: a channel
// that cannot reach its person (closed stdin, ...) returns unavailable; the
// runner then ends the run as interrupted, so that it can be resumed.
#pragma once

#include <cstdio>
#include <string>

#include "common/json.h"
#include "common/status.h"

namespace sextant::agent {

enum class ToolDecisionKind { kApprove, kEdit, kReject };

struct ToolDecision {
  ToolDecisionKind kind = ToolDecisionKind::kApprove;
  Json arguments = Json::object();  // the edited arguments, for kEdit
  std::string reason;               // why, for kReject (shown to the model)
};

enum class PlanDecisionKind { kApprove, kEdit };

struct PlanDecision {
  PlanDecisionKind kind = PlanDecisionKind::kApprove;
  Json plan = nullptr;  // the edited plan (planner::Plan::ToJson form), for kEdit
};

class HumanChannel {
 public:
  virtual ~HumanChannel() = default;
  // The person's answer to the model's question.
  virtual Result<std::string> Ask(const std::string& question) = 0;
  // Approve, edit or reject one tool call before it runs.
  virtual Result<ToolDecision> ConfirmToolCall(const std::string& name, const Json& arguments) = 0;
  // Approve or edit the plan; `rendered` is the plan's text form.
  virtual Result<PlanDecision> ReviewPlan(const Json& plan, const std::string& rendered) = 0;
};

// What ask_human answers when no person is present.
inline constexpr const char* kNoHumanAnswer = "no human available; decide yourself";

// No person: Ask answers kNoHumanAnswer, every tool call and plan is approved.
class AutoHumanChannel final : public HumanChannel {
 public:
  Result<std::string> Ask(const std::string& question) override;
  Result<ToolDecision> ConfirmToolCall(const std::string& name, const Json& arguments) override;
  Result<PlanDecision> ReviewPlan(const Json& plan, const std::string& rendered) override;
};

// A person at a terminal: prompts go to `out`, answers are lines read from
// `in`. Tool calls: "y" (or empty) approves, "n [reason]" rejects, "e" then
// one line of JSON edits the arguments. Plans: "y" (or empty) approves, "e"
// then one line of plan JSON edits. Unreadable answers are asked again, up to
// `max_attempts` times; end of input is unavailable.
class TerminalHumanChannel final : public HumanChannel {
 public:
  TerminalHumanChannel(std::FILE* in, std::FILE* out, int max_attempts = 3);
  Result<std::string> Ask(const std::string& question) override;
  Result<ToolDecision> ConfirmToolCall(const std::string& name, const Json& arguments) override;
  Result<PlanDecision> ReviewPlan(const Json& plan, const std::string& rendered) override;

 private:
  Result<std::string> ReadLine();

  std::FILE* in_;
  std::FILE* out_;
  int max_attempts_;
};

}  // namespace sextant::agent
