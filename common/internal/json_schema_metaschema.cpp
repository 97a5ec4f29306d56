#include "common/internal/json_schema_metaschema.h"

#include <array>
#include <utility>

namespace sextant::internal::json_schema {
namespace {

// The draft 2020-12 meta-schema and its vocabulary meta-schemas, as published
// at https://json-schema.org/draft/2020-12/ (minified, otherwise unchanged).

constexpr std::string_view kSchema =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/schema","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":tru)json"
    R"json(e,"https://json-schema.org/draft/2020-12/vocab/applicator":true,"https://json-schema.org/d)json"
    R"json(raft/2020-12/vocab/unevaluated":true,"https://json-schema.org/draft/2020-12/vocab/validati)json"
    R"json(on":true,"https://json-schema.org/draft/2020-12/vocab/meta-data":true,"https://json-schema)json"
    R"json(.org/draft/2020-12/vocab/format-annotation":true,"https://json-schema.org/draft/2020-12/vo)json"
    R"json(cab/content":true},"$dynamicAnchor":"meta","title":"Core and Validation specifications met)json"
    R"json(a-schema","allOf":[{"$ref":"meta/core"},{"$ref":"meta/applicator"},{"$ref":"meta/unevaluat)json"
    R"json(ed"},{"$ref":"meta/validation"},{"$ref":"meta/meta-data"},{"$ref":"meta/format-annotation")json"
    R"json(},{"$ref":"meta/content"}],"type":["object","boolean"],"$comment":"This meta-schema also d)json"
    R"json(efines keywords that have appeared in previous drafts in order to prevent incompatible ext)json"
    R"json(ensions as they remain in common use.","properties":{"definitions":{"$comment":"\"definiti)json"
    R"json(ons\" has been replaced by \"$defs\".","type":"object","additionalProperties":{"$dynamicRe)json"
    R"json(f":"#meta"},"deprecated":true,"default":{}},"dependencies":{"$comment":"\"dependencies\" h)json"
    R"json(as been split and replaced by \"dependentSchemas\" and \"dependentRequired\" in order to s)json"
    R"json(erve their differing semantics.","type":"object","additionalProperties":{"anyOf":[{"$dynam)json"
    R"json(icRef":"#meta"},{"$ref":"meta/validation#/$defs/stringArray"}]},"deprecated":true,"default)json"
    R"json(":{}},"$recursiveAnchor":{"$comment":"\"$recursiveAnchor\" has been replaced by \"$dynamic)json"
    R"json(Anchor\".","$ref":"meta/core#/$defs/anchorString","deprecated":true},"$recursiveRef":{"$co)json"
    R"json(mment":"\"$recursiveRef\" has been replaced by \"$dynamicRef\".","$ref":"meta/core#/$defs/)json"
    R"json(uriReferenceString","deprecated":true}}})json";

constexpr std::string_view kCore =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/core","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":)json"
    R"json(true},"$dynamicAnchor":"meta","title":"Core vocabulary meta-schema","type":["object","bool)json"
    R"json(ean"],"properties":{"$id":{"$ref":"#/$defs/uriReferenceString","$comment":"Non-empty fragm)json"
    R"json(ents not allowed.","pattern":"^[^#]*#?$"},"$schema":{"$ref":"#/$defs/uriString"},"$ref":{")json"
    R"json($ref":"#/$defs/uriReferenceString"},"$anchor":{"$ref":"#/$defs/anchorString"},"$dynamicRef)json"
    R"json(":{"$ref":"#/$defs/uriReferenceString"},"$dynamicAnchor":{"$ref":"#/$defs/anchorString"},")json"
    R"json($vocabulary":{"type":"object","propertyNames":{"$ref":"#/$defs/uriString"},"additionalProp)json"
    R"json(erties":{"type":"boolean"}},"$comment":{"type":"string"},"$defs":{"type":"object","additio)json"
    R"json(nalProperties":{"$dynamicRef":"#meta"}}},"$defs":{"anchorString":{"type":"string","pattern)json"
    R"json(":"^[A-Za-z_][-A-Za-z0-9._]*$"},"uriString":{"type":"string","format":"uri"},"uriReference)json"
    R"json(String":{"type":"string","format":"uri-reference"}}})json";

