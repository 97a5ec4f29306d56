#include "planner/plan.h"

#include <algorithm>
#include <array>
#include <utility>

#include "planner/internal/tree.h"

namespace sextant::planner {
namespace {

constexpr std::array<std::string_view, 5> kStatusNames = {"todo", "doing", "done", "failed",
                                                          "skipped"};
constexpr std::array<std::string_view, 5> kStatusMarks = {"[ ]", "[>]", "[x]", "[!]", "[-]"};
constexpr std::string_view kIndent = "  ";
constexpr std::string_view kCurrentMarker = "  <= current";

std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

template <typename T>
Status CheckRange(std::string_view name, T value, T cap) {
  if (value >= 1 && value <= cap) return Status::Ok();
  return InvalidArgumentError("planner." + std::string(name) + " must be 1 to " +
                              std::to_string(cap) + ", got " + std::to_string(value));
}

void SkipTodo(std::vector<Subtask>& nodes) {
  for (Subtask& n : nodes) {
    if (n.children.empty()) {
      if (n.status == SubtaskStatus::kTodo) n.status = SubtaskStatus::kSkipped;
    } else {
      SkipTodo(n.children);
    }
  }
}

void RenderInto(const std::vector<Subtask>& nodes, int depth, std::string_view current_id,
                std::string& out) {
  for (const Subtask& n : nodes) {
    for (int i = 1; i < depth; ++i) out += kIndent;
    out += kStatusMarks[static_cast<std::size_t>(n.status)];
    out += ' ';
    out += n.id;
    out += ' ';
    out += OneLine(n.name);
    out += ": ";
    out += OneLine(n.goal);
    if (!current_id.empty() && n.id == current_id) out += kCurrentMarker;
    out += '\n';
    RenderInto(n.children, depth + 1, current_id, out);
  }
}

}  // namespace

std::string_view StatusName(SubtaskStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }

Result<SubtaskStatus> ParseStatus(std::string_view name) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<SubtaskStatus>(i);
  }
  return InvalidArgumentError("unknown subtask status '" + std::string(name) +
                              "'; expected todo, doing, done, failed or skipped");
}

bool IsFinished(SubtaskStatus s) {
  return s == SubtaskStatus::kDone || s == SubtaskStatus::kFailed || s == SubtaskStatus::kSkipped;
}

Status CheckPlanLimits(const PlanLimits& limits) {
  SEXTANT_RETURN_IF_ERROR(CheckRange("max_depth", limits.max_depth, PlanLimits::kMaxDepthCap));
  SEXTANT_RETURN_IF_ERROR(CheckRange("max_width", limits.max_width, PlanLimits::kMaxWidthCap));
  SEXTANT_RETURN_IF_ERROR(
      CheckRange("max_subtasks", limits.max_subtasks, PlanLimits::kMaxSubtasksCap));
  SEXTANT_RETURN_IF_ERROR(
      CheckRange("max_text_bytes", limits.max_text_bytes, PlanLimits::kMaxTextBytesCap));
  return CheckRange("max_milestones", limits.max_milestones, PlanLimits::kMaxMilestonesCap);
}

const Subtask* Plan::Find(std::string_view id) const { return internal::FindNode(roots_, id); }

int Plan::size() const { return internal::CountSubtasks(roots_); }

std::optional<std::string> Plan::NextLeaf() const {
  for (const Subtask* n : internal::Preorder(roots_)) {
    if (n->children.empty() && n->status == SubtaskStatus::kTodo) return n->id;
  }
  return std::nullopt;
}

Status Plan::Start(std::string_view id) {
  const auto loc = internal::Locate(roots_, id);
  if (!loc) return NotFoundError("no subtask '" + std::string(id) + "' in the plan");
  Subtask& node = loc->node();
  if (!node.children.empty()) {
    return FailedPreconditionError("subtask " + node.id +
                                   " has subtasks; start its first todo leaf instead");
  }
  if (node.status != SubtaskStatus::kTodo) {
    return FailedPreconditionError("subtask " + node.id + " is " +
                                   std::string(StatusName(node.status)) + ", not todo");
  }
  node.status = SubtaskStatus::kDoing;
  internal::Reconcile(roots_);
  return Status::Ok();
}

Status Plan::Finish(std::string_view id, bool success, std::string result) {
  const auto loc = internal::Locate(roots_, id);
  if (!loc) return NotFoundError("no subtask '" + std::string(id) + "' in the plan");
  Subtask& node = loc->node();
  if (!node.children.empty()) {
    return FailedPreconditionError("subtask " + node.id +
                                   " has subtasks; its status follows theirs");
  }
  if (node.status != SubtaskStatus::kDoing) {
    return FailedPreconditionError("subtask " + node.id + " is " +
                                   std::string(StatusName(node.status)) + ", not doing");
  }
  node.status = success ? SubtaskStatus::kDone : SubtaskStatus::kFailed;
  node.result = std::move(result);
  internal::Reconcile(roots_);
  return Status::Ok();
}

void Plan::SkipRemaining() {
  SkipTodo(roots_);
  internal::Reconcile(roots_);
}

std::string Plan::Render(std::string_view current_id) const {
  std::string out;
  RenderInto(roots_, 1, current_id, out);
  return out;
}

}  // namespace sextant::planner
