#include "planner/internal/tree.h"

#include <algorithm>
#include <utility>

namespace sextant::planner::internal {
namespace {

// Bytes of one child's result quoted in its parent's summary.
constexpr std::size_t kSummaryResultBytes = 300;

// `text` cut to at most `max_bytes` at a UTF-8 character boundary, with "..."
// appended when cut; line breaks become spaces.
std::string Excerpt(const std::string& text, std::size_t max_bytes) {
  std::string out = text;
  bool cut = false;
  if (out.size() > max_bytes) {
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out.resize(end);
    cut = true;
  }
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  if (cut) out += "...";
  return out;
}

void PreorderInto(const std::vector<Subtask>& nodes, std::vector<const Subtask*>& out) {
  for (const Subtask& n : nodes) {
    out.push_back(&n);
    PreorderInto(n.children, out);
  }
}

void RenumberUnder(std::vector<Subtask>& nodes, const std::string& prefix) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].id = prefix.empty() ? std::to_string(i + 1) : prefix + "." + std::to_string(i + 1);
    RenumberUnder(nodes[i].children, nodes[i].id);
  }
}

std::string ReadString(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<std::vector<std::size_t>> ParseId(std::string_view id) {
  constexpr std::size_t kMaxPart = 1'000'000;
  std::vector<std::size_t> parts;
  std::size_t value = 0;
  std::size_t digits = 0;
  for (std::size_t i = 0; i <= id.size(); ++i) {
    if (i == id.size() || id[i] == '.') {
      if (digits == 0 || value == 0) return std::nullopt;
      parts.push_back(value - 1);
      value = 0;
      digits = 0;
      continue;
    }
    const char c = id[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (digits == 0 && c == '0') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
    if (value > kMaxPart) return std::nullopt;
    ++digits;
  }
  return parts;
}

std::optional<Location> Locate(std::vector<Subtask>& roots, std::string_view id) {
  const auto parts = ParseId(id);
  if (!parts) return std::nullopt;
  Location loc;
  loc.siblings = &roots;
  for (std::size_t k = 0; k < parts->size(); ++k) {
    if ((*parts)[k] >= loc.siblings->size()) return std::nullopt;
    loc.index = (*parts)[k];
    loc.depth = static_cast<int>(k) + 1;
    if (k + 1 < parts->size()) {
      loc.parent = &loc.node();
      loc.siblings = &loc.parent->children;
    }
  }
  return loc;
}

const Subtask* FindNode(const std::vector<Subtask>& roots, std::string_view id) {
  const auto parts = ParseId(id);
  if (!parts) return nullptr;
  const std::vector<Subtask>* level = &roots;
  const Subtask* node = nullptr;
  for (std::size_t part : *parts) {
    if (part >= level->size()) return nullptr;
    node = &(*level)[part];
    level = &node->children;
  }
  return node;
}

std::vector<const Subtask*> Preorder(const std::vector<Subtask>& roots) {
  std::vector<const Subtask*> out;
  PreorderInto(roots, out);
  return out;
}

int PreorderIndex(const std::vector<Subtask>& roots, std::string_view id) {
  const std::vector<const Subtask*> order = Preorder(roots);
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i]->id == id) return static_cast<int>(i);
  }
  return -1;
}

void Renumber(std::vector<Subtask>& roots) { RenumberUnder(roots, ""); }

SubtaskStatus DerivedStatus(const std::vector<Subtask>& children) {
  bool all_finished = true;
  bool all_todo = true;
  bool all_skipped = true;
  bool any_failed = false;
  for (const Subtask& c : children) {
    all_finished = all_finished && IsFinished(c.status);
    all_todo = all_todo && c.status == SubtaskStatus::kTodo;
    all_skipped = all_skipped && c.status == SubtaskStatus::kSkipped;
    any_failed = any_failed || c.status == SubtaskStatus::kFailed;
  }
  if (all_finished) {
    if (all_skipped) return SubtaskStatus::kSkipped;
    return any_failed ? SubtaskStatus::kFailed : SubtaskStatus::kDone;
  }
  return all_todo ? SubtaskStatus::kTodo : SubtaskStatus::kDoing;
}

std::string SummarizeChildren(const std::vector<Subtask>& children) {
  std::string out;
  for (const Subtask& c : children) {
    if (!out.empty()) out += '\n';
    out += "- " + Excerpt(c.name, kSummaryResultBytes) + " (" + std::string(StatusName(c.status)) +
           ")";
    if (!c.result.empty()) out += ": " + Excerpt(c.result, kSummaryResultBytes);
  }
  return out;
}

void Reconcile(std::vector<Subtask>& roots) {
  for (Subtask& n : roots) {
    if (n.children.empty()) continue;
    Reconcile(n.children);
    n.status = DerivedStatus(n.children);
    n.result = IsFinished(n.status) ? SummarizeChildren(n.children) : std::string();
  }
}

