// The plan tree of the outer (plan) loop: subtasks with ids "1", "1.2",
// "1.2.1", their statuses and results, and the refinement operations the
// model may apply to the part of the plan it has not executed yet.
//
// Ownership: a Plan is a plain value; copy and move freely.
// Thread safety: none of its own; share read-only, or guard with a mutex.
// Errors: input from the model or from a snapshot is checked and rejected with
// invalid_argument whose message names the JSON path (or pointer) and the rule
// broken; state changes in the wrong state are failed_precondition. A failed
// call leaves the plan unchanged. No function throws.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace sextant::planner {

enum class SubtaskStatus { kTodo, kDoing, kDone, kFailed, kSkipped };

// "todo", "doing", "done", "failed", "skipped".
std::string_view StatusName(SubtaskStatus s);
// The inverse of StatusName; anything else is invalid_argument.
Result<SubtaskStatus> ParseStatus(std::string_view name);
// Whether `s` is done, failed or skipped.
bool IsFinished(SubtaskStatus s);

struct Subtask {
  std::string id;  // "1", "1.2", "1.2.1": 1-based positions, renumbered after every change
  std::string name, goal, criticism;
  std::vector<std::string> milestones;
  SubtaskStatus status = SubtaskStatus::kTodo;
  std::string result;  // the submitted result (or failure reason)
  std::vector<Subtask> children;
};

// Limits on the shape of a plan (config section "planner"). Each must be at
// least 1 and at most the matching kMax* cap below.
struct PlanLimits {
  static constexpr int kMaxDepthCap = 16;
  static constexpr int kMaxWidthCap = 1000;
  static constexpr int kMaxSubtasksCap = 100'000;
  static constexpr int kMaxMilestonesCap = 1000;
  static constexpr std::size_t kMaxTextBytesCap = 1u << 20;

  int max_depth = 3;                  // root subtasks are depth 1
  int max_width = 5;                  // children of one node, and root subtasks
  int max_subtasks = 40;              // whole tree ("chain length" in DESIGN §2)
  std::size_t max_text_bytes = 4096;  // each of name/goal/criticism/milestone
  int max_milestones = 16;            // milestones of one subtask
};

// OK when every limit is within [1, cap]; otherwise invalid_argument naming
// the limit ("planner.max_depth must be 1 to 16, got 0").
Status CheckPlanLimits(const PlanLimits& limits);

// The plan tree.
//
// Status rules: only leaves are started and finished. The status of a subtask
// that has children follows them: done when all are finished and none failed
// (skipped when all were skipped), failed when all are finished and one
// failed, todo when all are todo, doing otherwise. A parent that becomes
// finished gets a result that lists its children's results; one that becomes
// unfinished again (a refinement added work under it) loses that result.
class Plan {
 public:
  // An empty plan with default limits.
  Plan() = default;

  // From plan_create's arguments: {"subtasks": [{name, goal, criticism?, milestones?,
  // subtasks?}...]} (nested "subtasks" allowed up to max_depth). Every violation is
  // invalid_argument with a message that names the JSON path and the rule, e.g.
  // "subtasks[1].subtasks: 6 subtasks, the limit is 5 (planner.max_width)". Schema violations name
  // the JSON Pointer instead
  // ("arguments/subtasks/0: must have required property 'goal'").
  static Result<Plan> Create(const Json& arguments, const PlanLimits& limits = {});
  // The snapshot form written by ToJson (ids, statuses, results, children; plus limits).
  // Ids must match positions, the tree must obey the snapshot's limits, and the status of
  // every parent must follow its children as stated above.
  static Result<Plan> FromJson(const Json& json);
  Json ToJson() const;

  const std::vector<Subtask>& roots() const { return roots_; }
  const PlanLimits& limits() const { return limits_; }
  // nullptr when absent (or `id` is malformed).
  const Subtask* Find(std::string_view id) const;
  // Number of subtasks in the whole tree.
  int size() const;
  // The next subtask to execute: the first leaf in depth-first pre-order whose status is
  // todo; nullopt when none is left.
  std::optional<std::string> NextLeaf() const;
  // todo -> doing (its ancestors become doing too). not_found for an unknown id;
  // failed_precondition when the subtask is not a todo leaf.
  Status Start(std::string_view id);
  // doing -> done (success) or failed, with `result`. When every child of a parent is
  // finished (done/failed/skipped) the parent becomes done, or failed if any child failed,
  // with a result summarizing the children. not_found for an unknown id;
  // failed_precondition when the subtask is not a leaf that is doing.
  Status Finish(std::string_view id, bool success, std::string result);
  // Every todo subtask becomes skipped (used when a run ends early).
  void SkipRemaining();
  // Applies one refinement function by name: "subtask_split", "subtask_add",
  // "subtask_delete", "subtask_modify" (plan_refine_done is handled by the caller, but
  // Apply accepts it and changes nothing). `current_id` is the subtask just executed: an
  // operation may touch only subtasks at or after it in depth-first pre-order (so never an
  // ancestor of it, never one before it). An empty `current_id` means no subtask has run
  // yet: every subtask counts as after it. Returns a one-line summary of the change
  // ("split 1.2 into 1.2.1-1.2.3"). On any violation returns invalid_argument and leaves
  // the plan unchanged; the message explains what was wrong and what is allowed, since
  // it is shown to the model. The rules of each function are in docs/planner.md.
  Result<std::string> Apply(std::string_view function, const Json& arguments,
                            std::string_view current_id);
  // A text tree for prompts and the CLI, one subtask a line, indented two spaces per depth:
  // "[x] 1 name: goal" with marks [ ] todo, [>] doing, [x] done, [!] failed, [-] skipped;
  // the line of `current_id` ends with "  <= current". Line breaks inside a name or goal
  // become spaces. Every line ends with '\n'.
  std::string Render(std::string_view current_id = {}) const;

 private:
  Plan(PlanLimits limits, std::vector<Subtask> roots) : limits_(limits), roots_(std::move(roots)) {}

  PlanLimits limits_;
  std::vector<Subtask> roots_;
};

}  // namespace sextant::planner