constexpr std::string_view kApplicator =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/applicator","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/)json"
    R"json(applicator":true},"$dynamicAnchor":"meta","title":"Applicator vocabulary meta-schema","typ)json"
    R"json(e":["object","boolean"],"properties":{"prefixItems":{"$ref":"#/$defs/schemaArray"},"items")json"
    R"json(:{"$dynamicRef":"#meta"},"contains":{"$dynamicRef":"#meta"},"additionalProperties":{"$dyna)json"
    R"json(micRef":"#meta"},"properties":{"type":"object","additionalProperties":{"$dynamicRef":"#met)json"
    R"json(a"},"default":{}},"patternProperties":{"type":"object","additionalProperties":{"$dynamicRe)json"
    R"json(f":"#meta"},"propertyNames":{"format":"regex"},"default":{}},"dependentSchemas":{"type":"o)json"
    R"json(bject","additionalProperties":{"$dynamicRef":"#meta"},"default":{}},"propertyNames":{"$dyn)json"
    R"json(amicRef":"#meta"},"if":{"$dynamicRef":"#meta"},"then":{"$dynamicRef":"#meta"},"else":{"$dy)json"
    R"json(namicRef":"#meta"},"allOf":{"$ref":"#/$defs/schemaArray"},"anyOf":{"$ref":"#/$defs/schemaA)json"
    R"json(rray"},"oneOf":{"$ref":"#/$defs/schemaArray"},"not":{"$dynamicRef":"#meta"}},"$defs":{"sch)json"
    R"json(emaArray":{"type":"array","minItems":1,"items":{"$dynamicRef":"#meta"}}}})json";

constexpr std::string_view kUnevaluated =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/unevaluated","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab)json"
    R"json(/unevaluated":true},"$dynamicAnchor":"meta","title":"Unevaluated applicator vocabulary met)json"
    R"json(a-schema","type":["object","boolean"],"properties":{"unevaluatedItems":{"$dynamicRef":"#me)json"
    R"json(ta"},"unevaluatedProperties":{"$dynamicRef":"#meta"}}})json";

constexpr std::string_view kValidation =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/validation","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/)json"
    R"json(validation":true},"$dynamicAnchor":"meta","title":"Validation vocabulary meta-schema","typ)json"
    R"json(e":["object","boolean"],"properties":{"type":{"anyOf":[{"$ref":"#/$defs/simpleTypes"},{"ty)json"
    R"json(pe":"array","items":{"$ref":"#/$defs/simpleTypes"},"minItems":1,"uniqueItems":true}]},"con)json"
    R"json(st":true,"enum":{"type":"array","items":true},"multipleOf":{"type":"number","exclusiveMini)json"
    R"json(mum":0},"maximum":{"type":"number"},"exclusiveMaximum":{"type":"number"},"minimum":{"type")json"
    R"json(:"number"},"exclusiveMinimum":{"type":"number"},"maxLength":{"$ref":"#/$defs/nonNegativeIn)json"
    R"json(teger"},"minLength":{"$ref":"#/$defs/nonNegativeIntegerDefault0"},"pattern":{"type":"strin)json"
    R"json(g","format":"regex"},"maxItems":{"$ref":"#/$defs/nonNegativeInteger"},"minItems":{"$ref":")json"
    R"json(#/$defs/nonNegativeIntegerDefault0"},"uniqueItems":{"type":"boolean","default":false},"max)json"
    R"json(Contains":{"$ref":"#/$defs/nonNegativeInteger"},"minContains":{"$ref":"#/$defs/nonNegative)json"
    R"json(Integer","default":1},"maxProperties":{"$ref":"#/$defs/nonNegativeInteger"},"minProperties)json"
    R"json(":{"$ref":"#/$defs/nonNegativeIntegerDefault0"},"required":{"$ref":"#/$defs/stringArray"},)json"
    R"json("dependentRequired":{"type":"object","additionalProperties":{"$ref":"#/$defs/stringArray"})json"
    R"json(}},"$defs":{"nonNegativeInteger":{"type":"integer","minimum":0},"nonNegativeIntegerDefault)json"
    R"json(0":{"$ref":"#/$defs/nonNegativeInteger","default":0},"simpleTypes":{"enum":["array","boole)json"
    R"json(an","integer","null","number","object","string"]},"stringArray":{"type":"array","items":{")json"
    R"json(type":"string"},"uniqueItems":true,"default":[]}}})json";

