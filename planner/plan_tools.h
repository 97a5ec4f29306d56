// The function descriptions of the plan operations in the OpenAI function
// format ({"type":"function","function":{name, description, parameters}}),
// and validation of their arguments against those schemas.
//
// Thread safety: every function may run concurrently.
// Errors: CheckPlanArguments returns invalid_argument; nothing throws.
#pragma once

#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "planner/plan.h"

namespace sextant::planner {

inline constexpr std::string_view kPlanCreate = "plan_create";
inline constexpr std::string_view kSubtaskSplit = "subtask_split";
inline constexpr std::string_view kSubtaskAdd = "subtask_add";
inline constexpr std::string_view kSubtaskDelete = "subtask_delete";
inline constexpr std::string_view kSubtaskModify = "subtask_modify";
inline constexpr std::string_view kPlanRefineDone = "plan_refine_done";

// [plan_create]. The limits appear in the descriptions only: the parameter
// schemas are the same for every limit, and the limits are checked by Plan.
std::vector<Json> PlanCreateTools(const PlanLimits& limits = {});
// [subtask_split, subtask_add, subtask_delete, subtask_modify, plan_refine_done].
std::vector<Json> PlanRefineTools(const PlanLimits& limits = {});
// Whether `name` is one of the five refinement functions above.
bool IsRefineFunction(std::string_view name);

// Validates `arguments` against the parameter schema of `function` (plan_create
// or a refinement function). invalid_argument lists the failures by JSON
// Pointer, as "arguments/subtasks/0: must have required property 'goal'";
// an unknown function is invalid_argument naming the known ones.
Status CheckPlanArguments(std::string_view function, const Json& arguments);

}  // namespace sextant::planner
