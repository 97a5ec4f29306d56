#include <chrono>
#include <string>

#include "agent/builtin_tools.h"
#include "agent/internal/runner_impl.h"
#include "toolserver/client.h"

namespace sextant::agent {
namespace {

std::string Milestones(const planner::Subtask& subtask) {
  std::string text;
  for (const std::string& m : subtask.milestones) text += "- " + m + "\n";
  return text.empty() ? "(none)\n" : text;
}

llm::Message Text(llm::Role role, std::string content) {
  llm::Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

std::string ToolResultText(const Json& result) {
  if (result.value("ok", false)) {
    std::string text = result.value("content", std::string());
    return text.empty() ? "(the call succeeded with no output)" : text;
  }
  const Json error = result.value("error", Json::object());
  std::string text = "Error " + error.value("code", std::string("tool_error")) + ": " +
                     error.value("message", std::string());
  if (const std::string content = result.value("content", std::string()); !content.empty()) {
    text += "\n" + content;
  }
  if (error.contains("details")) text += "\nDetails: " + DumpJson(error.at("details"));
  return text;
}

}  // namespace

Status Runner::Impl::FinishSubtask(const std::string& id, bool success, const std::string& result,
                                   const std::string& suggestions) {
  SEXTANT_RETURN_IF_ERROR(plan_->Finish(id, success, result));
  return journal_->Emit(
      EventType::kSubtaskFinished,
      Json{{"id", id}, {"success", success}, {"result", result}, {"suggestions", suggestions}},
      WithPlan());
}

Result<SubtaskEnd> Runner::Impl::RunSubtask(const std::string& id) {
  SEXTANT_RETURN_IF_ERROR(plan_->Start(id));
  const planner::Subtask& subtask = *plan_->Find(id);
  SEXTANT_RETURN_IF_ERROR(
      journal_->Emit(EventType::kSubtaskStarted,
                     Json{{"id", id}, {"name", subtask.name}, {"goal", subtask.goal}}, WithPlan()));
  const std::map<std::string, std::string> vars = {
      {"task", task_},
      {"plan", plan_->Render(id)},
      {"results", ResultsText()},
      {"subtask_id", id},
      {"subtask_name", subtask.name},
      {"subtask_goal", subtask.goal},
      {"subtask_criticism", subtask.criticism.empty() ? "(none)" : subtask.criticism},
      {"subtask_milestones", Milestones(subtask)},
      {"max_steps", std::to_string(options_.max_steps)}};
  std::vector<llm::Message> messages = {
      Text(llm::Role::kSystem, FillPrompt(options_.prompts.Get("tool_system"), vars)),
      Text(llm::Role::kUser, FillPrompt(options_.prompts.Get("tool_user"), vars))};
  std::vector<Json> tools = server_tools_;
  tools.push_back(SubtaskSubmitTool());
  tools.push_back(AskHumanTool());
  tools.push_back(FinalAnswerTool());
  if (deps_.verifier != nullptr) tools.push_back(KbVerifyTool());
  const std::vector<Json> submit_only = {SubtaskSubmitTool()};

  const auto subtask_start = std::chrono::steady_clock::now();
  int bad_replies = 0;
  for (int step = 0; step < options_.max_steps; ++step) {
    if (auto stop = CheckLimits()) {
      stop_ = stop;
      return SubtaskEnd{};
    }
    const bool out_of_time =
        !journal_->replaying() &&
        std::chrono::steady_clock::now() - subtask_start > options_.subtask_time;
    const bool last = step == options_.max_steps - 1 || out_of_time;
    std::vector<llm::Message> asked = messages;
    if (last) asked.push_back(Text(llm::Role::kUser, options_.prompts.Get("last_step")));
    SEXTANT_ASSIGN_OR_RETURN(ModelTurn turn,
                             CallModel("tool", id, asked, last ? submit_only : tools, last));
    if (stop_) return SubtaskEnd{};
    const std::vector<Json>& offered = turn.last_step ? submit_only : tools;
    CallRead read = ReadCall(turn, offered);
    if (!read.ok) {
      SEXTANT_RETURN_IF_ERROR(RecordBadCall("tool", id, turn, read, messages));
      if (turn.last_step || ++bad_replies > options_.max_model_retries) {
        const std::string why = turn.last_step ? "the last step did not submit: " + read.problem
                                               : "the model gave " + std::to_string(bad_replies) +
                                                     " invalid replies in a row";
        SEXTANT_RETURN_IF_ERROR(FinishSubtask(id, false, why, ""));
        return SubtaskEnd{false, false, why, ""};
      }
      continue;
    }
    bad_replies = 0;
    const llm::ToolCall& call = read.call;
    if (call.name == kSubtaskSubmit) {
      SubtaskEnd end;
      end.success = call.arguments.value("success", false);
      end.result = JsonText(call.arguments.value("result", Json("")));
      end.suggestions = JsonText(call.arguments.value("suggestions", Json("")));
      SEXTANT_RETURN_IF_ERROR(FinishSubtask(id, end.success, end.result, end.suggestions));
      return end;
    }
    if (call.name == kFinalAnswer) {
      SubtaskEnd end{true, true, JsonText(call.arguments.value("answer", Json(""))), ""};
      early_answer_ = call.arguments;
      SEXTANT_RETURN_IF_ERROR(FinishSubtask(id, true, end.result, ""));
      plan_->SkipRemaining();
      return end;
    }
    std::string observation;
    if (call.name == kAskHuman) {
      SEXTANT_ASSIGN_OR_RETURN(observation, AskHuman(id, call.arguments));
    } else if (call.name == kKbVerify && deps_.verifier != nullptr) {
      SEXTANT_ASSIGN_OR_RETURN(observation, VerifyClaims(id, call));
    } else {
      SEXTANT_ASSIGN_OR_RETURN(observation, RunTool(id, call));
    }
    if (stop_) return SubtaskEnd{};
    AppendStep(call, std::move(observation), messages);
  }
  const std::string why = "the step limit of " + std::to_string(options_.max_steps) +
                          " was reached without subtask_submit";
  SEXTANT_RETURN_IF_ERROR(FinishSubtask(id, false, why, ""));
  return SubtaskEnd{false, false, why, ""};
}

Result<std::string> Runner::Impl::AskHuman(const std::string& id, const Json& arguments) {
  const std::string question = arguments.value("question", std::string());
  SEXTANT_RETURN_IF_ERROR(
      journal_->Emit(EventType::kHumanRequest,
                     Json{{"subtask", id}, {"kind", "question"}, {"question", question}}));
  Result<Json> response = journal_->Outcome(EventType::kHumanResponse, [&]() -> Result<Json> {
    SEXTANT_ASSIGN_OR_RETURN(std::string answer, deps_.human->Ask(question));
    return Json{{"kind", "question"}, {"answer", answer}};
  });
  if (!response.ok()) {
    if (response.status().code() != StatusCode::kUnavailable) return response.status();
    stop_ = RunStop{RunStatus::kInterrupted,
                    "no answer from the person: " + response.status().message()};
    return std::string();
  }
  return "The user answered: " + response->value("answer", std::string());
}

Result<std::string> Runner::Impl::RunTool(const std::string& id, const llm::ToolCall& asked) {
  llm::ToolCall call = asked;
  if (options_.mode != RunMode::kAuto) {
    SEXTANT_RETURN_IF_ERROR(
        journal_->Emit(EventType::kHumanRequest, Json{{"subtask", id},
                                                      {"kind", "tool_call"},
                                                      {"name", call.name},
                                                      {"arguments", call.arguments}}));
    Result<Json> decision = journal_->Outcome(EventType::kHumanResponse, [&]() -> Result<Json> {
      SEXTANT_ASSIGN_OR_RETURN(ToolDecision d,
                               deps_.human->ConfirmToolCall(call.name, call.arguments));
      const char* kind = d.kind == ToolDecisionKind::kApprove ? "approve"
                         : d.kind == ToolDecisionKind::kEdit  ? "edit"
                                                              : "reject";
      return Json{{"kind", "tool_call"},
                  {"decision", kind},
                  {"arguments", d.arguments},
                  {"reason", d.reason}};
    });
    if (!decision.ok()) {
      if (decision.status().code() != StatusCode::kUnavailable) return decision.status();
      stop_ = RunStop{RunStatus::kInterrupted,
                      "no answer from the person: " + decision.status().message()};
      return std::string();
    }
    const std::string kind = decision->value("decision", std::string("approve"));
    if (kind == "reject") {
      const std::string reason = decision->value("reason", std::string());
      return "The user rejected this call" + (reason.empty() ? "." : ": " + reason);
    }
    if (kind == "edit") {
      call.arguments = decision->value("arguments", Json::object());
      if (const JsonSchema* schema = SchemaFor(call.name)) {
        const std::vector<SchemaError> errors = schema->Validate(call.arguments);
        if (!errors.empty()) {
          return "The user's edited arguments do not fit the schema at " +
                 (errors[0].instance_location.empty() ? std::string("/")
                                                      : errors[0].instance_location) +
                 ": " + errors[0].message + ". The call was not run.";
        }
      }
    }
  }
  SEXTANT_RETURN_IF_ERROR(journal_->Emit(EventType::kToolCall, Json{{"subtask", id},
                                                                    {"name", call.name},
                                                                    {"arguments", call.arguments},
                                                                    {"call_id", call.id}}));
  const bool cut_off = journal_->CallWasCutOff();
  SEXTANT_ASSIGN_OR_RETURN(
      Json result, journal_->Outcome(EventType::kToolResult, [&]() -> Result<Json> {
        Json out = {{"subtask", id}, {"name", call.name}, {"call_id", call.id}};
        if (cut_off) {
          out["ok"] = false;
          out["error"] = {{"code", "interrupted"},
                          {"message",
                           "the run stopped while this call was running; it may or "
                           "may not have taken effect, so check before repeating it"}};
          return out;
        }
        if (deps_.tools == nullptr) {
          return Status(StatusCode::kFailedPrecondition, "no ToolServer for '" + call.name + "'");
        }
        const auto deadline = std::chrono::steady_clock::now() + options_.tool_timeout;
        SEXTANT_ASSIGN_OR_RETURN(
            toolserver::CallResult r,
            deps_.tools->Call(session_id_, call.name, call.arguments, deadline));
        out["ok"] = r.ok;
        out["content"] = r.content;
        out["data"] = r.data;
        out["duration_ms"] = r.duration_ms;
        if (!r.ok) {
          out["error"] = r.error.is_object()
                             ? r.error
                             : Json{{"code", r.error_code}, {"message", r.error_message}};
        }
        return out;
      }));
  return ToolResultText(result);
}

}  // namespace sextant::agent