constexpr std::string_view kMetaData =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/meta-data","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/m)json"
    R"json(eta-data":true},"$dynamicAnchor":"meta","title":"Meta-data vocabulary meta-schema","type":)json"
    R"json(["object","boolean"],"properties":{"title":{"type":"string"},"description":{"type":"string)json"
    R"json("},"default":true,"deprecated":{"type":"boolean","default":false},"readOnly":{"type":"bool)json"
    R"json(ean","default":false},"writeOnly":{"type":"boolean","default":false},"examples":{"type":"a)json"
    R"json(rray","items":true}}})json";

constexpr std::string_view kFormatAnnotation =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/format-annotation","$vocabulary":{"https://json-schema.org/draft/2020-12)json"
    R"json(/vocab/format-annotation":true},"$dynamicAnchor":"meta","title":"Format vocabulary meta-sc)json"
    R"json(hema for annotation results","type":["object","boolean"],"properties":{"format":{"type":"s)json"
    R"json(tring"}}})json";

constexpr std::string_view kContent =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/content","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/con)json"
    R"json(tent":true},"$dynamicAnchor":"meta","title":"Content vocabulary meta-schema","type":["obje)json"
    R"json(ct","boolean"],"properties":{"contentEncoding":{"type":"string"},"contentMediaType":{"type)json"
    R"json(":"string"},"contentSchema":{"$dynamicRef":"#meta"}}})json";

constexpr std::string_view kFormatAssertion =
    R"json({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/d)json"
    R"json(raft/2020-12/meta/format-assertion","$vocabulary":{"https://json-schema.org/draft/2020-12/)json"
    R"json(vocab/format-assertion":true},"$dynamicAnchor":"meta","title":"Format vocabulary meta-sche)json"
    R"json(ma for assertion results","type":["object","boolean"],"properties":{"format":{"type":"stri)json"
    R"json(ng"}}})json";

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kBuiltins = {{
    {"https://json-schema.org/draft/2020-12/schema", kSchema},
    {"https://json-schema.org/draft/2020-12/meta/core", kCore},
    {"https://json-schema.org/draft/2020-12/meta/applicator", kApplicator},
    {"https://json-schema.org/draft/2020-12/meta/unevaluated", kUnevaluated},
    {"https://json-schema.org/draft/2020-12/meta/validation", kValidation},
    {"https://json-schema.org/draft/2020-12/meta/meta-data", kMetaData},
    {"https://json-schema.org/draft/2020-12/meta/format-annotation", kFormatAnnotation},
    {"https://json-schema.org/draft/2020-12/meta/content", kContent},
    {"https://json-schema.org/draft/2020-12/meta/format-assertion", kFormatAssertion},
}};

}  // namespace

std::optional<std::string_view> BuiltinSchemaText(std::string_view uri) {
  for (const auto& [id, text] : kBuiltins) {
    if (id == uri) return text;
  }
  return std::nullopt;
}

}  // namespace sextant::internal::json_schema
