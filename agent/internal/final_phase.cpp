#include <string>

#include "agent/builtin_tools.h"
#include "agent/internal/runner_impl.h"
#include "knowledge/cok.h"
#include "knowledge/verifier.h"

namespace sextant::agent {
namespace {

std::vector<knowledge::Triple> TriplesOf(const Json& list) {
  std::vector<knowledge::Triple> triples;
  if (!list.is_array()) return triples;
  for (const Json& t : list) {
    if (t.is_array() && t.size() == 3 && t[0].is_string() && t[1].is_string() && t[2].is_string()) {
      triples.push_back(
          {t[0].get<std::string>(), t[1].get<std::string>(), t[2].get<std::string>()});
    }
  }
  return triples;
}

knowledge::CokAnswer CokOf(const Json& arguments) {
  knowledge::CokAnswer answer;
  answer.triples = TriplesOf(arguments.value("evidence", Json::array()));
  answer.hints = arguments.value("hints", std::string());
  answer.answer = arguments.value("answer", std::string());
  return answer;
}

std::string VerdictLines(const std::vector<knowledge::TripleVerification>& verdicts) {
  std::string text;
  for (const knowledge::TripleVerification& v : verdicts) {
    text += "(" + v.triple.subject + ", " + v.triple.relation + ", " + v.triple.object +
            "): " + std::string(knowledge::VerdictName(v.verdict)) + " (score " +
            std::to_string(v.score).substr(0, 4) + ") " + v.explanation + "\n";
  }
  return text;
}

llm::Message Text(llm::Role role, std::string content) {
  llm::Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

}  // namespace

Result<std::string> Runner::Impl::VerifyClaims(const std::string& id, const llm::ToolCall& call) {
  SEXTANT_RETURN_IF_ERROR(journal_->Emit(EventType::kToolCall, Json{{"subtask", id},
                                                                    {"name", call.name},
                                                                    {"arguments", call.arguments},
                                                                    {"call_id", call.id},
                                                                    {"builtin", true}}));
  SEXTANT_ASSIGN_OR_RETURN(
      Json result, journal_->Outcome(EventType::kToolResult, [&]() -> Result<Json> {
        std::vector<knowledge::TripleVerification> verdicts;
        Json data = Json::array();
        for (const knowledge::Triple& t : TriplesOf(call.arguments.value("triples", Json()))) {
          SEXTANT_ASSIGN_OR_RETURN(knowledge::TripleVerification v,
                                   deps_.verifier->VerifyTriple(t));
          data.push_back(knowledge::ToJson(v));
          verdicts.push_back(std::move(v));
        }
        return Json{{"subtask", id},
                    {"name", call.name},
                    {"call_id", call.id},
                    {"ok", true},
                    {"content", VerdictLines(verdicts)},
                    {"data", data}};
      }));
  return result.value("content", std::string());
}

Result<RunOutcome> Runner::Impl::Finalize() {
  const std::map<std::string, std::string> vars = {{"task", task_}, {"results", ResultsText()}};
  std::vector<llm::Message> messages = {
      Text(llm::Role::kSystem, FillPrompt(options_.prompts.Get("tool_system"), vars)),
      Text(llm::Role::kUser, FillPrompt(options_.prompts.Get("final"), vars))};
  const std::vector<Json> tools = {FinalAnswerTool()};
  std::optional<Json> candidate = early_answer_;
  std::optional<llm::ToolCall> candidate_call;
  Json verification = nullptr;
  int bad_replies = 0;
  for (int rethinks = 0;;) {
    if (!candidate) {
      if (auto stop = CheckLimits()) {
        SEXTANT_RETURN_IF_ERROR(Stop(*stop));
        return RunOutcome{journal_->run_id(), stop->status, ""};
      }
      SEXTANT_ASSIGN_OR_RETURN(ModelTurn turn, CallModel(rethinks > 0 ? "rethink" : "final", "",
                                                         messages, tools, false));
      if (stop_) {
        SEXTANT_RETURN_IF_ERROR(Stop(*stop_));
        return RunOutcome{journal_->run_id(), stop_->status, ""};
      }
      CallRead read = ReadCall(turn, tools);
      if (!read.ok) {
        SEXTANT_RETURN_IF_ERROR(RecordBadCall("final", "", turn, read, messages));
        if (++bad_replies > options_.max_model_retries) {
          const RunStop stop{RunStatus::kFailed, "the model gave no valid final_answer after " +
                                                     std::to_string(bad_replies) + " replies"};
          SEXTANT_RETURN_IF_ERROR(Stop(stop));
          return RunOutcome{journal_->run_id(), stop.status, ""};
        }
        continue;
      }
      bad_replies = 0;
      candidate = read.call.arguments;
      candidate_call = read.call;
    }
    const std::vector<knowledge::Triple> evidence =
        TriplesOf(candidate->value("evidence", Json::array()));
    if (deps_.verifier == nullptr || evidence.empty()) break;
    knowledge::AnswerVerification checked;
    SEXTANT_ASSIGN_OR_RETURN(
        verification, journal_->Outcome(EventType::kVerification, [&]() -> Result<Json> {
          SEXTANT_ASSIGN_OR_RETURN(checked, deps_.verifier->VerifyAnswer(CokOf(*candidate)));
          Json out = knowledge::ToJson(checked);
          out["round"] = rethinks;
          const bool reliable = checked.reliability >= options_.reliability_threshold;
          out["reliable"] = reliable;
          if (reliable || rethinks >= options_.max_rethink_rounds) return out;
          SEXTANT_ASSIGN_OR_RETURN(
              std::vector<knowledge::Triple> related,
              deps_.verifier->RelatedTriples(task_ + "\n" + candidate->value("answer", "")));
          out["rethink_prompt"] = knowledge::BuildRethinkPrompt(task_, checked, related);
          return out;
        }));
    if (!verification.contains("rethink_prompt")) break;
    llm::ToolCall call =
        candidate_call.value_or(llm::ToolCall{"call_final", std::string(kFinalAnswer), *candidate});
    AppendStep(call, verification.at("rethink_prompt").get<std::string>(), messages);
    candidate.reset();
    ++rethinks;
  }
  const std::string answer = candidate->value("answer", std::string());
  Json data = {{"answer", answer},
               {"evidence", candidate->value("evidence", Json::array())},
               {"hints", candidate->value("hints", std::string())}};
  if (!verification.is_null()) {
    data["reliability"] = verification.value("reliability", 0.0);
    data["reliable"] = verification.value("reliable", false);
  }
  StateChange change = WithPlan();
  change.status = RunStatus::kAnswered;
  change.answer = answer;
  SEXTANT_RETURN_IF_ERROR(journal_->Emit(EventType::kFinalAnswer, std::move(data), change));
  return RunOutcome{journal_->run_id(), RunStatus::kAnswered, answer};
}

}  // namespace sextant::agent
