// The evaluation driver, references, in-place applicators and error
// reporting. The keywords of one instance type are in
// json_schema_evaluator_keywords.cpp.
#include "common/internal/json_schema_evaluator.h"

#include <algorithm>
#include <utility>

#include "common/internal/json_schema_value.h"

namespace sextant::internal::json_schema {
namespace {

// Failed branches described in an anyOf / oneOf message.
constexpr std::size_t kMaxBranchesDescribed = 4;

}  // namespace

void Annotations::Mark(std::size_t index, std::size_t count) {
  if (evaluated_.size() < count) evaluated_.resize(count, false);
  evaluated_[index] = true;
}

void Annotations::Merge(const Annotations& other) {
  if (evaluated_.size() < other.evaluated_.size()) evaluated_.resize(other.evaluated_.size());
  for (std::size_t i = 0; i < other.evaluated_.size(); ++i) {
    if (other.evaluated_[i]) evaluated_[i] = true;
  }
}

Evaluator::Evaluator(const CompiledSchema& schema, std::vector<SchemaError>* errors)
    : schema_(schema),
      options_(schema.options),
      errors_(errors),
      sink_(errors),
      track_(errors != nullptr) {}

bool Evaluator::Run(const Json& instance) {
  const bool valid = Eval(0, instance, nullptr);
  return valid && !aborted_;
}

void Evaluator::ReportAt(std::string instance_location, std::string keyword_location,
                         std::string message) {
  if (sink_ == nullptr) return;
  const auto limit = static_cast<std::size_t>(std::max(1, options_.max_errors));
  if (sink_->size() < limit) {
    sink_->push_back(
        {std::move(instance_location), std::move(keyword_location), std::move(message)});
  }
  if (sink_ == errors_ && sink_->size() >= limit) full_ = true;
}

void Evaluator::Report(std::string_view keyword_path, std::string message) {
  if (sink_ == nullptr) return;
  ReportAt(instance_path_, keyword_path_ + std::string(keyword_path), std::move(message));
}

void Evaluator::Abort(std::string_view keyword_path, std::string message) {
  if (aborted_) return;
  aborted_ = true;
  if (errors_ == nullptr) return;
  SchemaError error{instance_path_, keyword_path_ + std::string(keyword_path), std::move(message)};
  const auto limit = static_cast<std::size_t>(std::max(1, options_.max_errors));
  if (errors_->size() >= limit) errors_->resize(limit - 1);
  errors_->push_back(std::move(error));
}

void Evaluator::AbortTooDeep(std::string_view keyword_path, std::string_view what, int limit) {
  Abort(keyword_path, std::string(what) + " of " + std::to_string(limit));
}

void Evaluator::AbortRegexLimit(std::string_view keyword_path, const SchemaRegex& regex) {
  Abort(keyword_path,
        "matching the pattern '" + regex.pattern() + "' exceeded the regex match limit");
}

void Evaluator::ReportNotAllowed(const Child& child, const std::string& key) {
  Report(child.location, "property '" + key + "' is not allowed");
}

bool Evaluator::Eval(int index, const Json& instance, Annotations* out) {
  if (Stopped()) return false;
  const SchemaNode& node = schema_.nodes[static_cast<std::size_t>(index)];
  if (node.kind == SchemaNode::Kind::kAlwaysTrue) return true;
  if (node.kind == SchemaNode::Kind::kAlwaysFalse) {
    Report("", "no value is allowed here");
    return false;
  }
  if (evaluation_depth_ >= options_.max_evaluation_depth) {
    AbortTooDeep("", "subschemas nest deeper than the evaluation limit",
                 options_.max_evaluation_depth);
    return false;
  }
  const bool enters_resource = scope_.empty() || scope_.back() != node.resource;
  if (enters_resource) scope_.push_back(node.resource);
  Annotations local;
  Annotations* ann = out != nullptr || node.needs_annotations ? &local : nullptr;
  ++evaluation_depth_;
  const bool valid = EvalKeywords(node, instance, ann);
  --evaluation_depth_;
  if (enters_resource) scope_.pop_back();
  if (valid && out != nullptr) out->Merge(local);
  return valid && !Stopped();
}

bool Evaluator::EvalKeywords(const SchemaNode& node, const Json& instance, Annotations* ann) {
  bool valid = true;
  const auto step = [&](bool ok) {
    valid = valid && ok;
    return valid || KeepGoing();
  };
  if (!step(EvalReferences(node, instance, ann))) return false;
  if (!step(EvalAnyType(node, instance))) return false;
  if (instance.is_number() && !step(EvalNumber(node, instance))) return false;
  if (instance.is_string() && !step(EvalString(node, instance))) return false;
  if (instance.is_array() && !step(EvalArray(node, instance, ann))) return false;
  if (instance.is_object() && !step(EvalObject(node, instance, ann))) return false;
  if (!step(EvalInPlace(node, instance, ann))) return false;
  if (node.needs_annotations && !step(EvalUnevaluated(node, instance, ann))) return false;
  return valid;
}

bool Evaluator::EvalChild(const Child& child, const Json& instance, Annotations* ann) {
  PathGuard keyword(keyword_path_, track_, child.location);
  return Eval(child.node, instance, ann);
}

bool Evaluator::EvalItem(const Child& child, const Json& item, std::size_t index) {
  PathGuard keyword(keyword_path_, track_, child.location);
  PathGuard at(instance_path_, track_, track_ ? PointerToken(index) : std::string());
  return Eval(child.node, item, nullptr);
}

bool Evaluator::EvalMember(const Child& child, const Json& value, const std::string& key) {
  const SchemaNode& target = schema_.nodes[static_cast<std::size_t>(child.node)];
  if (target.kind == SchemaNode::Kind::kAlwaysFalse) {
    ReportNotAllowed(child, key);
    return false;
  }
  PathGuard keyword(keyword_path_, track_, child.location);
  PathGuard at(instance_path_, track_, track_ ? PointerToken(key) : std::string());
  return Eval(child.node, value, nullptr);
}

bool Evaluator::EvalPropertyName(const Child& child, const std::string& key) {
  std::vector<SchemaError> inner;
  bool valid = false;
  {
    MuteGuard redirect(*this, sink_ == nullptr ? nullptr : &inner);
    PathGuard keyword(keyword_path_, track_, child.location);
    valid = Eval(child.node, Json(key), nullptr);
  }
  for (SchemaError& error : inner) {
    ReportAt(instance_path_, std::move(error.keyword_location),
             "property name '" + key + "': " + error.message);
  }
  return valid;
}

bool Evaluator::EvalRef(const Child& via, int target, const Json& instance, Annotations* ann) {
  if (ref_depth_ >= options_.max_ref_depth) {
    AbortTooDeep(via.location, "references nest deeper than the limit", options_.max_ref_depth);
    return false;
  }
  ++ref_depth_;
  PathGuard keyword(keyword_path_, track_, via.location);
  const bool valid = Eval(target, instance, ann);
  --ref_depth_;
  return valid;
}

bool Evaluator::EvalReferences(const SchemaNode& node, const Json& instance, Annotations* ann) {
  bool valid = true;
  if (node.ref.present()) {
    valid = EvalRef(node.ref, node.ref.node, instance, ann);
    if (!valid && !KeepGoing()) return false;
  }
  if (node.dynamic_ref.present()) {
    int target = node.dynamic_ref.node;
    if (!node.dynamic_ref_anchor.empty()) {
      // The outermost resource in the dynamic scope that declares the anchor.
      bool found = false;
      for (int resource : scope_) {
        for (const auto& [name, anchored] :
             schema_.resources[static_cast<std::size_t>(resource)].dynamic_anchors) {
          if (name == node.dynamic_ref_anchor) {
            target = anchored;
            found = true;
            break;
          }
        }
        if (found) break;
      }
    }
    valid = EvalRef(node.dynamic_ref, target, instance, ann) && valid;
  }
  return valid;
}

std::string Evaluator::DescribeBranches(
    const std::vector<std::vector<SchemaError>>& branches) const {
  std::string out;
  for (std::size_t i = 0; i < branches.size() && i < kMaxBranchesDescribed; ++i) {
    if (branches[i].empty()) continue;
    const SchemaError& first = branches[i].front();
    if (!out.empty()) out += "; ";
    out += std::to_string(i) + ": ";
    // Where in the instance, relative to here.
    if (first.instance_location.size() > instance_path_.size()) {
      out += first.instance_location.substr(instance_path_.size()) + " ";
    }
    out += first.message;
  }
  if (branches.size() > kMaxBranchesDescribed) out += "; ...";
  return out.empty() ? out : " (" + out + ")";
}

bool Evaluator::EvalAnyOf(const SchemaNode& node, const Json& instance, Annotations* ann) {
  const bool describe = sink_ != nullptr;
  std::vector<std::vector<SchemaError>> branches(describe ? node.any_of.size() : 0);
  bool any = false;
  for (std::size_t i = 0; i < node.any_of.size(); ++i) {
    bool ok = false;
    {
      MuteGuard redirect(*this, describe ? &branches[i] : nullptr);
      ok = EvalChild(node.any_of[i], instance, ann);
    }
    if (Stopped()) return false;
    any = any || ok;
    // Every passing branch contributes annotations, so go on when they count.
    if (any && ann == nullptr) break;
  }
  if (!any) {
    Report("/anyOf", "must match at least one schema in anyOf" + DescribeBranches(branches));
  }
  return any;
}

bool Evaluator::EvalOneOf(const SchemaNode& node, const Json& instance, Annotations* ann) {
  const bool describe = sink_ != nullptr;
  std::vector<std::vector<SchemaError>> branches(describe ? node.one_of.size() : 0);
  std::vector<std::size_t> passed;
  for (std::size_t i = 0; i < node.one_of.size() && passed.size() < 2; ++i) {
    bool ok = false;
    {
      MuteGuard redirect(*this, describe ? &branches[i] : nullptr);
      ok = EvalChild(node.one_of[i], instance, ann);
    }
    if (Stopped()) return false;
    if (ok) passed.push_back(i);
  }
  if (passed.empty()) {
    Report("/oneOf",
           "must match exactly one schema in oneOf, but matches none" + DescribeBranches(branches));
    return false;
  }
  if (passed.size() > 1) {
    Report("/oneOf", "must match exactly one schema in oneOf, but matches both " +
                         std::to_string(passed[0]) + " and " + std::to_string(passed[1]));
    return false;
  }
  return true;
}

bool Evaluator::EvalInPlace(const SchemaNode& node, const Json& instance, Annotations* ann) {
  bool valid = true;
  for (const Child& child : node.all_of) {
    valid = EvalChild(child, instance, ann) && valid;
    if (!valid && !KeepGoing()) return false;
  }
  if (!node.any_of.empty()) {
    valid = EvalAnyOf(node, instance, ann) && valid;
    if (!valid && !KeepGoing()) return false;
  }
  if (!node.one_of.empty()) {
    valid = EvalOneOf(node, instance, ann) && valid;
    if (!valid && !KeepGoing()) return false;
  }
  if (node.not_schema.present()) {
    bool matched = false;
    {
      MuteGuard mute(*this, nullptr);
      matched = EvalChild(node.not_schema, instance, nullptr);
    }
    if (Stopped()) return false;
    if (matched) {
      Report("/not", "must not match the schema in 'not'");
      valid = false;
      if (!KeepGoing()) return false;
    }
  }
  if (node.if_schema.present()) {
    bool condition = false;
    {
      MuteGuard mute(*this, nullptr);
      condition = EvalChild(node.if_schema, instance, ann);
    }
    if (Stopped()) return false;
    const Child& branch = condition ? node.then_schema : node.else_schema;
    if (branch.present()) valid = EvalChild(branch, instance, ann) && valid;
  }
  return valid;
}

}  // namespace sextant::internal::json_schema
