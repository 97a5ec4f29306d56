// JSON Schema (draft 2020-12) validation: compile a schema once, validate
// many instances against it.
//
// Supported: every keyword of the core, applicator, unevaluated, validation
// and format-annotation vocabularies, boolean schemas, $ref / $anchor / $defs,
// embedded resources identified by $id, $dynamicRef / $dynamicAnchor, and the
// official 2020-12 meta-schemas (built in, so "$ref" to
// https://json-schema.org/draft/2020-12/schema works offline). Other remote
// references are never fetched: they are a compile error. The legacy keywords
// "definitions" and "dependencies" are understood too, and a resource whose
// "$schema" names draft-04 to 2019-09 reads an array "items" as "prefixItems"
// and "additionalItems" as "items". Unknown keywords are ignored.
//
// "pattern" and "patternProperties" use PCRE2 in UTF mode, adjusted toward
// ECMA-262: \d and \w are ASCII, \s is the ECMA-262 white space set, "$"
// matches only at the very end, and \p{...} takes ECMA-262 property names.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace sextant {

namespace internal::json_schema {
struct CompiledSchema;
}  // namespace internal::json_schema

struct SchemaOptions {
  static constexpr int kDefaultMaxSchemaDepth = 64;
  static constexpr int kDefaultMaxDocumentDepth = 256;
  static constexpr int kDefaultMaxRefDepth = 64;
  static constexpr int kDefaultMaxEvaluationDepth = 1024;
  static constexpr int kDefaultMaxErrors = 32;
  static constexpr std::uint32_t kDefaultRegexMatchLimit = 1'000'000;

  // Subschemas nested deeper than this (counting each applicator level) make
  // Compile fail with resource_exhausted.
  int max_schema_depth = kDefaultMaxSchemaDepth;
  // JSON nesting of the whole schema document, including keyword values such
  // as "const"; deeper documents make Compile fail with resource_exhausted.
  int max_document_depth = kDefaultMaxDocumentDepth;
  // $ref and $dynamicRef that may be nested during one validation; a deeper
  // recursion stops validation with an error (the instance is invalid).
  int max_ref_depth = kDefaultMaxRefDepth;
  // Subschemas evaluated inside one another at once (each applicator or
  // reference step is one level). This bounds the stack a validation uses,
  // well under 1 KiB per level in an optimized build; a deeper evaluation
  // stops with an error (the instance is invalid).
  int max_evaluation_depth = kDefaultMaxEvaluationDepth;
  // Validate stops after collecting this many errors (at least 1).
  int max_errors = kDefaultMaxErrors;
  // PCRE2 match limit for each regex match. A match that hits it stops
  // validation with an error (the instance is invalid).
  std::uint32_t regex_match_limit = kDefaultRegexMatchLimit;
  // When true, "format" is an assertion for the formats this validator knows
  // (date-time, date, time, duration, email, idn-email, hostname,
  // idn-hostname, ipv4, ipv6, uri, uri-reference, iri, iri-reference,
  // uri-template, json-pointer, relative-json-pointer, regex, uuid). When
  // false, "format" is an annotation only, as draft 2020-12 specifies.
  bool assert_format = false;
};

// One validation failure.
struct SchemaError {
  // JSON Pointer (RFC 6901) to the failing part of the instance; "" is the
  // whole instance.
  std::string instance_location;
  // JSON Pointer along the evaluation path through the schema to the failing
  // keyword, through any $ref, e.g. "/properties/a/$ref/type".
  std::string keyword_location;
  // Plain English, e.g. "must be at least 3 characters long, got 1".
  std::string message;
};

// A compiled schema.
//
// Ownership: owns its compiled form outright; it keeps no reference to the
// Json it was compiled from. Move-only.
// Thread safety: immutable after Compile; Validate, IsValid and Check may run
// concurrently from any number of threads.
// Errors: Compile reports an invalid schema as invalid_argument (wrong keyword
// value types, invalid regexes, unresolvable or cyclic references; the message
// names the schema location) and a schema beyond a nesting limit as
// resource_exhausted. Validation never fails as such: problems with the
// instance, including an exceeded $ref depth or regex match limit, come back
// as SchemaError values. No function throws.
class JsonSchema {
 public:
  static Result<JsonSchema> Compile(const Json& schema, const SchemaOptions& options = {});

  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;
  ~JsonSchema();

  // The errors of `instance`, at most options.max_errors of them; empty means
  // valid.
  std::vector<SchemaError> Validate(const Json& instance) const;

  // Whether `instance` is valid; faster than Validate (stops at the first
  // failure and tracks no locations).
  bool IsValid(const Json& instance) const;

  // OK when `instance` is valid. Otherwise invalid_argument listing the first
  // `max_listed` errors for a reader such as a model, each as
  // "<label><instance pointer>: <message>", joined by "; ", e.g.
  // "arguments/path: must be a string, got integer".
  Status Check(const Json& instance, std::string_view label = "instance",
               int max_listed = kDefaultMaxListed) const;

  static constexpr int kDefaultMaxListed = 5;

 private:
  explicit JsonSchema(std::unique_ptr<const internal::json_schema::CompiledSchema> compiled);

  std::unique_ptr<const internal::json_schema::CompiledSchema> compiled_;
};

}  // namespace sextant
