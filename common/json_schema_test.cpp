#include "common/json_schema.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sextant {
namespace {

using ::testing::HasSubstr;

Json J(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << " in " << text;
  return parsed.ok() ? *parsed : Json();
}

JsonSchema MustCompile(std::string_view schema, const SchemaOptions& options = {}) {
  auto compiled = JsonSchema::Compile(J(schema), options);
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  if (!compiled.ok()) return std::move(*JsonSchema::Compile(Json(true)));
  return std::move(compiled).value();
}

Status CompileError(std::string_view schema, const SchemaOptions& options = {}) {
  auto compiled = JsonSchema::Compile(J(schema), options);
  return compiled.ok() ? Status::Ok() : compiled.status();
}

struct Case {
  const char* schema;
  const char* instance;
  bool valid;
};

// One or two cases per keyword; the official suite covers the corners.
const Case kKeywordCases[] = {
    {R"({"type":"string"})", R"("a")", true},
    {R"({"type":"string"})", "1", false},
    {R"({"type":"integer"})", "1.0", true},
    {R"({"type":"integer"})", "1.5", false},
    {R"({"type":["string","null"]})", "null", true},
    {R"({"type":["string","null"]})", "false", false},
    {R"({"enum":["a",1,{"k":[1]}]})", R"({"k":[1.0]})", true},
    {R"({"enum":["a",1]})", R"("b")", false},
    {R"({"const":1})", "1.0", true},
    {R"({"const":{"a":[1,2]}})", R"({"a":[2,1]})", false},
    {R"({"minimum":5})", "5", true},
    {R"({"exclusiveMinimum":5})", "5", false},
    {R"({"maximum":18446744073709551615})", "18446744073709551614", true},
    {R"({"exclusiveMaximum":-1})", "-1.5", true},
    {R"({"multipleOf":0.1})", "0.3", true},
    {R"({"multipleOf":0.1})", "0.35", false},
    {R"({"multipleOf":3})", "1e20", false},
    {R"({"minLength":2})", R"("é")", false},
    {R"({"maxLength":2})", R"("😀😀")", true},
    {R"({"pattern":"^\\d+$"})", R"("١٢")", false},
    {R"({"pattern":"^\\p{Lu}"})", R"("Élan")", true},
    {R"({"pattern":"^a.c$"})", "\"a\\nc\"", false},
    {R"({"minItems":1,"maxItems":2})", "[]", false},
    {R"({"uniqueItems":true})", "[1,{\"a\":1},1.0]", false},
    {R"({"uniqueItems":true})", "[1,\"1\",[1]]", true},
    {R"({"prefixItems":[{"type":"string"}],"items":false})", R"(["a"])", true},
    {R"({"prefixItems":[{"type":"string"}],"items":false})", R"(["a",1])", false},
    {R"({"contains":{"type":"string"},"minContains":2,"maxContains":3})", R"([1,"a","b"])", true},
    {R"({"contains":{"type":"string"},"maxContains":1})", R"(["a","b"])", false},
    {R"({"required":["a"],"properties":{"a":{"type":"string"}}})", R"({"a":"x"})", true},
    {R"({"required":["a"]})", R"({"b":1})", false},
    {R"({"minProperties":1,"maxProperties":1})", R"({"a":1,"b":2})", false},
    {R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})",
     R"({"x-a":1})", true},
    {R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})",
     R"({"y":1})", false},
    {R"({"propertyNames":{"maxLength":3}})", R"({"abcd":1})", false},
    {R"({"dependentRequired":{"a":["b"]}})", R"({"a":1})", false},
    {R"({"dependentSchemas":{"a":{"required":["b"]}}})", R"({"a":1,"b":2})", true},
    {R"({"dependencies":{"a":["b"],"c":{"maxProperties":1}}})", R"({"c":1,"d":2})", false},
    {R"({"allOf":[{"minimum":1},{"maximum":3}]})", "4", false},
    {R"({"anyOf":[{"type":"string"},{"minimum":3}]})", "4", true},
    {R"({"oneOf":[{"minimum":1},{"minimum":2}]})", "5", false},
    {R"({"not":{"type":"null"}})", "null", false},
    {R"({"if":{"minimum":10},"then":{"multipleOf":2},"else":{"maximum":3}})", "11", false},
    {R"({"if":{"minimum":10},"then":{"multipleOf":2},"else":{"maximum":3}})", "2", true},
    {"true", "42", true},
    {"false", "42", false},
    {R"({"$defs":{"s":{"type":"string"}},"items":{"$ref":"#/$defs/s"}})", R"(["a",2])", false},
    {R"({"$defs":{"a~/%":{"type":"string"}},"$ref":"#/$defs/a~0~1%25"})", R"("x")", true},
    {R"({"$defs":{"x":{"$anchor":"str","type":"string"}},"$ref":"#str"})", "1", false},
    {R"({"properties":{"a":true},"unevaluatedProperties":false})", R"({"a":1,"b":2})", false},
    {R"({"allOf":[{"properties":{"a":true}}],"unevaluatedProperties":false})", R"({"a":1})", true},
    {R"({"prefixItems":[true],"contains":{"type":"string"},"unevaluatedItems":false})",
     R"([1,"a"])", true},
    {R"({"prefixItems":[true],"unevaluatedItems":false})", R"([1,2])", false},
    {R"({"format":"email"})", R"("not an email")", true},
    {R"({"frobnicate":{"type":"string"},"type":"integer"})", "1", true},
};

TEST(JsonSchemaTest, Keywords) {
  for (const Case& c : kKeywordCases) {
    SCOPED_TRACE(std::string(c.schema) + " with " + c.instance);
    const JsonSchema schema = MustCompile(c.schema);
    const Json instance = J(c.instance);
    EXPECT_EQ(schema.IsValid(instance), c.valid);
    EXPECT_EQ(schema.Validate(instance).empty(), c.valid);
  }
}

TEST(JsonSchemaTest, ErrorLocationsFollowReferences) {
  const JsonSchema schema = MustCompile(R"({
    "$defs": {"name": {"type": "string", "minLength": 3}},
    "properties": {"a": {"$ref": "#/$defs/name"}, "list": {"items": {"type": "integer"}}}
  })");
  const auto errors = schema.Validate(J(R"({"a": "x", "list": [1, "two"]})"));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].instance_location, "/a");
  EXPECT_EQ(errors[0].keyword_location, "/properties/a/$ref/minLength");
  EXPECT_EQ(errors[0].message, "must be at least 3 characters long, got 1");
  EXPECT_EQ(errors[1].instance_location, "/list/1");
  EXPECT_EQ(errors[1].keyword_location, "/properties/list/items/type");
  EXPECT_EQ(errors[1].message, "must be an integer, got string");
}

