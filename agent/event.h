// Events and run records of the run store (agent/run_store.h): the typed
// values, their stable names, and their JSON forms.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace sextant::agent {

// What one event records. Names (EventTypeName) are stable: they are stored
// in the run store and sent to observers.
enum class EventType {
  kTask,             // "task"
  kPlanCreated,      // "plan_created"
  kPlanChanged,      // "plan_changed"
  kSubtaskStarted,   // "subtask_started"
  kSubtaskFinished,  // "subtask_finished"
  kLlmCall,          // "llm_call"
  kToolCall,         // "tool_call"
  kToolResult,       // "tool_result"
  kHumanRequest,     // "human_request"
  kHumanResponse,    // "human_response"
  kReflection,       // "reflection"
  kVerification,     // "verification"
  kFinalAnswer,      // "final_answer"
  kError,            // "error"
  kRunStatus,        // "run_status"
};

std::string_view EventTypeName(EventType type);
// The type with this exact name; any other name is invalid_argument.
Result<EventType> ParseEventType(std::string_view name);

enum class RunStatus { kRunning, kAnswered, kFailed, kCancelled, kInterrupted };

// "running", "answered", "failed", "cancelled", "interrupted".
std::string_view RunStatusName(RunStatus s);
// The status with this exact name; any other name is invalid_argument.
Result<RunStatus> ParseRunStatus(std::string_view name);

// One entry of a run's append-only log.
struct Event {
  std::string run_id;
  std::int64_t seq = 0;      // 1, 2, 3... per run, no gaps
  std::int64_t time_ms = 0;  // Unix epoch milliseconds
  EventType type = EventType::kTask;
  Json data = Json::object();
};

// A run as the store keeps it.
struct RunInfo {
  std::string id;  // 12 lowercase hex characters, random
  std::string task;
  RunStatus status = RunStatus::kRunning;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::string answer;  // "" until answered
  Json config = Json::object();
  std::int64_t event_count = 0;
};

// {"seq", "time_ms", "type", "data"} (the run id is left out).
Json EventToJson(const Event& event);
// {"id", "task", "status", "created_ms", "updated_ms", "answer", "config", "event_count"}.
Json RunInfoToJson(const RunInfo& run);

}  // namespace sextant::agent
