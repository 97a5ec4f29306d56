#include "agent/internal/journal.h"

#include <utility>

namespace sextant::agent::internal {

bool IsNote(const Event& event) {
  if (event.type == EventType::kRunStatus) return true;
  if (event.type == EventType::kTask) return true;
  return event.type == EventType::kError && event.data.value("fatal", false);
}

Journal::Journal(RunStore& store, std::string run_id, std::vector<Event> recorded,
                 Observer observer)
    : store_(store),
      run_id_(std::move(run_id)),
      recorded_(std::move(recorded)),
      observer_(std::move(observer)) {
  SkipNotes();
}

void Journal::SkipNotes() {
  while (cursor_ < recorded_.size() && IsNote(recorded_[cursor_])) {
    if (observer_) observer_(recorded_[cursor_]);
    ++cursor_;
  }
}

bool Journal::replaying() const { return cursor_ < recorded_.size(); }

bool Journal::CallWasCutOff() const { return last_was_tool_call_ && !replaying(); }

Status Journal::Emit(EventType type, Json data, const StateChange& change) {
  if (replaying()) {
    const Event& event = recorded_[cursor_];
    if (event.type != type) {
      return Status(StatusCode::kDataLoss,
                    "resume: the run's log diverges at event " + std::to_string(event.seq) +
                        ": it records " + std::string(EventTypeName(event.type)) +
                        " where the runner now writes " + std::string(EventTypeName(type)) +
                        " (was the configuration changed?)");
    }
    last_was_tool_call_ = type == EventType::kToolCall;
    if (observer_) observer_(event);
    ++cursor_;
    SkipNotes();
    return Status();
  }
  last_was_tool_call_ = false;
  SEXTANT_ASSIGN_OR_RETURN(Event event, store_.Append(run_id_, type, std::move(data), change));
  if (observer_) observer_(event);
  return Status();
}

Result<Json> Journal::Outcome(EventType type, const std::function<Result<Json>()>& produce) {
  if (replaying()) {
    const Event& event = recorded_[cursor_];
    if (event.type != type) {
      return Status(StatusCode::kDataLoss,
                    "resume: the run's log diverges at event " + std::to_string(event.seq) +
                        ": it records " + std::string(EventTypeName(event.type)) +
                        " where the runner now expects " + std::string(EventTypeName(type)));
    }
    Json data = event.data;
    last_was_tool_call_ = false;
    if (observer_) observer_(event);
    ++cursor_;
    SkipNotes();
    return data;
  }
  SEXTANT_ASSIGN_OR_RETURN(Json data, produce());
  last_was_tool_call_ = false;
  SEXTANT_ASSIGN_OR_RETURN(Event event, store_.Append(run_id_, type, data));
  if (observer_) observer_(event);
  return data;
}

Status Journal::Note(EventType type, Json data, const StateChange& change) {
  SEXTANT_ASSIGN_OR_RETURN(Event event, store_.Append(run_id_, type, std::move(data), change));
  if (observer_) observer_(event);
  return Status();
}

}  // namespace sextant::agent::internal
