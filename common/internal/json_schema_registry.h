// Schema documents and the identifiers in them: which schema every $id,
// $anchor and $dynamicAnchor names, and how a $ref resolves (RFC 3986 against
// the base URI in effect, then a JSON Pointer or anchor fragment).
//
// Ownership: owns copies of the documents it scans (the caller's schema and
// any built-in meta-schema a reference needs); SchemaLocation::json points
// into them and lives as long as the registry.
// Thread safety: none; used by one compilation.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/json_schema.h"
#include "common/status.h"

namespace sextant::internal::json_schema {

// Which keyword semantics a schema follows, from the "$schema" of its
// resource.
enum class Dialect : std::uint8_t {
  kDraft2020,
  kLegacy,  // draft-04 to 2019-09: array "items" is a tuple, "additionalItems"
};

// Where a schema sits and what surrounds it.
struct SchemaLocation {
  const Json* json = nullptr;
  // For messages: "#/properties/a" in the caller's document, or
  // "<uri>#/..." in a built-in one.
  std::string pointer;
  std::string base_uri;  // the base URI in effect for this schema's references
  int resource = 0;      // index into SchemaRegistry::resources()
  int depth = 0;         // subschema nesting below the document root
  Dialect dialect = Dialect::kDraft2020;
};

struct ResourceEntry {
  std::string uri;
  const Json* root = nullptr;
  std::vector<std::pair<std::string, const Json*>> dynamic_anchors;
};

class SchemaRegistry {
 public:
  explicit SchemaRegistry(const SchemaOptions& options);

  // Copies and scans the caller's schema: limits, $id, $anchor,
  // $dynamicAnchor and the types of those keywords.
  Status AddRoot(const Json& schema);
  const SchemaLocation& root() const { return *root_; }

  // The location of `child`, a subschema of `parent` under the keyword path
  // `suffix` (e.g. "/properties/a").
  Result<SchemaLocation> ChildLocation(const SchemaLocation& parent, const Json& child,
                                       std::string_view suffix);

  // Resolves a $ref / $dynamicRef value written in the schema at `from`.
  // `plain_anchor` receives the fragment when it is an anchor name (else "").
  Result<SchemaLocation> Resolve(std::string_view reference, const SchemaLocation& from,
                                 std::string* plain_anchor = nullptr);

  const std::vector<ResourceEntry>& resources() const { return resources_; }

 private:
  // Records `json` (and, recursively, its subschemas) at `location`. With
  // `register_ids` false (schemas inside unknown keywords), $id and anchors
  // do not identify anything.
  Status Scan(const Json& json, SchemaLocation location, bool register_ids);
  Status ScanChild(const Json& child, const SchemaLocation& parent, const std::string& suffix,
                   bool register_ids);
  Status ScanIdentifiers(const Json& schema, SchemaLocation& location, bool register_ids);
  Result<const ResourceEntry*> FindResource(const std::string& uri);

  SchemaOptions options_;
  std::vector<std::unique_ptr<Json>> documents_;
  std::vector<ResourceEntry> resources_;
  std::unordered_map<std::string, int> resource_by_uri_;
  std::unordered_map<std::string, const Json*> anchors_;  // "<resource uri>#<name>"
  std::unordered_map<const Json*, SchemaLocation> locations_;
  const SchemaLocation* root_ = nullptr;
};

}  // namespace sextant::internal::json_schema
