// Compiles a schema document into a CompiledSchema: every keyword value is
// type-checked once, every regex compiled once, every reference resolved to a
// node index, and reference cycles that would never consume input rejected.
//
// Thread safety: a free function; no shared state.
#pragma once

#include <memory>

#include "common/internal/json_schema_node.h"
#include "common/json.h"
#include "common/json_schema.h"
#include "common/status.h"

namespace sextant::internal::json_schema {

// Errors as JsonSchema::Compile documents them. Compilation is iterative, so
// no schema can exhaust the stack.
Result<std::unique_ptr<CompiledSchema>> CompileSchema(const Json& schema,
                                                      const SchemaOptions& options);

}  // namespace sextant::internal::json_schema
