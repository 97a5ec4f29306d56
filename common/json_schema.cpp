#include "common/json_schema.h"

#include <algorithm>
#include <exception>
#include <new>
#include <utility>

#include "common/internal/json_schema_compiler.h"
#include "common/internal/json_schema_evaluator.h"
#include "common/internal/json_schema_node.h"

namespace sextant {

JsonSchema::JsonSchema(std::unique_ptr<const internal::json_schema::CompiledSchema> compiled)
    : compiled_(std::move(compiled)) {}
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;
JsonSchema::~JsonSchema() = default;

Result<JsonSchema> JsonSchema::Compile(const Json& schema, const SchemaOptions& options) {
  if (options.max_schema_depth < 0 || options.max_document_depth < 0 || options.max_ref_depth < 0 ||
      options.max_evaluation_depth < 0 || options.max_errors < 1) {
    return InvalidArgumentError(
        "schema options: depth limits must not be negative and max_errors must be at least 1");
  }
  try {
    auto compiled = internal::json_schema::CompileSchema(schema, options);
    if (!compiled.ok()) return compiled.status();
    return JsonSchema(std::move(compiled).value());
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory compiling a schema");
  } catch (const std::exception& e) {
    return InternalError(std::string("compiling a schema: ") + e.what());
  }
}

std::vector<SchemaError> JsonSchema::Validate(const Json& instance) const {
  std::vector<SchemaError> errors;
  try {
    internal::json_schema::Evaluator evaluator(*compiled_, &errors);
    if (!evaluator.Run(instance) && errors.empty()) {
      errors.push_back({"", "", "does not match the schema"});
    }
  } catch (const std::exception& e) {
    errors.push_back({"", "", std::string("validation failed: ") + e.what()});
  }
  return errors;
}

bool JsonSchema::IsValid(const Json& instance) const {
  try {
    internal::json_schema::Evaluator evaluator(*compiled_, nullptr);
    return evaluator.Run(instance);
  } catch (const std::exception&) {
    return false;
  }
}

Status JsonSchema::Check(const Json& instance, std::string_view label, int max_listed) const {
  const std::vector<SchemaError> errors = Validate(instance);
  if (errors.empty()) return Status::Ok();
  const std::size_t listed =
      std::min(errors.size(), static_cast<std::size_t>(std::max(1, max_listed)));
  std::string message;
  for (std::size_t i = 0; i < listed; ++i) {
    if (i > 0) message += "; ";
    message += std::string(label) + errors[i].instance_location + ": " + errors[i].message;
  }
  if (errors.size() > listed) {
    message += " (and " + std::to_string(errors.size() - listed) + " more)";
  }
  return InvalidArgumentError(std::move(message));
}

}  // namespace sextant
