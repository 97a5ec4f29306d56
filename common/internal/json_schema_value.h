// JSON value semantics as JSON Schema defines them: numbers compare by
// mathematical value (1 == 1.0), and equality and hashing follow that.
//
// Thread safety: free functions, no shared state. None of them recurse, so
// deeply nested values cannot overflow the stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"

namespace sextant::internal::json_schema {

// Bits for the "type" keyword.
namespace schema_type {
inline constexpr std::uint8_t kNull = 1u << 0;
inline constexpr std::uint8_t kBoolean = 1u << 1;
inline constexpr std::uint8_t kObject = 1u << 2;
inline constexpr std::uint8_t kArray = 1u << 3;
inline constexpr std::uint8_t kNumber = 1u << 4;
inline constexpr std::uint8_t kString = 1u << 5;
inline constexpr std::uint8_t kInteger = 1u << 6;
}  // namespace schema_type

// "null", "boolean", ... "integer" to its bit; nullopt for other names.
std::optional<std::uint8_t> SchemaTypeFromName(std::string_view name);

// Whether `value` has one of the types in `mask`; a number with an integral
// value (1.0, or a float beyond 64 bits such as 1e30) counts as "integer".
bool MatchesSchemaType(const Json& value, std::uint8_t mask);

// "must be a string", "must be string or null", ... for a type mask.
std::string DescribeTypeMask(std::uint8_t mask);

// The JSON Schema type name of a value: "integer" for integral numbers.
std::string_view SchemaTypeName(const Json& value);

// Whether a number has an integral value.
bool IsIntegral(const Json& number);

// Three-way comparison of two numbers by exact value: <0, 0 or >0.
int CompareNumbers(const Json& a, const Json& b);

// Whether `value` is a multiple of `divisor` (> 0). Exact for integers; for
// other numbers exact when the remainder is representable, else within the
// rounding error of the quotient.
bool IsMultipleOf(const Json& value, const Json& divisor);

// JSON equality where numbers compare by value.
bool JsonEqual(const Json& a, const Json& b);

// A hash consistent with JsonEqual.
std::size_t JsonHash(const Json& value);

// Length of a UTF-8 string in Unicode code points.
std::size_t CodePointCount(std::string_view utf8);

// Whether `value` nests arrays and objects deeper than `max_depth` (a scalar
// has depth 0, [] has depth 1).
bool JsonDeeperThan(const Json& value, int max_depth);

// A short rendering of a value for messages: JSON cut to `max_chars` with
// "...". Values nested deeper than a few levels show only their type.
std::string SummarizeJson(const Json& value, std::size_t max_chars = 80);

// JSON Pointer of a property name or array index appended to a pointer.
std::string PointerToken(std::string_view token);
std::string PointerToken(std::size_t index);

}  // namespace sextant::internal::json_schema