TEST(JsonSchemaTest, MessagesForTheUsualMistakes) {
  const JsonSchema schema = MustCompile(R"({
    "type": "object",
    "properties": {
      "mode": {"enum": ["fast", "slow"]},
      "n": {"type": "integer", "minimum": 1},
      "tag": {"anyOf": [{"type": "string"}, {"type": "null"}]},
      "a/b": {"type": "boolean"}
    },
    "required": ["path"],
    "additionalProperties": false,
    "propertyNames": {"pattern": "^[a-z/]+$"}
  })");
  const auto errors =
      schema.Validate(J(R"({"mode": "medium", "n": 0, "tag": 5, "a/b": 1, "Extra": true})"));
  std::vector<std::string> lines;
  for (const SchemaError& e : errors) lines.push_back(e.instance_location + ": " + e.message);
  EXPECT_THAT(lines,
              ::testing::UnorderedElementsAre(
                  ": missing required property 'path'", "/mode: must be one of \"fast\", \"slow\"",
                  "/n: must be >= 1, got 0",
                  "/tag: must match at least one schema in anyOf (0: must be a string, got "
                  "integer; 1: must be null, got integer)",
                  "/a~1b: must be a boolean, got integer", ": property 'Extra' is not allowed",
                  ": property name 'Extra': must match the pattern '^[a-z/]+$'"));
}

