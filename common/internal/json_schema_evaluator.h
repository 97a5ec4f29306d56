// Evaluates an instance against a CompiledSchema: the 2020-12 semantics of
// every keyword, annotation tracking for unevaluatedItems and
// unevaluatedProperties, the dynamic scope for $dynamicRef, and error
// collection with instance and keyword locations.
//
// Ownership: borrows the schema and the instance for the duration of one
// evaluation; the schema must outlive the Evaluator.
// Thread safety: one Evaluator per evaluation and thread; the CompiledSchema
// it reads may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/internal/json_schema_node.h"
#include "common/internal/json_schema_regex.h"
#include "common/json.h"
#include "common/json_schema.h"

namespace sextant::internal::json_schema {

// Which array items or object members (by position in iteration order) some
// keyword has evaluated successfully.
class Annotations {
 public:
  void Mark(std::size_t index, std::size_t count);
  void MarkAll(std::size_t count) { evaluated_.assign(count, true); }
  bool IsMarked(std::size_t index) const { return index < evaluated_.size() && evaluated_[index]; }
  void Merge(const Annotations& other);

 private:
  std::vector<bool> evaluated_;
};

class Evaluator {
 public:
  // With `errors` null the evaluator only answers valid/invalid: it stops at
  // the first failure and tracks no locations.
  Evaluator(const CompiledSchema& schema, std::vector<SchemaError>* errors);

  // Whether `instance` is valid. Errors (when collected) are appended to the
  // vector given to the constructor, at most options.max_errors of them.
  bool Run(const Json& instance);

 private:
  friend class MuteGuard;

  // Evaluates node `index` at the current instance location; merges the
  // node's annotations into `out` (when given) if it is valid.
  bool Eval(int index, const Json& instance, Annotations* out);
  bool EvalKeywords(const SchemaNode& node, const Json& instance, Annotations* ann);

  // Applies `child` to the same instance, under its keyword path.
  bool EvalChild(const Child& child, const Json& instance, Annotations* ann);
  // Applies `child` to an array item / object member, under both paths.
  bool EvalItem(const Child& child, const Json& item, std::size_t index);
  bool EvalMember(const Child& child, const Json& value, const std::string& key);
  bool EvalRef(const Child& via, int target, const Json& instance, Annotations* ann);
  bool EvalPropertyName(const Child& child, const std::string& key);

  bool EvalReferences(const SchemaNode& node, const Json& instance, Annotations* ann);
  bool EvalAnyType(const SchemaNode& node, const Json& instance);
  bool EvalNumber(const SchemaNode& node, const Json& instance);
  bool EvalString(const SchemaNode& node, const Json& instance);
  bool EvalArray(const SchemaNode& node, const Json& instance, Annotations* ann);
  bool EvalContains(const SchemaNode& node, const Json& instance, Annotations* ann);
  bool EvalObject(const SchemaNode& node, const Json& instance, Annotations* ann);
  bool EvalMembers(const SchemaNode& node, const Json& instance, Annotations* ann);
  [[gnu::noinline]] bool EvalAnyOf(const SchemaNode& node, const Json& instance, Annotations* ann);
  [[gnu::noinline]] bool EvalOneOf(const SchemaNode& node, const Json& instance, Annotations* ann);
  bool EvalInPlace(const SchemaNode& node, const Json& instance, Annotations* ann);
  bool EvalUnevaluated(const SchemaNode& node, const Json& instance, Annotations* ann);

  // The checks and reports that build messages are kept out of line, so that
  // the frames on the recursive path stay small (see max_evaluation_depth).
  [[gnu::noinline]] bool CheckArrayBounds(const SchemaNode& node, const Json& instance);
  [[gnu::noinline]] bool CheckContainsCount(const SchemaNode& node, std::uint64_t matches);
  [[gnu::noinline]] bool CheckObjectBounds(const SchemaNode& node, const Json& instance);
  [[gnu::noinline]] void ReportNotAllowed(const Child& child, const std::string& key);
  [[gnu::noinline]] void AbortRegexLimit(std::string_view keyword_path, const SchemaRegex& regex);
  [[gnu::noinline]] void AbortTooDeep(std::string_view keyword_path, std::string_view what,
                                      int limit);

  // Records an error for the keyword at `keyword_path` below the current
  // keyword location, at the current instance location.
  void Report(std::string_view keyword_path, std::string message);
  // Reports, clears `valid`, and says whether to keep checking (KeepGoing).
  bool Fail(std::string_view keyword_path, std::string message, bool& valid) {
    Report(keyword_path, std::move(message));
    valid = false;
    return KeepGoing();
  }
  void ReportAt(std::string instance_location, std::string keyword_location, std::string message);
  // Records an error that invalidates the whole instance (a limit was hit)
  // and stops the evaluation.
  void Abort(std::string_view keyword_path, std::string message);
  // Whether evaluation must unwind now: aborted, or max_errors collected.
  bool Stopped() const { return aborted_ || full_; }
  // Whether to go on after a failed keyword: only to collect more errors.
  bool KeepGoing() const { return sink_ != nullptr && !Stopped(); }
  // "0: must be a string, got integer; 1: ..." from the errors of failed
  // branches, for anyOf and oneOf messages.
  std::string DescribeBranches(const std::vector<std::vector<SchemaError>>& branches) const;

  const CompiledSchema& schema_;
  const SchemaOptions& options_;
  std::vector<SchemaError>* const errors_;  // where errors finally go; may be null
  std::vector<SchemaError>* sink_;          // where errors go now; null while muted
  const bool track_;                        // whether to maintain the two paths
  std::string keyword_path_;
  std::string instance_path_;
  std::vector<int> scope_;  // resources in the dynamic scope, outermost first
  int ref_depth_ = 0;
  int evaluation_depth_ = 0;
  bool aborted_ = false;
  bool full_ = false;
  RegexScratch scratch_;
};

// Redirects an Evaluator's errors to `sink` (null: drop them) while alive.
class MuteGuard {
 public:
  MuteGuard(Evaluator& evaluator, std::vector<SchemaError>* sink)
      : evaluator_(evaluator), saved_(evaluator.sink_) {
    evaluator.sink_ = sink;
  }
  ~MuteGuard() { evaluator_.sink_ = saved_; }
  MuteGuard(const MuteGuard&) = delete;
  MuteGuard& operator=(const MuteGuard&) = delete;

 private:
  Evaluator& evaluator_;
  std::vector<SchemaError>* saved_;
};

// Appends a path segment while alive (when `active`).
class PathGuard {
 public:
  PathGuard(std::string& path, bool active, std::string_view segment)
      : path_(path), size_(path.size()) {
    if (active) path.append(segment);
  }
  ~PathGuard() { path_.resize(size_); }
  PathGuard(const PathGuard&) = delete;
  PathGuard& operator=(const PathGuard&) = delete;

 private:
  std::string& path_;
  std::size_t size_;
};

}  // namespace sextant::internal::json_schema
