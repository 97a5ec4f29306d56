// The compiled form of a JSON Schema: a graph of validator nodes, one per
// schema object, that refer to each other by index (so $ref cycles are plain
// edges). Built once by CompileSchema, then only read.
//
// Thread safety: immutable after compilation; share freely between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/internal/json_schema_format.h"
#include "common/internal/json_schema_regex.h"
#include "common/json.h"
#include "common/json_schema.h"

namespace sextant::internal::json_schema {

inline constexpr int kNoNode = -1;

// A subschema reached through one keyword. `location` is the keyword path
// from the parent schema, e.g. "/properties/a" or "/allOf/2".
struct Child {
  int node = kNoNode;
  std::string location;

  bool present() const { return node != kNoNode; }
};

struct NamedChild {
  std::string name;
  Child child;
};

struct PatternChild {
  int regex = 0;  // index into CompiledSchema::regexes
  Child child;
};

struct DependentRequired {
  std::string property;
  std::vector<std::string> required;
  std::string location;  // "/dependentRequired/<property>"
};

// Keyword values are validated at compile time, so the evaluator trusts them.
struct SchemaNode {
  enum class Kind : std::uint8_t { kAlwaysTrue, kAlwaysFalse, kKeywords };
  Kind kind = Kind::kKeywords;
  // The schema resource this node belongs to (index into resources); entering
  // a node of another resource extends the dynamic scope.
  int resource = 0;
  // Whether unevaluatedProperties or unevaluatedItems is present, so the
  // annotations of the other keywords must be collected.
  bool needs_annotations = false;

  // Core.
  Child ref;                       // $ref
  Child dynamic_ref;               // $dynamicRef, statically resolved
  std::string dynamic_ref_anchor;  // non-empty: resolve it in the dynamic scope

  // Any instance.
  std::uint8_t types = 0;  // schema_type bits; 0 = no "type"
  std::optional<Json> const_value;
  std::optional<std::vector<Json>> enum_values;

  // Numbers.
  std::optional<Json> multiple_of;
  std::optional<Json> minimum;
  std::optional<Json> maximum;
  std::optional<Json> exclusive_minimum;
  std::optional<Json> exclusive_maximum;

  // Strings.
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  int pattern = kNoNode;  // index into regexes
  FormatKind format = FormatKind::kNone;
  std::string format_name;

  // Arrays.
  std::optional<std::uint64_t> min_items;
  std::optional<std::uint64_t> max_items;
  bool unique_items = false;
  std::vector<Child> prefix_items;
  Child items;
  Child contains;
  std::optional<std::uint64_t> min_contains;
  std::optional<std::uint64_t> max_contains;
  Child unevaluated_items;

  // Objects.
  std::optional<std::uint64_t> min_properties;
  std::optional<std::uint64_t> max_properties;
  std::vector<std::string> required;
  std::vector<NamedChild> properties;  // sorted by name
  std::vector<PatternChild> pattern_properties;
  Child additional_properties;
  Child property_names;
  std::vector<DependentRequired> dependent_required;
  std::vector<NamedChild> dependent_schemas;
  Child unevaluated_properties;

  // In-place applicators.
  std::vector<Child> all_of;
  std::vector<Child> any_of;
  std::vector<Child> one_of;
  Child not_schema;
  Child if_schema;
  Child then_schema;
  Child else_schema;
};

// A schema resource: a schema with "$id" (or a document root).
struct SchemaResource {
  std::string uri;
  // $dynamicAnchor names in this resource and the nodes they identify.
  std::vector<std::pair<std::string, int>> dynamic_anchors;
};

struct CompiledSchema {
  SchemaOptions options;
  std::vector<SchemaNode> nodes;  // nodes[0] is the root
  std::vector<SchemaResource> resources;
  std::vector<std::unique_ptr<SchemaRegex>> regexes;
};

}  // namespace sextant::internal::json_schema
