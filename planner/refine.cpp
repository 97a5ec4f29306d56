// Plan::Apply: the refinement operations subtask_split, subtask_add,
// subtask_delete and subtask_modify, each checked against the position rule
// (at or after the current subtask) and the limits before it changes anything.
#include <exception>
#include <functional>
#include <utility>

#include "planner/internal/tree.h"
#include "planner/plan.h"
#include "planner/plan_tools.h"

namespace sextant::planner {
namespace {

// Ids listed at most in one error message.
constexpr std::size_t kMaxListedIds = 40;

struct Context {
  std::string_view function;
  std::vector<Subtask>& roots;
  const PlanLimits& limits;
  std::string current;     // "" when no subtask has run yet
  int current_index = -1;  // pre-order position of `current`, -1 when none
};

Status Error(const Context& ctx, const std::string& message) {
  return InvalidArgumentError(std::string(ctx.function) + ": " + message);
}

// The ids of the subtasks that satisfy `keep`, with their pre-order index, as
// "1.2, 2, 3" or "none".
std::string ListIds(const Context& ctx, const std::function<bool(const Subtask&, int)>& keep) {
  std::string out;
  std::size_t listed = 0;
  const std::vector<const Subtask*> order = internal::Preorder(ctx.roots);
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (!keep(*order[i], static_cast<int>(i))) continue;
    if (listed == kMaxListedIds) {
      out += ", ...";
      break;
    }
    if (listed++ > 0) out += ", ";
    out += order[i]->id;
  }
  return out.empty() ? "none" : out;
}

// Predicates of the subtasks each function may target.
bool CanSplit(const Context& ctx, const Subtask& s, int index) {
  if (!s.children.empty()) return false;
  if (s.id == ctx.current && s.status == SubtaskStatus::kFailed) return true;
  return index >= ctx.current_index && s.status == SubtaskStatus::kTodo;
}
bool CanAddAfter(const Context& ctx, const Subtask& /*s*/, int index) {
  return index >= ctx.current_index;
}
// A parent is todo only when all its subtasks are (see Plan), so a todo
// subtask is todo throughout.
bool CanDelete(const Context& ctx, const Subtask& s, int index) {
  return index > ctx.current_index && s.status == SubtaskStatus::kTodo;
}
bool CanModify(const Context& ctx, const Subtask& s, int index) {
  return index > ctx.current_index && s.status == SubtaskStatus::kTodo;
}

using Predicate = bool (*)(const Context&, const Subtask&, int);

std::string Allowed(const Context& ctx, Predicate can, std::string_view verb) {
  return "subtasks you can " + std::string(verb) +
         " now: " + ListIds(ctx, [&](const Subtask& s, int i) { return can(ctx, s, i); });
}

// Finds the target named in `args` and checks that it lies at (when
// `allow_current`) or after the current subtask.
Result<internal::Location> FindTarget(const Context& ctx, const Json& args, bool allow_current,
                                      Predicate can, std::string_view verb) {
  const std::string id = args.at("target_subtask_id").get<std::string>();
  const auto loc = internal::Locate(ctx.roots, id);
  if (!loc) {
    return Error(ctx, "no subtask '" + id + "' in the plan; " + Allowed(ctx, can, verb));
  }
  const int index = internal::PreorderIndex(ctx.roots, id);
  if (index > ctx.current_index || (allow_current && index == ctx.current_index)) return *loc;
  std::string where;
  if (index == ctx.current_index) {
    where = id + " is the current subtask";
  } else if (ctx.current.starts_with(id + ".")) {
    where = id + " contains the current subtask " + ctx.current;
  } else {
    where = id + " comes before the current subtask " + ctx.current;
  }
  return Error(ctx, where + "; only subtasks " +
                        std::string(allow_current ? "at or after" : "after") +
                        " the current one can be changed; " + Allowed(ctx, can, verb));
}

std::string LevelName(const internal::Location& loc) {
  return loc.parent == nullptr ? "the root" : "subtask " + loc.parent->id;
}

Result<std::string> Split(const Context& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(internal::Location loc, FindTarget(ctx, args, true, CanSplit, "split"));
  Subtask& node = loc.node();
  const bool failed_current = node.id == ctx.current && node.status == SubtaskStatus::kFailed;
  if (!node.children.empty()) {
    return Error(ctx, node.id + " already has subtasks (" +
                          internal::IdRange(node.children, 0, node.children.size()) +
                          "); split one of those, or add siblings with subtask_add");
  }
  if (node.status != SubtaskStatus::kTodo && !failed_current) {
    return Error(ctx, node.id + " is " + std::string(StatusName(node.status)) +
                          "; only a todo subtask, or the current subtask when it failed, can be "
                          "split; " +
                          Allowed(ctx, CanSplit, "split"));
  }
  const Json& specs = args.at("subtasks");
  if (specs.size() > static_cast<std::size_t>(ctx.limits.max_width)) {
    return internal::LimitError(std::string(ctx.function) + ": subtasks",
                                static_cast<long long>(specs.size()), "subtasks",
                                ctx.limits.max_width, "max_width");
  }
  if (loc.depth + 1 > ctx.limits.max_depth) {
    return Error(ctx, "the subtasks of " + node.id + " would be at depth " +
                          std::to_string(loc.depth + 1) + ", the limit is " +
                          std::to_string(ctx.limits.max_depth) +
                          " (planner.max_depth); add siblings with subtask_add instead");
  }
  Result<std::vector<Subtask>> children =
      internal::SubtasksFromSpecs(specs, "subtasks", loc.depth + 1, ctx.limits, false);
  if (!children.ok()) return children.status().WithContext(ctx.function);
  SEXTANT_RETURN_IF_ERROR(
      internal::CheckTotal(internal::CountSubtasks(ctx.roots) + static_cast<int>(children->size()),
                           std::string(ctx.function) + ": subtasks", ctx.limits));
  node.children = std::move(children).value();
  if (failed_current) {
    node.status = SubtaskStatus::kTodo;
    node.result.clear();
  }
  internal::Renumber(ctx.roots);
  internal::Reconcile(ctx.roots);
  return "split " + node.id + " into " + internal::IdRange(node.children, 0, node.children.size());
}

Result<std::string> Add(const Context& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(internal::Location loc,
                           FindTarget(ctx, args, true, CanAddAfter, "add after"));
  const Json& specs = args.at("subtasks");
  const std::size_t have = loc.siblings->size();
  if (have + specs.size() > static_cast<std::size_t>(ctx.limits.max_width)) {
    return Error(ctx, LevelName(loc) + " holds " + std::to_string(have) + " subtasks; adding " +
                          std::to_string(specs.size()) + " makes " +
                          std::to_string(have + specs.size()) + ", the limit is " +
                          std::to_string(ctx.limits.max_width) +
                          " (planner.max_width); split a later subtask instead");
  }
  Result<std::vector<Subtask>> parsed =
      internal::SubtasksFromSpecs(specs, "subtasks", loc.depth, ctx.limits, true);
  if (!parsed.ok()) return parsed.status().WithContext(ctx.function);
  std::vector<Subtask> added = std::move(parsed).value();
  SEXTANT_RETURN_IF_ERROR(
      internal::CheckTotal(internal::CountSubtasks(ctx.roots) + internal::CountSubtasks(added),
                           std::string(ctx.function) + ": subtasks", ctx.limits));
  const std::size_t first = loc.index + 1;
  const std::size_t count = added.size();
  const std::string target = loc.node().id;
  loc.siblings->insert(loc.siblings->begin() + static_cast<std::ptrdiff_t>(first),
                       std::make_move_iterator(added.begin()),
                       std::make_move_iterator(added.end()));
  internal::Renumber(ctx.roots);
  internal::Reconcile(ctx.roots);
  return "added " + internal::IdRange(*loc.siblings, first, count) + " after " + target;
}

Result<std::string> Delete(const Context& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(internal::Location loc,
                           FindTarget(ctx, args, false, CanDelete, "delete"));
  const Subtask& node = loc.node();
  if (node.status != SubtaskStatus::kTodo) {
    return Error(ctx, node.id + " is " + std::string(StatusName(node.status)) +
                          "; only todo subtasks can be deleted, finished ones never; " +
                          Allowed(ctx, CanDelete, "delete"));
  }
  if (loc.parent == nullptr && loc.siblings->size() == 1) {
    return Error(ctx, node.id + " is the only subtask of the plan; the plan must keep one");
  }
  const int nested = internal::CountSubtasks(node.children);
  std::string summary = "deleted " + node.id + " '" + node.name + "'";
  if (nested > 0) summary += " and its " + std::to_string(nested) + " subtasks";
  loc.siblings->erase(loc.siblings->begin() + static_cast<std::ptrdiff_t>(loc.index));
  internal::Renumber(ctx.roots);
  internal::Reconcile(ctx.roots);
  return summary;
}

Result<std::string> Modify(const Context& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(internal::Location loc,
                           FindTarget(ctx, args, false, CanModify, "modify"));
  Subtask updated = loc.node();
  if (updated.status != SubtaskStatus::kTodo) {
    return Error(ctx, updated.id + " is " + std::string(StatusName(updated.status)) +
                          "; only todo subtasks can be modified; " +
                          Allowed(ctx, CanModify, "modify"));
  }
  const Json& data = args.at("new_data");
  std::string changed;
  const std::pair<const char*, std::string Subtask::*> kTextFields[] = {
      {"name", &Subtask::name}, {"goal", &Subtask::goal}, {"criticism", &Subtask::criticism}};
  for (const auto& [key, member] : kTextFields) {
    const auto it = data.find(key);
    if (it == data.end()) continue;
    std::string& field = updated.*member;
    field = it->get<std::string>();
    SEXTANT_RETURN_IF_ERROR(
        internal::CheckText(field, std::string(ctx.function) + ": new_data." + key, ctx.limits));
    changed += changed.empty() ? key : std::string(", ") + key;
  }
  if (const auto it = data.find("milestones"); it != data.end()) {
    updated.milestones = it->get<std::vector<std::string>>();
    SEXTANT_RETURN_IF_ERROR(internal::CheckMilestones(
        updated.milestones, std::string(ctx.function) + ": new_data.milestones", ctx.limits));
    changed += changed.empty() ? "milestones" : ", milestones";
  }
  loc.node() = std::move(updated);
  return "modified " + loc.node().id + ": " + changed;
}

}  // namespace