TEST(JsonSchemaTest, CheckFormatsErrorsForAModel) {
  const JsonSchema schema = MustCompile(R"({
    "type": "object",
    "properties": {"path": {"type": "string"}, "lines": {"type": "integer"}},
    "required": ["path"]
  })");
  EXPECT_TRUE(schema.Check(J(R"({"path": "a.txt"})"), "arguments").ok());
  const Status status = schema.Check(J(R"({"path": 7, "lines": "x"})"), "arguments");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "arguments/lines: must be an integer, got string; "
            "arguments/path: must be a string, got integer");
  const Status short_status = schema.Check(J(R"({"path": 7, "lines": "x"})"), "args", 1);
  EXPECT_EQ(short_status.message(), "args/lines: must be an integer, got string (and 1 more)");
}

TEST(JsonSchemaTest, OpenAiFunctionParameters) {
  // The "parameters" of a typical tool description.
  const JsonSchema schema = MustCompile(R"({
    "type": "object",
    "properties": {
      "query": {"type": "string", "description": "What to search for", "minLength": 1},
      "max_results": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
      "sites": {"type": "array", "items": {"type": "string", "format": "hostname"},
                "uniqueItems": true},
      "time_range": {"type": ["string", "null"], "enum": ["day", "week", "month", null]},
      "filters": {
        "type": "object",
        "properties": {"language": {"type": "string", "pattern": "^[a-z]{2}$"}},
        "additionalProperties": false
      }
    },
    "required": ["query"],
    "additionalProperties": false
  })");
  EXPECT_TRUE(schema.IsValid(J(R"({"query": "json schema"})")));
  EXPECT_TRUE(schema.IsValid(J(R"({"query": "x", "max_results": 5, "sites": ["a.org"],
                                   "time_range": null, "filters": {"language": "en"}})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"query": ""})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"query": "x", "max_results": 51})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"query": "x", "sites": ["a", "a"]})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"query": "x", "time_range": "year"})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"query": "x", "filters": {"language": "eng"}})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"query": "x", "limit": 3})")));
  EXPECT_FALSE(schema.IsValid(J(R"(["query"])")));
}

TEST(JsonSchemaTest, MaxErrorsCapsTheList) {
  SchemaOptions options;
  options.max_errors = 5;
  const JsonSchema schema = MustCompile(R"({"items": {"type": "string"}})", options);
  Json many = Json::array();
  for (int i = 0; i < 100; ++i) many.push_back(i);
  EXPECT_EQ(schema.Validate(many).size(), 5u);
  EXPECT_FALSE(schema.IsValid(many));
  options.max_errors = 0;
  EXPECT_EQ(CompileError("true", options).code(), StatusCode::kInvalidArgument);
}

Json NestedItems(int depth) {
  Json schema = Json::object();
  for (int i = 0; i < depth; ++i) {
    Json outer = Json::object();
    outer["items"] = std::move(schema);
    schema = std::move(outer);
  }
  return schema;
}

TEST(JsonSchemaTest, MaxSchemaDepthIsEnforced) {
  SchemaOptions options;
  options.max_schema_depth = 10;
  EXPECT_TRUE(JsonSchema::Compile(NestedItems(10), options).ok());
  const auto deep = JsonSchema::Compile(NestedItems(11), options);
  EXPECT_EQ(deep.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(deep.status().message(), HasSubstr("the limit is 10"));
}

TEST(JsonSchemaTest, MaxDocumentDepthIsEnforced) {
  // Deep data inside "const" is not a subschema, but still nesting to copy.
  Json value = 1;
  for (int i = 0; i < 300; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(value));
    value = std::move(outer);
  }
  Json schema = Json::object();
  schema["const"] = std::move(value);
  const auto compiled = JsonSchema::Compile(schema);
  EXPECT_EQ(compiled.status().code(), StatusCode::kResourceExhausted);
  SchemaOptions options;
  options.max_document_depth = 400;
  EXPECT_TRUE(JsonSchema::Compile(schema, options).ok());
}

