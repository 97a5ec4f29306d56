// Plan tree helpers shared by plan.cpp, plan_json.cpp and refine.cpp: ids,
// lookup, pre-order, renumbering, derived parent statuses, and turning
// SubtaskSpec JSON into subtasks under the limits.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "planner/plan.h"

namespace sextant::planner::internal {

// "1.2.3" as 0-based positions {0, 1, 2}; nullopt unless `id` is 1-based
// positive integers without leading zeros joined by dots.
std::optional<std::vector<std::size_t>> ParseId(std::string_view id);

// Where a subtask sits: `(*siblings)[index]`, at `depth` (roots are depth 1),
// under `parent` (nullptr at the root).
struct Location {
  std::vector<Subtask>* siblings = nullptr;
  std::size_t index = 0;
  int depth = 0;
  Subtask* parent = nullptr;

  Subtask& node() const { return (*siblings)[index]; }
};
// nullopt when `id` is malformed or absent.
std::optional<Location> Locate(std::vector<Subtask>& roots, std::string_view id);
const Subtask* FindNode(const std::vector<Subtask>& roots, std::string_view id);

// Every subtask in depth-first pre-order.
std::vector<const Subtask*> Preorder(const std::vector<Subtask>& roots);
// Position of `id` in Preorder, or -1 when absent.
int PreorderIndex(const std::vector<Subtask>& roots, std::string_view id);

// Sets every id from its position.
void Renumber(std::vector<Subtask>& roots);
// The status a parent with these (non-empty) children must have (see Plan).
SubtaskStatus DerivedStatus(const std::vector<Subtask>& children);
// The result of a finished parent: one line per child, "- name (status): result".
std::string SummarizeChildren(const std::vector<Subtask>& children);
// Gives every parent its derived status (bottom-up) and result.
void Reconcile(std::vector<Subtask>& roots);

int CountSubtasks(const std::vector<Subtask>& nodes);
// Levels of the deepest branch: 0 for none, 1 for leaves only.
int Height(const std::vector<Subtask>& nodes);
// "1.2" for one id, "1.2-1.4" for a run of siblings.
std::string IdRange(const std::vector<Subtask>& siblings, std::size_t first, std::size_t count);

// "<path>: <value> <what>, the limit is <limit> (planner.<limit_name>)".
Status LimitError(std::string_view path, long long value, std::string_view what, long long limit,
                  std::string_view limit_name);
// Checks one text field against max_text_bytes.
Status CheckText(const std::string& text, std::string_view path, const PlanLimits& limits);
// Checks the count and each text of a milestone list.
Status CheckMilestones(const std::vector<std::string>& milestones, std::string_view path,
                       const PlanLimits& limits);

// Converts an array of SubtaskSpec (already valid against the schema) found at
// `path` into todo subtasks placed at `depth`. Nested "subtasks" are read
// when `allow_nested`, each level checked against max_depth and max_width.
// The width of the top array itself is the caller's to check.
Result<std::vector<Subtask>> SubtasksFromSpecs(const Json& specs, const std::string& path,
                                               int depth, const PlanLimits& limits,
                                               bool allow_nested);

// The total against max_subtasks: "<path>: the plan would have N subtasks...".
Status CheckTotal(int total, std::string_view path, const PlanLimits& limits);

}  // namespace sextant::planner::internal
