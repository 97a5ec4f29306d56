#include "planner/plan_tools.h"

#include <array>
#include <string>
#include <utility>

#include "common/json_schema.h"

namespace sextant::planner {
namespace {

constexpr std::array<std::string_view, 5> kRefineFunctions = {
    kSubtaskSplit, kSubtaskAdd, kSubtaskDelete, kSubtaskModify, kPlanRefineDone};

Json StringProperty(std::string_view description, bool non_empty) {
  Json p = {{"type", "string"}, {"description", description}};
  if (non_empty) p["minLength"] = 1;
  return p;
}

// The members every subtask description has: name, goal, criticism, milestones.
Json SubtaskFields(bool required_text) {
  return {
      {"name", StringProperty("Short title of the subtask.", required_text)},
      {"goal",
       StringProperty("What the subtask must achieve, specific enough to check.", required_text)},
      {"criticism",
       StringProperty("Weaknesses or risks of this subtask, and what to watch for.", false)},
      {"milestones",
       {{"type", "array"},
        {"items", {{"type", "string"}}},
        {"description", "Checkable intermediate results, in order."}}},
  };
}

// A SubtaskSpec; `nested` adds the recursive "subtasks" member.
Json SubtaskSpec(bool nested) {
  Json properties = SubtaskFields(true);
  if (nested) {
    properties["subtasks"] = {{"type", "array"},
                              {"items", {{"$ref", "#/$defs/subtask"}}},
                              {"description", "Optional subtasks of this subtask, in order."}};
  }
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", {"name", "goal"}},
          {"additionalProperties", false}};
}

Json TargetProperty(std::string_view what) {
  return {{"type", "string"}, {"description", "Id of the subtask " + std::string(what) + "."}};
}

Json ObjectSchema(Json properties, Json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

Json Parameters(std::string_view function) {
  if (function == kPlanCreate) {
    Json p = ObjectSchema({{"subtasks",
                            {{"type", "array"},
                             {"minItems", 1},
                             {"items", {{"$ref", "#/$defs/subtask"}}},
                             {"description", "The subtasks in execution order."}}}},
                          {"subtasks"});
    p["$defs"] = {{"subtask", SubtaskSpec(true)}};
    return p;
  }
  if (function == kSubtaskSplit) {
    return ObjectSchema({{"target_subtask_id", TargetProperty("to split")},
                         {"subtasks",
                          {{"type", "array"},
                           {"minItems", 2},
                           {"items", SubtaskSpec(false)},
                           {"description", "The new subtasks of the target, in order."}}}},
                        {"target_subtask_id", "subtasks"});
  }
  if (function == kSubtaskAdd) {
    Json p = ObjectSchema({{"target_subtask_id", TargetProperty("after which the new subtasks go")},
                           {"subtasks",
                            {{"type", "array"},
                             {"minItems", 1},
                             {"items", {{"$ref", "#/$defs/subtask"}}},
                             {"description", "The new subtasks, in order."}}}},
                          {"target_subtask_id", "subtasks"});
    p["$defs"] = {{"subtask", SubtaskSpec(true)}};
    return p;
  }
  if (function == kSubtaskDelete) {
    return ObjectSchema({{"target_subtask_id", TargetProperty("to delete")}},
                        {"target_subtask_id"});
  }
  if (function == kSubtaskModify) {
    return ObjectSchema({{"target_subtask_id", TargetProperty("to change")},
                         {"new_data",
                          {{"type", "object"},
                           {"properties", SubtaskFields(true)},
                           {"minProperties", 1},
                           {"additionalProperties", false},
                           {"description", "The members to replace; the others stay."}}}},
                        {"target_subtask_id", "new_data"});
  }
  return ObjectSchema(Json::object(), Json::array());  // plan_refine_done
}

std::string LimitsText(const PlanLimits& limits) {
  return "Limits: at most " + std::to_string(limits.max_width) + " subtasks side by side, " +
         std::to_string(limits.max_depth) + " levels deep, " + std::to_string(limits.max_subtasks) +
         " subtasks in the whole plan.";
}

Json Tool(std::string_view name, const std::string& description) {
  return {{"type", "function"},
          {"function",
           {{"name", name}, {"description", description}, {"parameters", Parameters(name)}}}};
}

struct CompiledSchemas {
  std::vector<std::pair<std::string_view, Result<JsonSchema>>> schemas;

  CompiledSchemas() {
    schemas.emplace_back(kPlanCreate, JsonSchema::Compile(Parameters(kPlanCreate)));
    for (std::string_view f : kRefineFunctions) {
      schemas.emplace_back(f, JsonSchema::Compile(Parameters(f)));
    }
  }
};

}  // namespace

std::vector<Json> PlanCreateTools(const PlanLimits& limits) {
  return {Tool(kPlanCreate,
               "Write the plan for the task: subtasks carried out one after another in "
               "depth-first order. Give each a name, a goal, a criticism and milestones; a "
               "subtask may hold its own subtasks. " +
                   LimitsText(limits))};
}

std::vector<Json> PlanRefineTools(const PlanLimits& limits) {
  const std::string rule =
      " Only subtasks after the current one can be changed; finished ones never. ";
  const std::string limits_text = LimitsText(limits);
  return {
      Tool(kSubtaskSplit,
           "Split a todo leaf subtask (or the current one, when it failed) into 2 or more "
           "smaller subtasks that replace it as its children." +
               rule + limits_text),
      Tool(kSubtaskAdd,
           "Insert new subtasks right after the target subtask, at the same level (the "
           "target may be the current subtask)." +
               rule + limits_text),
      Tool(kSubtaskDelete,
           "Delete a todo subtask (with its subtasks, all todo) that is no longer needed." + rule),
      Tool(kSubtaskModify,
           "Change the name, goal, criticism or milestones of a todo subtask." + rule),
      Tool(kPlanRefineDone, "Finish refining: the plan is good as it stands."),
  };
}

bool IsRefineFunction(std::string_view name) {
  for (std::string_view f : kRefineFunctions) {
    if (f == name) return true;
  }
  return false;
}

Status CheckPlanArguments(std::string_view function, const Json& arguments) {
  static const CompiledSchemas compiled;
  for (const auto& [name, schema] : compiled.schemas) {
    if (name != function) continue;
    if (!schema.ok()) {
      return InternalError("schema of " + std::string(name) + ": " + schema.status().message());
    }
    return schema->Check(arguments, "arguments");
  }
  return InvalidArgumentError(
      "unknown plan function '" + std::string(function) +
      "'; expected plan_create, subtask_split, subtask_add, subtask_delete, subtask_modify or "
      "plan_refine_done");
}

}  // namespace sextant::planner