TEST(JsonSchemaTest, MaxRefDepthStopsRuntimeRecursion) {
  SchemaOptions options;
  options.max_ref_depth = 3;
  const JsonSchema schema = MustCompile(R"({"items": {"$ref": "#"}})", options);
  // Each nested array is one more $ref deep.
  EXPECT_TRUE(schema.IsValid(J("[[[[]]]]")));
  EXPECT_FALSE(schema.IsValid(J("[[[[[]]]]]")));
  const auto errors = schema.Validate(J("[[[[[]]]]]"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("deeper than the limit of 3"));
  EXPECT_EQ(errors[0].instance_location, "/0/0/0/0");
  EXPECT_EQ(errors[0].keyword_location, "/items/$ref/items/$ref/items/$ref/items/$ref");
}

TEST(JsonSchemaTest, DeepInstancesDoNotOverflowTheStack) {
  Json deep = Json::array();
  for (int i = 0; i < 100000; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  Json pair = Json::array();
  pair.push_back(std::move(deep));
  pair.push_back(Json::array());
  EXPECT_TRUE(MustCompile(R"({"uniqueItems": true})").IsValid(pair));
  EXPECT_FALSE(MustCompile(R"({"enum": [[[]]]})").IsValid(pair));
  EXPECT_FALSE(MustCompile(R"({"items": {"$ref": "#"}, "maxItems": 1})").IsValid(pair));
  EXPECT_EQ(MustCompile(R"({"items": {"items": {"$ref": "#"}}})").Validate(pair).size(), 1u);
}

TEST(JsonSchemaTest, DefaultLimitsBoundTheDeepestEvaluation) {
  // A schema nested to max_schema_depth whose innermost subschema refers to
  // the root, against an instance deep enough to follow that reference
  // max_ref_depth times: without max_evaluation_depth the recursion would go
  // max_schema_depth * max_ref_depth levels deep.
  Json schema = J(R"({"$ref": "#"})");
  for (int i = 0; i < SchemaOptions::kDefaultMaxSchemaDepth; ++i) {
    Json outer = Json::object();
    outer["items"] = std::move(schema);
    schema = std::move(outer);
  }
  Json instance = Json::array();
  for (int i = 0;
       i < SchemaOptions::kDefaultMaxSchemaDepth * (SchemaOptions::kDefaultMaxRefDepth + 2); ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(instance));
    instance = std::move(outer);
  }
  auto compiled = JsonSchema::Compile(schema);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_FALSE(compiled->IsValid(instance));
  const auto errors = compiled->Validate(instance);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("nest deeper than the evaluation limit of 1024"));
}

TEST(JsonSchemaTest, MaxEvaluationDepthIsEnforced) {
  SchemaOptions options;
  options.max_evaluation_depth = 4;
  const JsonSchema schema = MustCompile(R"({"items": {"items": {"items": {}}}})", options);
  EXPECT_TRUE(schema.IsValid(J("[[[1]]]")));
  options.max_evaluation_depth = 3;
  const JsonSchema shallow = MustCompile(R"({"items": {"items": {"items": {}}}})", options);
  EXPECT_TRUE(shallow.IsValid(J("[[[]]]")));
  EXPECT_FALSE(shallow.IsValid(J("[[[1]]]")));
  const auto errors = shallow.Validate(J("[[[1]]]"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location, "/0/0/0");
  EXPECT_EQ(errors[0].keyword_location, "/items/items/items");
}

TEST(JsonSchemaTest, RegexMatchLimitIsEnforced) {
  SchemaOptions options;
  options.regex_match_limit = 10'000;
  const std::string evil = "\"" + std::string(40, 'a') + "!\"";
  const JsonSchema schema = MustCompile(R"({"pattern": "^(a+)+$"})", options);
  EXPECT_FALSE(schema.IsValid(J(evil)));
  const auto errors = schema.Validate(J(evil));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword_location, "/pattern");
  EXPECT_THAT(errors[0].message, HasSubstr("exceeded the regex match limit"));
  // A limit hit where failure would not count (inside "not") still fails.
  const JsonSchema negated = MustCompile(R"({"not": {"pattern": "^(a+)+$"}})", options);
  EXPECT_FALSE(negated.IsValid(J(evil)));
  const JsonSchema keys = MustCompile(R"({"patternProperties": {"^(a+)+$": true}})", options);
  EXPECT_FALSE(keys.IsValid(Json::object({{std::string(40, 'a') + "!", 1}})));
  // Ordinary matches stay well inside the limit.
  EXPECT_TRUE(schema.IsValid(J("\"aaaa\"")));
}

TEST(JsonSchemaTest, ReferenceCyclesWithoutProgressAreRejected) {
  for (const char* schema : {
           R"({"$ref": "#"})",
           R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}},
               "properties": {"x": {"$ref": "#/$defs/a"}}})",
           R"({"anyOf": [{"not": {"$ref": "#"}}]})",
           R"({"dependentSchemas": {"a": {"$ref": "#"}}})",
       }) {
    SCOPED_TRACE(schema);
    const Status status = CompileError(schema);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("without consuming any of it"));
  }
  // Recursion through a child instance is fine.
  EXPECT_TRUE(JsonSchema::Compile(J(R"({"properties": {"next": {"$ref": "#"}}})")).ok());
}

TEST(JsonSchemaTest, MalformedSchemasNameTheLocation) {
  const struct {
    const char* schema;
    const char* message;
  } kBad[] = {
      {R"({"properties": {"a": {"minLength": "3"}}})", "'#/properties/a/minLength'"},
      {R"({"minItems": -1})", "non-negative integer"},
      {R"({"maxLength": 1.5})", "non-negative integer"},
      {R"({"type": "text"})", "unknown type \"text\""},
      {R"({"type": []})", "'#/type'"},
      {R"({"required": "a"})", "array of strings"},
      {R"({"enum": 1})", "'#/enum'"},
      {R"({"multipleOf": 0})", "greater than 0"},
      {R"({"allOf": []})", "non-empty array"},
      {R"({"items": [{"type": "string"}]})", "'#/items'"},
      {R"({"properties": {"a": 1}})", "'#/properties/a'"},
      {R"({"pattern": "(unclosed"})", "'#/pattern': invalid regular expression"},
      {R"({"patternProperties": {"[z-a]": true}})", "'#/patternProperties/[z-a]'"},
      {R"({"$ref": "#/$defs/missing"})", "nothing at that pointer"},
      {R"({"$ref": "#nowhere"})", "no $anchor or $dynamicAnchor named 'nowhere'"},
      {R"({"$ref": "#/a~2"})", "malformed JSON Pointer"},
      {R"({"required": [], "$ref": "#/required"})", "not to a schema"},
      {R"({"$ref": "https://example.com/other.json"})", "remote schemas are not fetched"},
      {R"({"$ref": 5})", "'#/$ref'"},
      {R"({"$id": "http://x/#frag"})", "must not contain a fragment"},
      {R"({"$anchor": "1bad"})", "'#/$anchor'"},
      {R"({"$defs": {"a": {"$id": "http://x/a"}, "b": {"$id": "http://x/a"}}})", "duplicates"},
      {R"({"$defs": {"a": 3}})", "'#/$defs/a'"},
      {"3", "object or a boolean"},
  };
  for (const auto& bad : kBad) {
    SCOPED_TRACE(bad.schema);
    const Status status = CompileError(bad.schema);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(bad.message));
  }
}

TEST(JsonSchemaTest, EmbeddedResourcesResolveByTheirIds) {
  const JsonSchema schema = MustCompile(R"({
    "$id": "https://example.com/root.json",
    "properties": {
      "a": {"$ref": "other.json#/$defs/positive"},
      "b": {"$ref": "other.json#name"},
      "c": {"$ref": "urn:example:flag"}
    },
    "$defs": {
      "other": {
        "$id": "other.json",
        "$defs": {
          "positive": {"exclusiveMinimum": 0},
          "named": {"$anchor": "name", "type": "string"}
        }
      },
      "flag": {"$id": "urn:example:flag", "type": "boolean"}
    }
  })");
  EXPECT_TRUE(schema.IsValid(J(R"({"a": 1, "b": "x", "c": true})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"a": 0})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"b": 1})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"c": "yes"})")));
}

TEST(JsonSchemaTest, DynamicRefResolvesInTheDynamicScope) {
  // A generic list whose item type the referring schema chooses.
  const JsonSchema schema = MustCompile(R"({
    "$id": "https://example.com/strings",
    "$ref": "list",
    "$defs": {
      "item": {"$dynamicAnchor": "item", "type": "string"},
      "list": {
        "$id": "list",
        "type": "array",
        "items": {"$dynamicRef": "#item"},
        "$defs": {"default": {"$dynamicAnchor": "item"}}
      }
    }
  })");
  EXPECT_TRUE(schema.IsValid(J(R"(["a", "b"])")));
  EXPECT_FALSE(schema.IsValid(J(R"(["a", 2])")));
  EXPECT_EQ(schema.Validate(J(R"(["a", 2])"))[0].keyword_location, "/$ref/items/$dynamicRef/type");
}

TEST(JsonSchemaTest, MetaSchemaIsBuiltIn) {
  const JsonSchema schema =
      MustCompile(R"({"$ref": "https://json-schema.org/draft/2020-12/schema"})");
  EXPECT_TRUE(schema.IsValid(J(R"({"type": "object", "properties": {"a": {"minLength": 1}}})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"properties": {"a": {"minLength": -1}}})")));
  EXPECT_FALSE(schema.IsValid(J(R"({"type": "text"})")));
}

TEST(JsonSchemaTest, FormatIsAnAnnotationUnlessAsserted) {
  const char* kSchema = R"({"properties": {
    "when": {"format": "date-time"}, "mail": {"format": "email"},
    "ip": {"format": "ipv6"}, "custom": {"format": "made-up"}}})";
  const Json bad = J(R"({"when": "yesterday", "mail": "nobody", "ip": "::g", "custom": "?"})");
  const Json good = J(R"({"when": "2024-02-29T12:00:00Z", "mail": "a@b.org", "ip": "::1",
                          "custom": "?"})");
  EXPECT_TRUE(MustCompile(kSchema).IsValid(bad));
  SchemaOptions options;
  options.assert_format = true;
  const JsonSchema asserting = MustCompile(kSchema, options);
  EXPECT_TRUE(asserting.IsValid(good));
  EXPECT_EQ(asserting.Validate(bad).size(), 3u);
  EXPECT_EQ(asserting.Validate(J(R"({"mail": "x"})"))[0].message, "must be a valid email");
}

TEST(JsonSchemaTest, OlderDialectsKeepTupleItems) {
  const JsonSchema schema = MustCompile(R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "definitions": {"s": {"type": "string"}},
    "items": [{"$ref": "#/definitions/s"}],
    "additionalItems": {"type": "integer"}
  })");
  EXPECT_TRUE(schema.IsValid(J(R"(["a", 1, 2])")));
  EXPECT_FALSE(schema.IsValid(J(R"([1])")));
  EXPECT_FALSE(schema.IsValid(J(R"(["a", "b"])")));
}

TEST(JsonSchemaTest, ValidatesConcurrently) {
  const JsonSchema schema = MustCompile(R"({
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}},
    "unevaluatedProperties": false
  })");
  const Json good = J(R"({"name": "abc"})");
  const Json bad = J(R"({"name": "ABC", "x": 1})");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!schema.IsValid(good) || schema.IsValid(bad) || schema.Validate(bad).size() != 2) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(JsonSchemaTest, MovedSchemaKeepsWorking) {
  JsonSchema first = MustCompile(R"({"type": "string"})");
  JsonSchema second = std::move(first);
  EXPECT_TRUE(second.IsValid("x"));
  first = std::move(second);
  EXPECT_FALSE(first.IsValid(1));
}

TEST(JsonSchemaTest, InvalidUtf8NeverMatchesAPattern) {
  const JsonSchema schema = MustCompile(R"({"pattern": "."})");
  EXPECT_TRUE(schema.IsValid("ok"));
  EXPECT_FALSE(schema.IsValid(std::string("\xff\xfe")));
}

}  // namespace
}  // namespace sextant
