#include "agent/event.h"

#include <array>
#include <cstddef>
#include <string>
#include <utility>

namespace sextant::agent {
namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 15> kEventNames = {{
    {EventType::kTask, "task"},
    {EventType::kPlanCreated, "plan_created"},
    {EventType::kPlanChanged, "plan_changed"},
    {EventType::kSubtaskStarted, "subtask_started"},
    {EventType::kSubtaskFinished, "subtask_finished"},
    {EventType::kLlmCall, "llm_call"},
    {EventType::kToolCall, "tool_call"},
    {EventType::kToolResult, "tool_result"},
    {EventType::kHumanRequest, "human_request"},
    {EventType::kHumanResponse, "human_response"},
    {EventType::kReflection, "reflection"},
    {EventType::kVerification, "verification"},
    {EventType::kFinalAnswer, "final_answer"},
    {EventType::kError, "error"},
    {EventType::kRunStatus, "run_status"},
}};

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kStatusNames = {{
    {RunStatus::kRunning, "running"},
    {RunStatus::kAnswered, "answered"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kCancelled, "cancelled"},
    {RunStatus::kInterrupted, "interrupted"},
}};

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
Result<Enum> Lookup(const std::array<std::pair<Enum, std::string_view>, N>& table,
                    std::string_view name, std::string_view what) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  std::string known;
  for (const auto& [v, n] : table) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return InvalidArgumentError("unknown " + std::string(what) + " '" + std::string(name) +
                              "' (known: " + known + ")");
}

}  // namespace

std::string_view EventTypeName(EventType type) { return NameOf(kEventNames, type); }

Result<EventType> ParseEventType(std::string_view name) {
  return Lookup(kEventNames, name, "event type");
}

std::string_view RunStatusName(RunStatus s) { return NameOf(kStatusNames, s); }

Result<RunStatus> ParseRunStatus(std::string_view name) {
  return Lookup(kStatusNames, name, "run status");
}

Json EventToJson(const Event& event) {
  return Json{{"seq", event.seq},
              {"time_ms", event.time_ms},
              {"type", EventTypeName(event.type)},
              {"data", event.data}};
}

Json RunInfoToJson(const RunInfo& run) {
  return Json{{"id", run.id},
              {"task", run.task},
              {"status", RunStatusName(run.status)},
              {"created_ms", run.created_ms},
              {"updated_ms", run.updated_ms},
              {"answer", run.answer},
              {"config", run.config},
              {"event_count", run.event_count}};
}

}  // namespace sextant::agent
