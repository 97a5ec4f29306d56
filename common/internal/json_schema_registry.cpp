#include "common/internal/json_schema_registry.h"

#include <array>
#include <cctype>

#include "common/internal/json_schema_metaschema.h"
#include "common/internal/json_schema_uri.h"
#include "common/internal/json_schema_value.h"

namespace sextant::internal::json_schema {
namespace {

// Keywords whose value is one subschema.
constexpr std::array<std::string_view, 12> kSchemaKeywords = {"additionalProperties",
                                                              "propertyNames",
                                                              "items",
                                                              "contains",
                                                              "not",
                                                              "if",
                                                              "then",
                                                              "else",
                                                              "unevaluatedItems",
                                                              "unevaluatedProperties",
                                                              "contentSchema",
                                                              "additionalItems"};
// Keywords whose value is an array of subschemas.
constexpr std::array<std::string_view, 5> kSchemaArrayKeywords = {"prefixItems", "allOf", "anyOf",
                                                                  "oneOf", "items"};
// Keywords whose value is an object of subschemas.
constexpr std::array<std::string_view, 6> kSchemaMapKeywords = {
    "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"};

// "$schema" values of drafts before 2020-12.
constexpr std::array<std::string_view, 5> kLegacyDialectMarkers = {
    "draft-03", "draft-04", "draft-06", "draft-07", "draft/2019-09"};

bool IsSchemaValue(const Json& j) { return j.is_object() || j.is_boolean(); }

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// ^[A-Za-z_][-A-Za-z0-9._]*$ (the 2020-12 anchor grammar).
bool IsAnchorName(std::string_view name) {
  if (name.empty()) return false;
  const auto first = static_cast<unsigned char>(name[0]);
  if (std::isalpha(first) == 0 && name[0] != '_') return false;
  for (char c : name.substr(1)) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

// `path` is the keyword, or a JSON Pointer path below it, already escaped.
Status InvalidKeyword(const SchemaLocation& at, std::string_view path, std::string_view problem) {
  return InvalidArgumentError("invalid schema at '" + at.pointer + "/" + std::string(path) +
                              "': " + std::string(problem));
}

}  // namespace

SchemaRegistry::SchemaRegistry(const SchemaOptions& options) : options_(options) {}

Status SchemaRegistry::AddRoot(const Json& schema) {
  if (JsonDeeperThan(schema, options_.max_document_depth)) {
    return ResourceExhaustedError("schema document nests deeper than the limit of " +
                                  std::to_string(options_.max_document_depth) + " levels");
  }
  if (!IsSchemaValue(schema)) {
    return InvalidArgumentError(std::string("a schema must be an object or a boolean, got ") +
                                schema.type_name());
  }
  documents_.push_back(std::make_unique<Json>(schema));
  const Json* doc = documents_.back().get();
  resources_.push_back({"", doc, {}});
  resource_by_uri_[""] = 0;
  SchemaLocation location{doc, "#", "", 0, 0, Dialect::kDraft2020};
  SEXTANT_RETURN_IF_ERROR(Scan(*doc, location, true));
  root_ = &locations_.at(doc);
  return Status::Ok();
}

Status SchemaRegistry::ScanIdentifiers(const Json& schema, SchemaLocation& location,
                                       bool register_ids) {
  if (auto it = schema.find("$schema"); it != schema.end()) {
    if (!it->is_string()) return InvalidKeyword(location, "$schema", "must be a string");
    const auto& uri = it->get_ref<const std::string&>();
    location.dialect = Dialect::kDraft2020;
    for (std::string_view marker : kLegacyDialectMarkers) {
      if (uri.find(marker) != std::string::npos) location.dialect = Dialect::kLegacy;
    }
  }
  if (auto it = schema.find("$id"); it != schema.end()) {
    if (!it->is_string()) return InvalidKeyword(location, "$id", "must be a string");
    auto [uri, fragment] = SplitFragment(ResolveUri(location.base_uri, it->get<std::string>()));
    if (!fragment.empty()) {
      return InvalidKeyword(location, "$id", "must not contain a fragment; use $anchor");
    }
    location.base_uri = uri;
    if (register_ids && location.depth > 0) {
      auto [existing, inserted] =
          resource_by_uri_.emplace(uri, static_cast<int>(resources_.size()));
      if (!inserted && resources_[existing->second].root != &schema) {
        return InvalidKeyword(location, "$id", "duplicates the $id " + Quote(uri));
      }
      if (inserted) resources_.push_back({uri, &schema, {}});
      location.resource = existing->second;
    } else if (register_ids) {
      // The document root: its resource exists already under the default URI.
      resources_[location.resource].uri = uri;
      resource_by_uri_[uri] = location.resource;
    }
  }
  for (std::string_view keyword : {"$anchor", "$dynamicAnchor"}) {
    auto it = schema.find(keyword);
    if (it == schema.end()) continue;
    if (!it->is_string() || !IsAnchorName(it->get_ref<const std::string&>())) {
      return InvalidKeyword(location, keyword,
                            "must be a name matching ^[A-Za-z_][-A-Za-z0-9._]*$");
    }
    if (!register_ids) continue;
    const std::string& name = it->get_ref<const std::string&>();
    auto [existing, inserted] = anchors_.emplace(location.base_uri + "#" + name, &schema);
    if (!inserted && existing->second != &schema) {
      return InvalidKeyword(location, keyword, "duplicates the anchor " + Quote(name));
    }
    if (keyword == "$dynamicAnchor") {
      resources_[location.resource].dynamic_anchors.emplace_back(name, &schema);
    }
  }
  return Status::Ok();
}

Status SchemaRegistry::Scan(const Json& json, SchemaLocation location, bool register_ids) {
  if (location.depth > options_.max_schema_depth) {
    return ResourceExhaustedError("schema at '" + location.pointer + "' is nested " +
                                  std::to_string(location.depth) + " levels deep; the limit is " +
                                  std::to_string(options_.max_schema_depth));
  }
  if (locations_.count(&json) != 0) return Status::Ok();
  location.json = &json;
  if (json.is_object()) SEXTANT_RETURN_IF_ERROR(ScanIdentifiers(json, location, register_ids));
  locations_.emplace(&json, location);
  if (!json.is_object()) return Status::Ok();

  for (std::string_view keyword : kSchemaKeywords) {
    auto it = json.find(keyword);
    if (it != json.end() && IsSchemaValue(*it)) {
      SEXTANT_RETURN_IF_ERROR(
          ScanChild(*it, location, "/" + JsonPointerEscape(keyword), register_ids));
    }
  }
  for (std::string_view keyword : kSchemaArrayKeywords) {
    auto it = json.find(keyword);
    if (it == json.end() || !it->is_array()) continue;
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (!IsSchemaValue((*it)[i])) continue;
      SEXTANT_RETURN_IF_ERROR(ScanChild(
          (*it)[i], location, "/" + std::string(keyword) + PointerToken(i), register_ids));
    }
  }
  for (std::string_view keyword : kSchemaMapKeywords) {
    auto it = json.find(keyword);
    if (it == json.end()) continue;
    if (!it->is_object()) {
      if (keyword == "$defs") return InvalidKeyword(location, keyword, "must be an object");
      continue;
    }
    for (const auto& [name, child] : it->items()) {
      if (!IsSchemaValue(child)) {
        if (keyword == "$defs") {
          return InvalidKeyword(location, std::string(keyword) + PointerToken(name),
                                "must be a schema (an object or a boolean)");
        }
        continue;
      }
      SEXTANT_RETURN_IF_ERROR(ScanChild(
          child, location, "/" + JsonPointerEscape(keyword) + PointerToken(name), register_ids));
    }
  }
  return Status::Ok();
}

Status SchemaRegistry::ScanChild(const Json& child, const SchemaLocation& parent,
                                 const std::string& suffix, bool register_ids) {
  SchemaLocation location = parent;
  location.pointer += suffix;
  location.depth += 1;
  return Scan(child, std::move(location), register_ids);
}

Result<SchemaLocation> SchemaRegistry::ChildLocation(const SchemaLocation& parent,
                                                     const Json& child, std::string_view suffix) {
  if (auto it = locations_.find(&child); it != locations_.end()) return it->second;
  SEXTANT_RETURN_IF_ERROR(ScanChild(child, parent, std::string(suffix), false));
  return locations_.at(&child);
}

Result<const ResourceEntry*> SchemaRegistry::FindResource(const std::string& uri) {
  auto it = resource_by_uri_.find(uri);
  if (it == resource_by_uri_.end()) {
    const std::optional<std::string_view> text = BuiltinSchemaText(uri);
    if (!text) return static_cast<const ResourceEntry*>(nullptr);
    auto parsed = ParseJson(*text);
    if (!parsed.ok())
      return InternalError("built-in schema " + uri + ": " + parsed.status().message());
    documents_.push_back(std::make_unique<Json>(std::move(parsed).value()));
    const Json* doc = documents_.back().get();
    const int index = static_cast<int>(resources_.size());
    resources_.push_back({uri, doc, {}});
    resource_by_uri_[uri] = index;
    SEXTANT_RETURN_IF_ERROR(
        Scan(*doc, SchemaLocation{doc, uri + "#", uri, index, 0, Dialect::kDraft2020}, true));
    it = resource_by_uri_.find(uri);
  }
  return &resources_[it->second];
}

Result<SchemaLocation> SchemaRegistry::Resolve(std::string_view reference,
                                               const SchemaLocation& from,
                                               std::string* plain_anchor) {
  const std::string target = ResolveUri(from.base_uri, reference);
  auto [uri, fragment] = SplitFragment(target);
  SEXTANT_ASSIGN_OR_RETURN(const ResourceEntry* resource, FindResource(uri));
  const std::string describe = Quote(reference) + (target != reference ? " (" + target + ")" : "");
  if (resource == nullptr) {
    return InvalidArgumentError("cannot resolve reference " + describe + " at '" + from.pointer +
                                "': no schema in this document has that $id, and remote "
                                "schemas are not fetched");
  }
  const std::string decoded = PercentDecode(fragment);
  if (plain_anchor != nullptr) plain_anchor->clear();
  if (decoded.empty()) return locations_.at(resource->root);
  if (decoded[0] != '/') {
    auto it = anchors_.find(uri + "#" + decoded);
    if (it == anchors_.end()) {
      return InvalidArgumentError("cannot resolve reference " + describe + " at '" + from.pointer +
                                  "': no $anchor or $dynamicAnchor named " + Quote(decoded));
    }
    if (plain_anchor != nullptr) *plain_anchor = decoded;
    return locations_.at(it->second);
  }
  const auto tokens = ParseJsonPointer(decoded);
  if (!tokens) {
    return InvalidArgumentError("reference " + describe + " at '" + from.pointer +
                                "' has a malformed JSON Pointer fragment");
  }
  // Walk the pointer, remembering the innermost scanned schema on the way: a
  // target inside an unknown keyword takes its base URI from there.
  const Json* node = resource->root;
  SchemaLocation context = locations_.at(node);
  for (const std::string& token : *tokens) {
    const Json* next = nullptr;
    if (node->is_object()) {
      if (auto it = node->find(token); it != node->end()) next = &*it;
    } else if (node->is_array()) {
      if (auto index = ParseArrayIndex(token); index && *index < node->size()) {
        next = &(*node)[*index];
      }
    }
    if (next == nullptr) {
      return InvalidArgumentError("cannot resolve reference " + describe + " at '" + from.pointer +
                                  "': the document has nothing at that pointer");
    }
    node = next;
    context.pointer += PointerToken(token);
    context.depth += 1;
    if (auto it = locations_.find(node); it != locations_.end()) context = it->second;
  }
  if (!IsSchemaValue(*node)) {
    return InvalidArgumentError("reference " + describe + " at '" + from.pointer +
                                "' points to a " + node->type_name() + ", not to a schema");
  }
  if (locations_.count(node) == 0) {
    context.depth -= 1;
    const std::string pointer = context.pointer;
    context.pointer.clear();
    SEXTANT_RETURN_IF_ERROR(ScanChild(*node, context, pointer, false));
  }
  return locations_.at(node);
}

}  // namespace sextant::internal::json_schema
