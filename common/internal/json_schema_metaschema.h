// The official JSON Schema draft 2020-12 meta-schemas, built in so that
// references to them resolve without a network.
//
// Thread safety: returns views of constant data.
#pragma once

#include <optional>
#include <string_view>

namespace sextant::internal::json_schema {

// The JSON text of the built-in schema whose $id is `uri`, or nullopt.
std::optional<std::string_view> BuiltinSchemaText(std::string_view uri);

}  // namespace sextant::internal::json_schema
