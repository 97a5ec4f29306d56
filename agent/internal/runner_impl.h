// The runner's state and phases (see agent/runner.h). Split over
// runner.cpp (runs, plan, reflection, refinement), internal/inner_loop.cpp
// (one subtask), internal/final_phase.cpp (answer, verification, rethinking)
// and internal/model_turn.cpp (model calls and reading their function calls).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/internal/journal.h"
#include "agent/runner.h"
#include "common/json_schema.h"
#include "llm/chat_model.h"
#include "planner/plan.h"

namespace sextant::agent {

// One model reply, as recorded in its llm_call event.
struct ModelTurn {
  std::string text;
  std::vector<llm::ToolCall> calls;
  bool last_step = false;  // the reply was asked for as a subtask's last step
};

// A function call read from a reply, or what was wrong with the reply.
struct CallRead {
  bool ok = false;
  bool structured = false;  // a call was found, though its name or arguments may be wrong
  llm::ToolCall call;
  std::string problem;  // for the model, when !ok
  std::string kind;     // "invalid_reply", "unknown_function", "invalid_arguments"
};

// How one subtask ended.
struct SubtaskEnd {
  bool success = false;
  bool final_answer = false;  // final_answer was called inside the subtask
  std::string result;
  std::string suggestions;
};

// A run that must stop now, and how (cancelled, interrupted, failed).
struct RunStop {
  RunStatus status = RunStatus::kFailed;
  std::string reason;
};

class Runner::Impl {
 public:
  Impl(RunnerDeps deps, RunnerOptions options, RunnerCallbacks callbacks,
       std::atomic<bool>& cancel);

  Result<RunOutcome> Start(std::string_view task, const Json& config);
  Result<RunOutcome> Resume(std::string_view run_id);

  // ---- runner.cpp ----
  Result<RunOutcome> Drive();
  Status CreatePlan();
  Status ReviewPlan();
  Status Reflect(const std::string& id, const SubtaskEnd& end);
  Status Refine(const std::string& id, std::vector<llm::Message> messages);
  Status Stop(const RunStop& stop);
  StateChange WithPlan() const;
  std::string ResultsText() const;

  // ---- internal/inner_loop.cpp ----
  Result<SubtaskEnd> RunSubtask(const std::string& id);
  Result<std::string> RunTool(const std::string& id, const llm::ToolCall& call);
  Result<std::string> AskHuman(const std::string& id, const Json& arguments);
  Result<std::string> VerifyClaims(const std::string& id, const llm::ToolCall& call);
  Status FinishSubtask(const std::string& id, bool success, const std::string& result,
                       const std::string& suggestions);

  // ---- internal/final_phase.cpp ----
  Result<RunOutcome> Finalize();

  // ---- internal/model_turn.cpp ----
  // Calls the model (or takes the recorded reply) for `phase`.
  Result<ModelTurn> CallModel(std::string_view phase, const std::string& subtask,
                              const std::vector<llm::Message>& messages,
                              const std::vector<Json>& tools, bool last_step);
  // The first function call of `turn`, checked against `tools`.
  CallRead ReadCall(const ModelTurn& turn, const std::vector<Json>& tools) const;
  // Appends the reply and what went wrong with it to `messages`, and records an error event.
  Status RecordBadCall(std::string_view phase, const std::string& subtask, const ModelTurn& turn,
                       const CallRead& read, std::vector<llm::Message>& messages);
  // Appends the assistant's call and the observation (cut to the limit).
  void AppendStep(const llm::ToolCall& call, std::string observation,
                  std::vector<llm::Message>& messages) const;
  std::optional<RunStop> CheckLimits() const;
  Status LoadTools();
  const JsonSchema* SchemaFor(std::string_view name) const;

  RunnerDeps deps_;
  RunnerOptions options_;
  RunnerCallbacks callbacks_;
  std::atomic<bool>& cancel_;

  std::unique_ptr<internal::Journal> journal_;
  std::string task_;
  std::optional<planner::Plan> plan_;
  std::vector<Json> server_tools_;
  std::map<std::string, JsonSchema, std::less<>> schemas_;
  std::string session_id_;
  std::int64_t tokens_used_ = 0;
  int calls_ = 0;
  double bytes_per_token_ = 3.0;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::string> lessons_;
  std::optional<RunStop> stop_;       // set when a phase must end the run
  std::optional<Json> early_answer_;  // final_answer's arguments, when called in a subtask
};

// The text of a value that may be a string or any JSON.
std::string JsonText(const Json& value);

}  // namespace sextant::agent