int CountSubtasks(const std::vector<Subtask>& nodes) {
  int count = 0;
  for (const Subtask& n : nodes) count += 1 + CountSubtasks(n.children);
  return count;
}

int Height(const std::vector<Subtask>& nodes) {
  int height = 0;
  for (const Subtask& n : nodes) height = std::max(height, 1 + Height(n.children));
  return height;
}

std::string IdRange(const std::vector<Subtask>& siblings, std::size_t first, std::size_t count) {
  if (count == 1) return siblings[first].id;
  return siblings[first].id + "-" + siblings[first + count - 1].id;
}

Status LimitError(std::string_view path, long long value, std::string_view what, long long limit,
                  std::string_view limit_name) {
  return InvalidArgumentError(std::string(path) + ": " + std::to_string(value) + " " +
                              std::string(what) + ", the limit is " + std::to_string(limit) +
                              " (planner." + std::string(limit_name) + ")");
}

Status CheckText(const std::string& text, std::string_view path, const PlanLimits& limits) {
  if (text.size() <= limits.max_text_bytes) return Status::Ok();
  return LimitError(path, static_cast<long long>(text.size()), "bytes",
                    static_cast<long long>(limits.max_text_bytes), "max_text_bytes");
}

Status CheckMilestones(const std::vector<std::string>& milestones, std::string_view path,
                       const PlanLimits& limits) {
  if (milestones.size() > static_cast<std::size_t>(limits.max_milestones)) {
    return LimitError(path, static_cast<long long>(milestones.size()), "milestones",
                      limits.max_milestones, "max_milestones");
  }
  for (std::size_t i = 0; i < milestones.size(); ++i) {
    SEXTANT_RETURN_IF_ERROR(
        CheckText(milestones[i], std::string(path) + "[" + std::to_string(i) + "]", limits));
  }
  return Status::Ok();
}

Result<std::vector<Subtask>> SubtasksFromSpecs(const Json& specs, const std::string& path,
                                               int depth, const PlanLimits& limits,
                                               bool allow_nested) {
  std::vector<Subtask> out;
  if (!specs.is_array()) return InvalidArgumentError(path + ": must be an array");
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const Json& spec = specs[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!spec.is_object()) return InvalidArgumentError(at + ": must be an object");
    Subtask s;
    s.name = ReadString(spec, "name");
    s.goal = ReadString(spec, "goal");
    s.criticism = ReadString(spec, "criticism");
    if (s.name.empty()) return InvalidArgumentError(at + ".name: must not be empty");
    if (s.goal.empty()) return InvalidArgumentError(at + ".goal: must not be empty");
    SEXTANT_RETURN_IF_ERROR(CheckText(s.name, at + ".name", limits));
    SEXTANT_RETURN_IF_ERROR(CheckText(s.goal, at + ".goal", limits));
    SEXTANT_RETURN_IF_ERROR(CheckText(s.criticism, at + ".criticism", limits));
    if (const auto m = spec.find("milestones"); m != spec.end() && m->is_array()) {
      for (const Json& item : *m) {
        if (!item.is_string()) return InvalidArgumentError(at + ".milestones: must be strings");
        s.milestones.push_back(item.get<std::string>());
      }
    }
    SEXTANT_RETURN_IF_ERROR(CheckMilestones(s.milestones, at + ".milestones", limits));
    const auto nested = spec.find("subtasks");
    if (nested != spec.end() && !nested->is_null() && !(nested->is_array() && nested->empty())) {
      const std::string nested_path = at + ".subtasks";
      if (!allow_nested) {
        return InvalidArgumentError(nested_path +
                                    ": not allowed here; split a subtask later instead");
      }
      if (depth + 1 > limits.max_depth) {
        return InvalidArgumentError(nested_path + ": these subtasks would be at depth " +
                                    std::to_string(depth + 1) + ", the limit is " +
                                    std::to_string(limits.max_depth) + " (planner.max_depth)");
      }
      if (nested->is_array() && nested->size() > static_cast<std::size_t>(limits.max_width)) {
        return LimitError(nested_path, static_cast<long long>(nested->size()), "subtasks",
                          limits.max_width, "max_width");
      }
      SEXTANT_ASSIGN_OR_RETURN(s.children,
                               SubtasksFromSpecs(*nested, nested_path, depth + 1, limits, true));
    }
    out.push_back(std::move(s));
  }
  return out;
}

Status CheckTotal(int total, std::string_view path, const PlanLimits& limits) {
  if (total <= limits.max_subtasks) return Status::Ok();
  return InvalidArgumentError(std::string(path) + ": the plan would have " + std::to_string(total) +
                              " subtasks, the limit is " + std::to_string(limits.max_subtasks) +
                              " (planner.max_subtasks)");
}

}  // namespace sextant::planner::internal
