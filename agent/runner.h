// The dual-loop agent (DESIGN §2). The outer loop has the model write a plan
// (planner::Plan), takes its subtasks depth-first, reflects after each and
// refines what is left. The inner loop carries out one subtask, one function
// call per step, on the ToolServer and the built-ins (subtask_submit,
// ask_human, final_answer, kb_verify). Every step is an event in the run
// store; a run that stopped resumes from its log, and a finished one replays.
//
// Ownership: the runner borrows everything in RunnerDeps; they must outlive
// it. Thread safety: one Start or Resume at a time; the cancel flag may be
// set from any thread or a signal handler.
// Errors: what the model gets wrong goes back to the model as an observation
// (unparseable JSON, an unknown tool, arguments that fail the schema, a
// tool's own error). Internal faults (the store, the ToolServer unreachable,
// a model backend error) end the run with an error event and a Status.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/human_channel.h"
#include "agent/prompts.h"
#include "agent/run_store.h"
#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"
#include "planner/plan.h"

namespace sextant::toolserver {
class ToolServerClient;
}  // namespace sextant::toolserver

namespace sextant::knowledge {
class Verifier;
}  // namespace sextant::knowledge

namespace sextant::agent {

enum class RunMode { kAuto, kConfirm, kManual };
std::string_view RunModeName(RunMode mode);  // "auto", "confirm", "manual"
Result<RunMode> ParseRunMode(std::string_view name);

struct RunnerOptions {
  RunMode mode = RunMode::kAuto;
  int max_steps = 10;          // inner-loop steps per subtask; the last one forces subtask_submit
  int max_refine_rounds = 3;   // plan changes after one subtask
  int max_model_retries = 3;   // invalid replies in a row before a phase gives up
  int max_rethink_rounds = 3;  // answers rethought after a failed verification
  std::int64_t max_total_tokens = 0;       // prompt plus completion over the run; 0: no limit
  std::chrono::seconds subtask_time{600};  // past it, the next step must submit
  std::chrono::seconds run_time{0};        // 0: no limit
  std::chrono::milliseconds tool_timeout{60'000};
  std::size_t max_observation_bytes = 8192;  // a tool result as the model sees it
  double reliability_threshold = 0.6;
  planner::PlanLimits plan_limits;
  llm::ChatOptions chat;  // max_tokens is also the context reserve
  PromptSet prompts = PromptSet::Embedded();
};

struct RunnerDeps {
  llm::ChatModel* model = nullptr;                // required
  toolserver::ToolServerClient* tools = nullptr;  // optional: no ToolServer tools without it
  RunStore* store = nullptr;                      // required
  HumanChannel* human = nullptr;                  // required
  knowledge::Verifier* verifier = nullptr;        // optional: kb_verify and answer checks
};

struct RunnerCallbacks {
  std::function<void(const Event&)> on_event;               // every event, replayed ones too
  std::function<void(std::string_view phase)> on_thinking;  // a model call starts
  std::function<void(std::string_view text)> on_token;      // streamed model text
};

struct RunOutcome {
  std::string run_id;
  RunStatus status = RunStatus::kRunning;
  std::string answer;
};

class Runner {
 public:
  Runner(RunnerDeps deps, RunnerOptions options, RunnerCallbacks callbacks = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Starts a new run of `task`; `config` is recorded with it.
  Result<RunOutcome> Start(std::string_view task, const Json& config = Json::object());
  // Continues a run that was interrupted, cancelled or killed. A run that
  // already answered is failed_precondition.
  Result<RunOutcome> Resume(std::string_view run_id);
  // Asks the run to stop at the next step; it ends as cancelled and can be
  // resumed. Safe from a signal handler.
  void Cancel();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> cancel_{false};
};

}  // namespace sextant::agent