Result<std::string> Plan::Apply(std::string_view function, const Json& arguments,
                                std::string_view current_id) {
  if (!IsRefineFunction(function)) {
    return InvalidArgumentError("unknown refinement function '" + std::string(function) +
                                "'; expected subtask_split, subtask_add, subtask_delete, "
                                "subtask_modify or plan_refine_done");
  }
  SEXTANT_RETURN_IF_ERROR(CheckPlanArguments(function, arguments).WithContext(function));
  if (function == kPlanRefineDone) return std::string("no change (plan_refine_done)");
  std::vector<Subtask> roots = roots_;
  Context ctx{function, roots, limits_, std::string(current_id)};
  if (!current_id.empty()) {
    ctx.current_index = internal::PreorderIndex(roots, current_id);
    if (ctx.current_index < 0) {
      return InvalidArgumentError("the current subtask '" + std::string(current_id) +
                                  "' is not in the plan");
    }
  }
  try {
    Result<std::string> summary = std::string();
    if (function == kSubtaskSplit) {
      summary = Split(ctx, arguments);
    } else if (function == kSubtaskAdd) {
      summary = Add(ctx, arguments);
    } else if (function == kSubtaskDelete) {
      summary = Delete(ctx, arguments);
    } else {
      summary = Modify(ctx, arguments);
    }
    if (summary.ok()) roots_ = std::move(roots);
    return summary;
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string(function) + ": " + e.what());
  }
}

}  // namespace sextant::planner
