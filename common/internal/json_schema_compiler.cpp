#include "common/internal/json_schema_compiler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/internal/json_schema_registry.h"
#include "common/internal/json_schema_value.h"

namespace sextant::internal::json_schema {
namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool IsSchemaValue(const Json& j) { return j.is_object() || j.is_boolean(); }

const Json* Get(const Json& schema, std::string_view keyword) {
  auto it = schema.find(keyword);
  return it == schema.end() ? nullptr : &*it;
}

class Compiler {
 public:
  explicit Compiler(const SchemaOptions& options)
      : options_(options), registry_(options), out_(std::make_unique<CompiledSchema>()) {
    out_->options = options;
  }

  Result<std::unique_ptr<CompiledSchema>> Run(const Json& schema);

 private:
  struct Pending {
    int node;
    SchemaLocation location;
  };

  // `path` is the keyword path below the schema, already escaped.
  Status Fail(const SchemaLocation& at, std::string_view path, std::string_view problem) const {
    return InvalidArgumentError("invalid schema at '" + at.pointer + "/" + std::string(path) +
                                "': " + std::string(problem));
  }

  Result<int> Intern(const SchemaLocation& location);
  Result<Child> Subschema(const SchemaLocation& parent, const Json& value, const std::string& path);
  Result<std::vector<Child>> SchemaArray(const SchemaLocation& at, const Json& value,
                                         std::string_view keyword);
  Result<std::vector<NamedChild>> SchemaMap(const SchemaLocation& at, const Json& value,
                                            std::string_view keyword);
  Result<std::uint64_t> NonNegative(const SchemaLocation& at, const Json& schema,
                                    std::string_view keyword, bool& present) const;
  Result<int> AddRegex(const SchemaLocation& at, std::string_view path, const std::string& pattern);

