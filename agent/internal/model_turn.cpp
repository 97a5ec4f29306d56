#include <chrono>
#include <string>

#include "agent/builtin_tools.h"
#include "agent/context_budget.h"
#include "agent/function_call.h"
#include "agent/internal/runner_impl.h"

namespace sextant::agent {
namespace {

constexpr int kOverflowRetries = 3;
constexpr double kOverflowShrink = 0.75;
constexpr double kMinBytesPerToken = 1.0;
constexpr std::size_t kMaxProblemsShown = 5;

Json CallsToJson(const std::vector<llm::ToolCall>& calls) {
  Json out = Json::array();
  for (const llm::ToolCall& call : calls) {
    out.push_back({{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
  }
  return out;
}

ModelTurn TurnFromJson(const Json& data) {
  ModelTurn turn;
  turn.text = data.value("text", std::string());
  turn.last_step = data.value("last_step", false);
  if (auto it = data.find("tool_calls"); it != data.end() && it->is_array()) {
    for (const Json& c : *it) {
      llm::ToolCall call;
      call.id = c.value("id", std::string());
      call.name = c.value("name", std::string());
      call.arguments = c.contains("arguments") ? c.at("arguments") : Json::object();
      turn.calls.push_back(std::move(call));
    }
  }
  return turn;
}

std::string NameList(const std::vector<Json>& tools) {
  std::string names;
  for (const Json& tool : tools) {
    names += (names.empty() ? "" : ", ") + std::string(ToolName(tool));
  }
  return names;
}

}  // namespace

std::string JsonText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return DumpJson(value);
}

Result<ModelTurn> Runner::Impl::CallModel(std::string_view phase, const std::string& subtask,
                                          const std::vector<llm::Message>& messages,
                                          const std::vector<Json>& tools, bool last_step) {
  auto produce = [&]() -> Result<Json> {
    if (callbacks_.on_thinking) callbacks_.on_thinking(phase);
    llm::TokenCallback on_token = [this](std::string_view text) {
      if (callbacks_.on_token) callbacks_.on_token(text);
      return !cancel_.load();
    };
    for (int attempt = 0;; ++attempt) {
      ContextBudget budget;
      budget.context_tokens = deps_.model->ContextLength();
      budget.reserve_tokens = options_.chat.max_tokens;
      budget.bytes_per_token = bytes_per_token_;
      std::vector<llm::Message> fitted = messages;
      SEXTANT_ASSIGN_OR_RETURN(FitReport fit, FitContext(fitted, tools, 2, budget));
      const auto t0 = std::chrono::steady_clock::now();
      Result<llm::ChatResult> reply = deps_.model->Chat(fitted, tools, options_.chat, on_token);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!reply.ok() && reply.status().code() == StatusCode::kResourceExhausted &&
          attempt < kOverflowRetries) {
        bytes_per_token_ = std::max(kMinBytesPerToken, bytes_per_token_ * kOverflowShrink);
        continue;
      }
      if (!reply.ok()) return reply.status();
      const double observed = ObservedBytesPerToken(fitted, tools, reply->usage.prompt_tokens);
      if (observed > 0 && observed < bytes_per_token_) {
        bytes_per_token_ = std::max(kMinBytesPerToken, observed * 0.9);
      }
      return Json{{"phase", phase},
                  {"subtask", subtask},
                  {"text", reply->text},
                  {"tool_calls", CallsToJson(reply->tool_calls)},
                  {"finish", llm::FinishReasonName(reply->finish)},
                  {"usage",
                   {{"prompt_tokens", reply->usage.prompt_tokens},
                    {"completion_tokens", reply->usage.completion_tokens}}},
                  {"seconds", seconds},
                  {"last_step", last_step},
                  {"estimated_prompt_tokens", fit.estimated_tokens},
                  {"context",
                   {{"observations_cut", fit.observations_cut},
                    {"messages_dropped", fit.messages_dropped}}}};
    }
  };
  SEXTANT_ASSIGN_OR_RETURN(Json data, journal_->Outcome(EventType::kLlmCall, produce));
  ++calls_;
  if (const Json* usage = data.contains("usage") ? &data.at("usage") : nullptr) {
    tokens_used_ += usage->value("prompt_tokens", std::int64_t{0}) +
                    usage->value("completion_tokens", std::int64_t{0});
  }
  if (data.value("finish", std::string()) == "cancelled") {
    stop_ = RunStop{RunStatus::kCancelled, "cancelled while the model was answering"};
  }
  return TurnFromJson(data);
}

const JsonSchema* Runner::Impl::SchemaFor(std::string_view name) const {
  auto it = schemas_.find(name);
  return it == schemas_.end() ? nullptr : &it->second;
}

CallRead Runner::Impl::ReadCall(const ModelTurn& turn, const std::vector<Json>& tools) const {
  CallRead read;
  if (!turn.calls.empty()) {
    read.call = turn.calls.front();
    read.structured = true;
  } else {
    Result<FunctionCall> parsed = ParseFunctionCall(turn.text);
    if (!parsed.ok()) {
      read.kind = "invalid_reply";
      read.problem = "Your reply is not a function call: " + parsed.status().message() +
                     ". Reply with exactly one function call as JSON: {\"name\": \"...\", "
                     "\"arguments\": {...}}.";
      return read;
    }
    read.call.name = parsed->name;
    read.call.arguments = parsed->arguments;
    read.structured = true;
  }
  if (read.call.id.empty()) read.call.id = "call_" + std::to_string(calls_);
  std::vector<std::string> names;
  const Json* spec = nullptr;
  for (const Json& tool : tools) {
    names.emplace_back(ToolName(tool));
    if (names.back() == read.call.name) spec = &tool;
  }
  if (spec == nullptr) {
    read.kind = "unknown_function";
    read.problem = "There is no function '" + read.call.name + "' here.";
    const std::vector<std::string> close = CloseNames(read.call.name, names);
    if (!close.empty()) {
      std::string list;
      for (const std::string& n : close) list += (list.empty() ? "" : ", ") + n;
      read.problem += " Did you mean: " + list + "?";
    }
    read.problem += " The functions you can call now are: " + NameList(tools) + ".";
    return read;
  }
  if (!read.call.arguments.is_object()) {
    read.kind = "invalid_arguments";
    read.problem = "The arguments of '" + read.call.name + "' must be a JSON object.";
    return read;
  }
  if (const JsonSchema* schema = SchemaFor(read.call.name)) {
    const std::vector<SchemaError> errors = schema->Validate(read.call.arguments);
    if (!errors.empty()) {
      read.kind = "invalid_arguments";
      read.problem = "The arguments of '" + read.call.name + "' do not fit its schema:";
      for (std::size_t i = 0; i < errors.size() && i < kMaxProblemsShown; ++i) {
        const std::string& where = errors[i].instance_location;
        read.problem +=
            " at " + (where.empty() ? std::string("/") : where) + ": " + errors[i].message + ";";
      }
      read.problem += " Call it again with corrected arguments.";
      return read;
    }
  }
  read.ok = true;
  return read;
}

Status Runner::Impl::RecordBadCall(std::string_view phase, const std::string& subtask,
                                   const ModelTurn& turn, const CallRead& read,
                                   std::vector<llm::Message>& messages) {
  llm::Message reply;
  reply.role = llm::Role::kAssistant;
  reply.content = turn.text;
  llm::Message answer;
  answer.content = "Error: " + read.problem;
  if (read.structured) {
    reply.tool_calls.push_back(read.call);
    answer.role = llm::Role::kTool;
    answer.tool_call_id = read.call.id;
    answer.name = read.call.name;
  } else {
    answer.role = llm::Role::kUser;
  }
  messages.push_back(std::move(reply));
  messages.push_back(std::move(answer));
  return journal_->Emit(EventType::kError, Json{{"phase", phase},
                                                {"subtask", subtask},
                                                {"kind", read.kind},
                                                {"function", read.call.name},
                                                {"message", read.problem}});
}

void Runner::Impl::AppendStep(const llm::ToolCall& call, std::string observation,
                              std::vector<llm::Message>& messages) const {
  if (observation.size() > options_.max_observation_bytes) {
    const std::size_t total = observation.size();
    std::size_t keep = options_.max_observation_bytes;
    while (keep > 0 && (static_cast<unsigned char>(observation[keep]) & 0xC0U) == 0x80U) --keep;
    observation.resize(keep);
    observation += "\n[... observation cut: " + std::to_string(total) + " bytes in all]";
  }
  llm::Message reply;
  reply.role = llm::Role::kAssistant;
  reply.tool_calls.push_back(call);
  llm::Message result;
  result.role = llm::Role::kTool;
  result.tool_call_id = call.id;
  result.name = call.name;
  result.content = std::move(observation);
  messages.push_back(std::move(reply));
  messages.push_back(std::move(result));
}

std::optional<RunStop> Runner::Impl::CheckLimits() const {
  if (journal_->replaying()) return std::nullopt;
  if (cancel_.load()) return RunStop{RunStatus::kCancelled, "cancelled"};
  if (options_.max_total_tokens > 0 && tokens_used_ >= options_.max_total_tokens) {
    return RunStop{RunStatus::kFailed,
                   "the token budget is spent: " + std::to_string(tokens_used_) + " of " +
                       std::to_string(options_.max_total_tokens) + " (agent.max_total_tokens)"};
  }
  if (options_.run_time.count() > 0 &&
      std::chrono::steady_clock::now() - started_ > options_.run_time) {
    return RunStop{RunStatus::kFailed, "the run's time limit of " +
                                           std::to_string(options_.run_time.count()) +
                                           " s is spent (agent.run_seconds)"};
  }
  return std::nullopt;
}

}  // namespace sextant::agent
