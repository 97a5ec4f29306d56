// Plan::Create (from plan_create's arguments), and the snapshot form:
// Plan::ToJson and Plan::FromJson.
#include <cstdint>
#include <exception>
#include <utility>

#include "common/json_schema.h"
#include "planner/internal/tree.h"
#include "planner/plan.h"
#include "planner/plan_tools.h"

namespace sextant::planner {
namespace {

// The structure of a snapshot; values and limits are checked in code.
Json SnapshotSchema() {
  const Json string = {{"type", "string"}};
  const Json integer = {{"type", "integer"}};
  Json node = {{"type", "object"},
               {"properties",
                {{"id", string},
                 {"name", string},
                 {"goal", string},
                 {"criticism", string},
                 {"milestones", {{"type", "array"}, {"items", string}}},
                 {"status", string},
                 {"result", string},
                 {"subtasks", {{"type", "array"}, {"items", {{"$ref", "#/$defs/node"}}}}}}},
               {"required", {"id", "name", "goal", "status"}},
               {"additionalProperties", false}};
  return {{"type", "object"},
          {"properties",
           {{"limits",
             {{"type", "object"},
              {"properties",
               {{"max_depth", integer},
                {"max_width", integer},
                {"max_subtasks", integer},
                {"max_text_bytes", integer},
                {"max_milestones", integer}}},
              {"additionalProperties", false}}},
            {"subtasks", {{"type", "array"}, {"items", {{"$ref", "#/$defs/node"}}}}}}},
          {"required", {"subtasks"}},
          {"additionalProperties", false},
          {"$defs", {{"node", std::move(node)}}}};
}

Status CheckSnapshotSchema(const Json& json) {
  static const Result<JsonSchema> schema = JsonSchema::Compile(SnapshotSchema());
  if (!schema.ok()) return InternalError("snapshot schema: " + schema.status().message());
  return schema->Check(json, "snapshot");
}

// Reads limits.<key> into `out` when present; it must be 1..cap.
template <typename T>
Status ReadLimit(const Json& limits, const char* key, T cap, T& out) {
  const auto it = limits.find(key);
  if (it == limits.end()) return Status::Ok();
  const auto value = it->get<std::int64_t>();
  if (value < 1 || static_cast<std::uint64_t>(value) > static_cast<std::uint64_t>(cap)) {
    return InvalidArgumentError("limits." + std::string(key) + ": must be 1 to " +
                                std::to_string(cap) + ", got " + std::to_string(value));
  }
  out = static_cast<T>(value);
  return Status::Ok();
}

std::string StringMember(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? std::string() : it->get<std::string>();
}

Result<std::vector<Subtask>> NodesFromJson(const Json& array, const std::string& path,
                                           const std::string& id_prefix, int depth,
                                           const PlanLimits& limits) {
  if (depth > limits.max_depth) {
    return InvalidArgumentError(path + ": subtasks at depth " + std::to_string(depth) +
                                ", the limit is " + std::to_string(limits.max_depth) +
                                " (planner.max_depth)");
  }
  if (array.size() > static_cast<std::size_t>(limits.max_width)) {
    return internal::LimitError(path, static_cast<long long>(array.size()), "subtasks",
                                limits.max_width, "max_width");
  }
  std::vector<Subtask> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const Json& j = array[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    Subtask s;
    s.id = j.at("id").get<std::string>();
    const std::string expected =
        id_prefix.empty() ? std::to_string(i + 1) : id_prefix + "." + std::to_string(i + 1);
    if (s.id != expected) {
      return InvalidArgumentError(at + ".id: '" + s.id +
                                  "' does not match its position; expected '" + expected + "'");
    }
    s.name = j.at("name").get<std::string>();
    s.goal = j.at("goal").get<std::string>();
    s.criticism = StringMember(j, "criticism");
    s.result = StringMember(j, "result");
    SEXTANT_RETURN_IF_ERROR(internal::CheckText(s.name, at + ".name", limits));
    SEXTANT_RETURN_IF_ERROR(internal::CheckText(s.goal, at + ".goal", limits));
    SEXTANT_RETURN_IF_ERROR(internal::CheckText(s.criticism, at + ".criticism", limits));
    if (const auto m = j.find("milestones"); m != j.end()) {
      s.milestones = m->get<std::vector<std::string>>();
    }
    SEXTANT_RETURN_IF_ERROR(internal::CheckMilestones(s.milestones, at + ".milestones", limits));
    const Result<SubtaskStatus> status = ParseStatus(j.at("status").get<std::string>());
    if (!status.ok()) return status.status().WithContext(at + ".status");
    s.status = *status;
    if (const auto c = j.find("subtasks"); c != j.end() && !c->empty()) {
      SEXTANT_ASSIGN_OR_RETURN(s.children,
                               NodesFromJson(*c, at + ".subtasks", s.id, depth + 1, limits));
      const SubtaskStatus derived = internal::DerivedStatus(s.children);
      if (derived != s.status) {
        return InvalidArgumentError(at + ".status: '" + std::string(StatusName(s.status)) +
                                    "', but its subtasks make it '" +
                                    std::string(StatusName(derived)) + "'");
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Json NodesToJson(const std::vector<Subtask>& nodes) {
  Json out = Json::array();
  for (const Subtask& s : nodes) {
    Json j = {{"id", s.id},
              {"name", s.name},
              {"goal", s.goal},
              {"criticism", s.criticism},
              {"milestones", s.milestones},
              {"status", StatusName(s.status)},
              {"result", s.result}};
    if (!s.children.empty()) j["subtasks"] = NodesToJson(s.children);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

Result<Plan> Plan::Create(const Json& arguments, const PlanLimits& limits) {
  SEXTANT_RETURN_IF_ERROR(CheckPlanLimits(limits));
  SEXTANT_RETURN_IF_ERROR(CheckPlanArguments(kPlanCreate, arguments));
  try {
    const Json& top = arguments.at("subtasks");
    if (top.size() > static_cast<std::size_t>(limits.max_width)) {
      return internal::LimitError("subtasks", static_cast<long long>(top.size()), "subtasks",
                                  limits.max_width, "max_width");
    }
    SEXTANT_ASSIGN_OR_RETURN(std::vector<Subtask> roots,
                             internal::SubtasksFromSpecs(top, "subtasks", 1, limits, true));
    SEXTANT_RETURN_IF_ERROR(
        internal::CheckTotal(internal::CountSubtasks(roots), "subtasks", limits));
    internal::Renumber(roots);
    internal::Reconcile(roots);
    return Plan(limits, std::move(roots));
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("plan_create arguments: ") + e.what());
  }
}

Result<Plan> Plan::FromJson(const Json& json) {
  SEXTANT_RETURN_IF_ERROR(CheckSnapshotSchema(json));
  try {
    PlanLimits limits;
    if (const auto l = json.find("limits"); l != json.end()) {
      SEXTANT_RETURN_IF_ERROR(
          ReadLimit(*l, "max_depth", PlanLimits::kMaxDepthCap, limits.max_depth));
      SEXTANT_RETURN_IF_ERROR(
          ReadLimit(*l, "max_width", PlanLimits::kMaxWidthCap, limits.max_width));
      SEXTANT_RETURN_IF_ERROR(
          ReadLimit(*l, "max_subtasks", PlanLimits::kMaxSubtasksCap, limits.max_subtasks));
      SEXTANT_RETURN_IF_ERROR(
          ReadLimit(*l, "max_text_bytes", PlanLimits::kMaxTextBytesCap, limits.max_text_bytes));
      SEXTANT_RETURN_IF_ERROR(
          ReadLimit(*l, "max_milestones", PlanLimits::kMaxMilestonesCap, limits.max_milestones));
    }
    SEXTANT_ASSIGN_OR_RETURN(std::vector<Subtask> roots,
                             NodesFromJson(json.at("subtasks"), "subtasks", "", 1, limits));
    const int total = internal::CountSubtasks(roots);
    if (total > limits.max_subtasks) {
      return internal::LimitError("subtasks", total, "subtasks in all", limits.max_subtasks,
                                  "max_subtasks");
    }
    return Plan(limits, std::move(roots));
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("plan snapshot: ") + e.what());
  }
}

Json Plan::ToJson() const {
  return {{"limits",
           {{"max_depth", limits_.max_depth},
            {"max_width", limits_.max_width},
            {"max_subtasks", limits_.max_subtasks},
            {"max_text_bytes", limits_.max_text_bytes},
            {"max_milestones", limits_.max_milestones}}},
          {"subtasks", NodesToJson(roots_)}};
}

}  // namespace sextant::planner
