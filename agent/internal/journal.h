// The run's event log as the runner sees it. A fresh run only appends. A
// resumed run first re-walks its recorded events: the runner's logic is
// deterministic given the outcomes it observed, so it runs again from the
// start, takes each outcome (model reply, tool result, human answer) from the
// log instead of producing it, and checks that each event it would write is
// the one recorded. At the end of the log it goes live.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "agent/run_store.h"
#include "common/json.h"
#include "common/status.h"

namespace sextant::agent::internal {

class Journal {
 public:
  using Observer = std::function<void(const Event&)>;

  // `recorded` are the run's events so far (for a new run, its task event).
  // Notes among them are passed to `observer` as they are skipped.
  Journal(RunStore& store, std::string run_id, std::vector<Event> recorded, Observer observer);

  // Records an event the runner derives from what it has seen. While
  // replaying, checks that the recorded event at the cursor has this type and
  // moves past it (its data is the recorded one); data_loss when it differs.
  Status Emit(EventType type, Json data, const StateChange& change = {});

  // An outcome: while replaying, the recorded event's data; live, the data
  // `produce` returns, appended as a new event.
  Result<Json> Outcome(EventType type, const std::function<Result<Json>()>& produce);

  // Appends an event without matching (run_status, fatal errors): such
  // events are skipped while replaying.
  Status Note(EventType type, Json data, const StateChange& change = {});

  bool replaying() const;
  // True when the event just matched by Emit was a tool_call and the log ends
  // right after it: the call was cut off by a crash.
  bool CallWasCutOff() const;
  const std::string& run_id() const { return run_id_; }

 private:
  void SkipNotes();

  RunStore& store_;
  std::string run_id_;
  std::vector<Event> recorded_;
  std::size_t cursor_ = 0;
  bool last_was_tool_call_ = false;
  Observer observer_;
};

// Whether a recorded event is a note (never matched while replaying).
bool IsNote(const Event& event);

}  // namespace sextant::agent::internal