  Status CompileNode(int index, const SchemaLocation& at);
  Status CompileReferences(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Status CompileAnyType(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Status CompileNumberAndString(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Status CompileArray(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Status CompileObject(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Status CompileDependencies(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Status CompileInPlace(const Json& s, const SchemaLocation& at, SchemaNode& node);
  Result<bool> InternDynamicAnchors();
  Status CheckCycles() const;

  SchemaOptions options_;
  SchemaRegistry registry_;
  std::unique_ptr<CompiledSchema> out_;
  std::unordered_map<const Json*, int> node_of_;
  std::vector<std::string> pointers_;  // schema location of each node, for messages
  std::vector<Pending> queue_;
  std::unordered_map<std::string, int> regex_of_;
  std::vector<bool> resource_used_;
  std::vector<bool> anchors_interned_;
};

Result<int> Compiler::Intern(const SchemaLocation& location) {
  if (auto it = node_of_.find(location.json); it != node_of_.end()) return it->second;
  const int index = static_cast<int>(out_->nodes.size());
  out_->nodes.emplace_back();
  pointers_.push_back(location.pointer);
  node_of_.emplace(location.json, index);
  queue_.push_back({index, location});
  const auto resource = static_cast<std::size_t>(location.resource);
  if (resource_used_.size() <= resource) resource_used_.resize(resource + 1, false);
  resource_used_[resource] = true;
  return index;
}

Result<Child> Compiler::Subschema(const SchemaLocation& parent, const Json& value,
                                  const std::string& path) {
  if (!IsSchemaValue(value)) {
    return Fail(parent, path,
                std::string("must be a schema (an object or a boolean), got ") + value.type_name());
  }
  std::string suffix = "/" + path;
  SEXTANT_ASSIGN_OR_RETURN(SchemaLocation location, registry_.ChildLocation(parent, value, suffix));
  SEXTANT_ASSIGN_OR_RETURN(int index, Intern(location));
  return Child{index, std::move(suffix)};
}

Result<std::vector<Child>> Compiler::SchemaArray(const SchemaLocation& at, const Json& value,
                                                 std::string_view keyword) {
  if (!value.is_array() || value.empty()) {
    return Fail(at, keyword, "must be a non-empty array of schemas");
  }
  std::vector<Child> children;
  for (std::size_t i = 0; i < value.size(); ++i) {
    SEXTANT_ASSIGN_OR_RETURN(Child child,
                             Subschema(at, value[i], std::string(keyword) + PointerToken(i)));
    children.push_back(std::move(child));
  }
  return children;
}

Result<std::vector<NamedChild>> Compiler::SchemaMap(const SchemaLocation& at, const Json& value,
                                                    std::string_view keyword) {
  if (!value.is_object()) return Fail(at, keyword, "must be an object of schemas");
  std::vector<NamedChild> children;
  for (const auto& [name, child] : value.items()) {
    SEXTANT_ASSIGN_OR_RETURN(Child compiled,
                             Subschema(at, child, std::string(keyword) + PointerToken(name)));
    children.push_back({name, std::move(compiled)});
  }
  return children;
}

Result<std::uint64_t> Compiler::NonNegative(const SchemaLocation& at, const Json& schema,
                                            std::string_view keyword, bool& present) const {
  const Json* v = Get(schema, keyword);
  present = v != nullptr;
  if (v == nullptr) return std::uint64_t{0};
  if (!v->is_number() || !IsIntegral(*v) || CompareNumbers(*v, Json(0)) < 0) {
    return Fail(at, keyword,
                "must be a non-negative integer, got " + std::string(SchemaTypeName(*v)) + " " +
                    SummarizeJson(*v));
  }
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  if (v->is_number_integer()) return static_cast<std::uint64_t>(v->get<std::int64_t>());
  constexpr double kTwoPow64 = 18446744073709551616.0;
  const double d = v->get<double>();
  return d >= kTwoPow64 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(d);
}

Result<int> Compiler::AddRegex(const SchemaLocation& at, std::string_view path,
                               const std::string& pattern) {
  if (auto it = regex_of_.find(pattern); it != regex_of_.end()) return it->second;
  auto regex = SchemaRegex::Compile(pattern, options_.regex_match_limit);
  if (!regex.ok()) {
    return Fail(at, path,
                "invalid regular expression " + Quote(pattern) + ": " + regex.status().message());
  }
  const int index = static_cast<int>(out_->regexes.size());
  out_->regexes.push_back(std::move(regex).value());
  regex_of_.emplace(pattern, index);
  return index;
}

Status Compiler::CompileReferences(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  if (const Json* v = Get(s, "$ref")) {
    if (!v->is_string()) return Fail(at, "$ref", "must be a string (a URI reference)");
    SEXTANT_ASSIGN_OR_RETURN(SchemaLocation target,
                             registry_.Resolve(v->get_ref<const std::string&>(), at));
    SEXTANT_ASSIGN_OR_RETURN(int index, Intern(target));
    node.ref = {index, "/$ref"};
  }
  if (const Json* v = Get(s, "$dynamicRef")) {
    if (!v->is_string()) return Fail(at, "$dynamicRef", "must be a string (a URI reference)");
    std::string anchor;
    SEXTANT_ASSIGN_OR_RETURN(SchemaLocation target,
                             registry_.Resolve(v->get_ref<const std::string&>(), at, &anchor));
    SEXTANT_ASSIGN_OR_RETURN(int index, Intern(target));
    node.dynamic_ref = {index, "/$dynamicRef"};
    // Resolved dynamically only when the static target declares the same
    // $dynamicAnchor (the "bookending" rule).
    if (!anchor.empty() && target.json->is_object()) {
      const Json* declared = Get(*target.json, "$dynamicAnchor");
      if (declared != nullptr && *declared == anchor) node.dynamic_ref_anchor = anchor;
    }
  }
  return Status::Ok();
}

Status Compiler::CompileAnyType(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  if (const Json* v = Get(s, "type")) {
    const auto add = [&](const Json& name) -> Status {
      const auto bit =
          name.is_string() ? SchemaTypeFromName(name.get_ref<const std::string&>()) : std::nullopt;
      if (!bit) {
        return Fail(at, "type",
                    "unknown type " + SummarizeJson(name) +
                        "; expected null, boolean, object, array, number, string or integer");
      }
      node.types |= *bit;
      return Status::Ok();
    };
    if (v->is_array()) {
      if (v->empty()) return Fail(at, "type", "must not be an empty array");
      for (const Json& name : *v) SEXTANT_RETURN_IF_ERROR(add(name));
    } else {
      SEXTANT_RETURN_IF_ERROR(add(*v));
    }
  }
  if (const Json* v = Get(s, "enum")) {
    if (!v->is_array()) return Fail(at, "enum", "must be an array");
    node.enum_values.emplace(v->begin(), v->end());
  }
  if (const Json* v = Get(s, "const")) node.const_value = *v;
  return Status::Ok();
}

Status Compiler::CompileNumberAndString(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  if (const Json* v = Get(s, "multipleOf")) {
    if (!v->is_number() || CompareNumbers(*v, Json(0)) <= 0) {
      return Fail(at, "multipleOf", "must be a number greater than 0");
    }
    node.multiple_of = *v;
  }
  const std::pair<std::string_view, std::optional<Json>*> bounds[] = {
      {"minimum", &node.minimum},
      {"maximum", &node.maximum},
      {"exclusiveMinimum", &node.exclusive_minimum},
      {"exclusiveMaximum", &node.exclusive_maximum}};
  for (const auto& [keyword, slot] : bounds) {
    if (const Json* v = Get(s, keyword)) {
      if (!v->is_number()) {
        return Fail(at, keyword, std::string("must be a number, got ") + v->type_name());
      }
      *slot = *v;
    }
  }
  bool present = false;
  SEXTANT_ASSIGN_OR_RETURN(std::uint64_t min_length, NonNegative(at, s, "minLength", present));
  if (present) node.min_length = min_length;
  SEXTANT_ASSIGN_OR_RETURN(std::uint64_t max_length, NonNegative(at, s, "maxLength", present));
  if (present) node.max_length = max_length;
  if (const Json* v = Get(s, "pattern")) {
    if (!v->is_string()) return Fail(at, "pattern", "must be a string");
    SEXTANT_ASSIGN_OR_RETURN(node.pattern,
                             AddRegex(at, "pattern", v->get_ref<const std::string&>()));
  }
  if (const Json* v = Get(s, "format")) {
    if (!v->is_string()) return Fail(at, "format", "must be a string");
    node.format_name = v->get<std::string>();
    if (options_.assert_format) node.format = FormatFromName(node.format_name);
  }
  return Status::Ok();
}

Status Compiler::CompileArray(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  bool present = false;
  SEXTANT_ASSIGN_OR_RETURN(std::uint64_t min_items, NonNegative(at, s, "minItems", present));
  if (present) node.min_items = min_items;
  SEXTANT_ASSIGN_OR_RETURN(std::uint64_t max_items, NonNegative(at, s, "maxItems", present));
  if (present) node.max_items = max_items;
  if (const Json* v = Get(s, "uniqueItems")) {
    if (!v->is_boolean()) return Fail(at, "uniqueItems", "must be a boolean");
    node.unique_items = v->get<bool>();
  }
  if (const Json* v = Get(s, "prefixItems")) {
    SEXTANT_ASSIGN_OR_RETURN(node.prefix_items, SchemaArray(at, *v, "prefixItems"));
  }
  if (const Json* v = Get(s, "items")) {
    if (v->is_array() && at.dialect == Dialect::kLegacy) {
      SEXTANT_ASSIGN_OR_RETURN(node.prefix_items, SchemaArray(at, *v, "items"));
      if (const Json* additional = Get(s, "additionalItems")) {
        SEXTANT_ASSIGN_OR_RETURN(node.items, Subschema(at, *additional, "additionalItems"));
      }
    } else {
      SEXTANT_ASSIGN_OR_RETURN(node.items, Subschema(at, *v, "items"));
    }
  }
  if (const Json* v = Get(s, "contains")) {
    SEXTANT_ASSIGN_OR_RETURN(node.contains, Subschema(at, *v, "contains"));
    SEXTANT_ASSIGN_OR_RETURN(std::uint64_t min, NonNegative(at, s, "minContains", present));
    if (present) node.min_contains = min;
    SEXTANT_ASSIGN_OR_RETURN(std::uint64_t max, NonNegative(at, s, "maxContains", present));
    if (present) node.max_contains = max;
  }
  if (const Json* v = Get(s, "unevaluatedItems")) {
    SEXTANT_ASSIGN_OR_RETURN(node.unevaluated_items, Subschema(at, *v, "unevaluatedItems"));
  }
  return Status::Ok();
}

Status Compiler::CompileObject(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  bool present = false;
  SEXTANT_ASSIGN_OR_RETURN(std::uint64_t min, NonNegative(at, s, "minProperties", present));
  if (present) node.min_properties = min;
  SEXTANT_ASSIGN_OR_RETURN(std::uint64_t max, NonNegative(at, s, "maxProperties", present));
  if (present) node.max_properties = max;
  if (const Json* v = Get(s, "required")) {
    if (!v->is_array() ||
        !std::all_of(v->begin(), v->end(), [](const Json& j) { return j.is_string(); })) {
      return Fail(at, "required", "must be an array of strings");
    }
    for (const Json& name : *v) node.required.push_back(name.get<std::string>());
  }
  if (const Json* v = Get(s, "properties")) {
    SEXTANT_ASSIGN_OR_RETURN(node.properties, SchemaMap(at, *v, "properties"));
    std::sort(node.properties.begin(), node.properties.end(),
              [](const NamedChild& a, const NamedChild& b) { return a.name < b.name; });
  }
  if (const Json* v = Get(s, "patternProperties")) {
    SEXTANT_ASSIGN_OR_RETURN(std::vector<NamedChild> children,
                             SchemaMap(at, *v, "patternProperties"));
    for (NamedChild& child : children) {
      SEXTANT_ASSIGN_OR_RETURN(
          int regex, AddRegex(at, "patternProperties" + PointerToken(child.name), child.name));
      node.pattern_properties.push_back({regex, std::move(child.child)});
    }
  }
  if (const Json* v = Get(s, "additionalProperties")) {
    SEXTANT_ASSIGN_OR_RETURN(node.additional_properties, Subschema(at, *v, "additionalProperties"));
  }
  if (const Json* v = Get(s, "propertyNames")) {
    SEXTANT_ASSIGN_OR_RETURN(node.property_names, Subschema(at, *v, "propertyNames"));
  }
  if (const Json* v = Get(s, "dependentSchemas")) {
    SEXTANT_ASSIGN_OR_RETURN(node.dependent_schemas, SchemaMap(at, *v, "dependentSchemas"));
  }
  SEXTANT_RETURN_IF_ERROR(CompileDependencies(s, at, node));
  if (const Json* v = Get(s, "unevaluatedProperties")) {
    SEXTANT_ASSIGN_OR_RETURN(node.unevaluated_properties,
                             Subschema(at, *v, "unevaluatedProperties"));
  }
  return Status::Ok();
}

// "dependentRequired", and the older "dependencies" that mixes both kinds.
Status Compiler::CompileDependencies(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  for (std::string_view keyword : {"dependentRequired", "dependencies"}) {
    const Json* v = Get(s, keyword);
    if (v == nullptr) continue;
    if (!v->is_object()) return Fail(at, keyword, "must be an object");
    for (const auto& [name, value] : v->items()) {
      const std::string path = std::string(keyword) + PointerToken(name);
      if (value.is_array()) {
        DependentRequired dependency{name, {}, "/" + path};
        for (const Json& required : value) {
          if (!required.is_string()) return Fail(at, path, "must be an array of strings");
          dependency.required.push_back(required.get<std::string>());
        }
        node.dependent_required.push_back(std::move(dependency));
      } else if (keyword == "dependencies") {
        SEXTANT_ASSIGN_OR_RETURN(Child child, Subschema(at, value, path));
        node.dependent_schemas.push_back({name, std::move(child)});
      } else {
        return Fail(at, path, "must be an array of strings");
      }
    }
  }
  return Status::Ok();
}

Status Compiler::CompileInPlace(const Json& s, const SchemaLocation& at, SchemaNode& node) {
  const std::pair<std::string_view, std::vector<Child>*> lists[] = {
      {"allOf", &node.all_of}, {"anyOf", &node.any_of}, {"oneOf", &node.one_of}};
  for (const auto& [keyword, slot] : lists) {
    if (const Json* v = Get(s, keyword)) {
      SEXTANT_ASSIGN_OR_RETURN(*slot, SchemaArray(at, *v, keyword));
    }
  }
  if (const Json* v = Get(s, "not")) {
    SEXTANT_ASSIGN_OR_RETURN(node.not_schema, Subschema(at, *v, "not"));
  }
  // "then" and "else" do nothing without "if".
  if (const Json* v = Get(s, "if")) {
    SEXTANT_ASSIGN_OR_RETURN(node.if_schema, Subschema(at, *v, "if"));
    if (const Json* t = Get(s, "then")) {
      SEXTANT_ASSIGN_OR_RETURN(node.then_schema, Subschema(at, *t, "then"));
    }
    if (const Json* e = Get(s, "else")) {
      SEXTANT_ASSIGN_OR_RETURN(node.else_schema, Subschema(at, *e, "else"));
    }
  }
  return Status::Ok();
}

Status Compiler::CompileNode(int index, const SchemaLocation& at) {
  const Json& s = *at.json;
  SchemaNode node;
  node.resource = at.resource;
  if (s.is_boolean()) {
    node.kind = s.get<bool>() ? SchemaNode::Kind::kAlwaysTrue : SchemaNode::Kind::kAlwaysFalse;
  } else {
    SEXTANT_RETURN_IF_ERROR(CompileReferences(s, at, node));
    SEXTANT_RETURN_IF_ERROR(CompileAnyType(s, at, node));
    SEXTANT_RETURN_IF_ERROR(CompileNumberAndString(s, at, node));
    SEXTANT_RETURN_IF_ERROR(CompileArray(s, at, node));
    SEXTANT_RETURN_IF_ERROR(CompileObject(s, at, node));
    SEXTANT_RETURN_IF_ERROR(CompileInPlace(s, at, node));
    node.needs_annotations =
        node.unevaluated_items.present() || node.unevaluated_properties.present();
  }
  out_->nodes[static_cast<std::size_t>(index)] = std::move(node);
  return Status::Ok();
}

// Compiles the $dynamicAnchor targets of every resource that has compiled
// nodes, since a $dynamicRef may land on any of them. Returns whether it
// queued anything.
Result<bool> Compiler::InternDynamicAnchors() {
  bool queued = false;
  const auto& resources = registry_.resources();
  anchors_interned_.resize(resources.size(), false);
  for (std::size_t r = 0; r < resources.size(); ++r) {
    if (anchors_interned_[r] || r >= resource_used_.size() || !resource_used_[r]) continue;
    anchors_interned_[r] = true;
    for (const auto& [name, json] : resources[r].dynamic_anchors) {
      if (node_of_.count(json) != 0) continue;
      SEXTANT_ASSIGN_OR_RETURN(SchemaLocation location,
                               registry_.ChildLocation(registry_.root(), *json, ""));
      SEXTANT_RETURN_IF_ERROR(Intern(location).status());
      queued = true;
    }
  }
  return queued;
}

// Applicators that apply to the same instance location; a cycle of them would
// recurse forever without consuming input.
void InPlaceEdges(const SchemaNode& node, std::vector<int>& out) {
  out.clear();
  for (const Child* c : {&node.ref, &node.dynamic_ref, &node.not_schema, &node.if_schema,
                         &node.then_schema, &node.else_schema}) {
    if (c->present()) out.push_back(c->node);
  }
  for (const auto* list : {&node.all_of, &node.any_of, &node.one_of}) {
    for (const Child& c : *list) out.push_back(c.node);
  }
  for (const NamedChild& c : node.dependent_schemas) out.push_back(c.child.node);
}

Status Compiler::CheckCycles() const {
  enum class Color : std::uint8_t { kUnvisited, kOnPath, kDone };
  const std::size_t n = out_->nodes.size();
  std::vector<Color> color(n, Color::kUnvisited);
  struct Frame {
    int node;
    std::vector<int> successors;
    std::size_t next = 0;
  };
  std::vector<Frame> path;
  for (std::size_t start = 0; start < n; ++start) {
    if (color[start] != Color::kUnvisited) continue;
    path.push_back({static_cast<int>(start), {}, 0});
    InPlaceEdges(out_->nodes[start], path.back().successors);
    color[start] = Color::kOnPath;
    while (!path.empty()) {
      Frame& top = path.back();
      if (top.next == top.successors.size()) {
        color[static_cast<std::size_t>(top.node)] = Color::kDone;
        path.pop_back();
        continue;
      }
      const int next = top.successors[top.next++];
      const auto next_index = static_cast<std::size_t>(next);
      if (color[next_index] == Color::kOnPath) {
        std::string loop;
        bool in_loop = false;
        for (const Frame& f : path) {
          in_loop = in_loop || f.node == next;
          if (in_loop) loop += pointers_[static_cast<std::size_t>(f.node)] + " -> ";
        }
        return InvalidArgumentError(
            "invalid schema: references loop back to the same instance without consuming "
            "any of it: " +
            loop + pointers_[next_index]);
      }
      if (color[next_index] == Color::kUnvisited) {
        color[next_index] = Color::kOnPath;
        path.push_back({next, {}, 0});
        InPlaceEdges(out_->nodes[next_index], path.back().successors);
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<CompiledSchema>> Compiler::Run(const Json& schema) {
  SEXTANT_RETURN_IF_ERROR(registry_.AddRoot(schema));
  SEXTANT_RETURN_IF_ERROR(Intern(registry_.root()).status());
  while (true) {
    while (!queue_.empty()) {
      Pending pending = std::move(queue_.back());
      queue_.pop_back();
      SEXTANT_RETURN_IF_ERROR(CompileNode(pending.node, pending.location));
    }
    SEXTANT_ASSIGN_OR_RETURN(bool queued, InternDynamicAnchors());
    if (!queued) break;
  }
  SEXTANT_RETURN_IF_ERROR(CheckCycles());
  for (const ResourceEntry& entry : registry_.resources()) {
    SchemaResource resource{entry.uri, {}};
    for (const auto& [name, json] : entry.dynamic_anchors) {
      if (auto it = node_of_.find(json); it != node_of_.end()) {
        resource.dynamic_anchors.emplace_back(name, it->second);
      }
    }
    out_->resources.push_back(std::move(resource));
  }
  return std::move(out_);
}

}  // namespace

Result<std::unique_ptr<CompiledSchema>> CompileSchema(const Json& schema,
                                                      const SchemaOptions& options) {
  Compiler compiler(options);
  return compiler.Run(schema);
}

}  // namespace sextant::internal::json_schema
