#include "common/internal/json_schema_value.h"

#include <cfloat>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

namespace sextant::internal::json_schema {
namespace {

// Every int64, uint64 and double is exact in long double on the targets we
// build for (x87 extended or IEEE quad), so comparisons through it are exact.
static_assert(std::numeric_limits<long double>::digits >= 64,
              "long double must hold every 64-bit integer exactly");

// Rounding slack for a quotient of two doubles, in units of its magnitude.
constexpr double kQuotientTolerance = 4 * DBL_EPSILON;

// Depth up to which SummarizeJson dumps containers.
constexpr int kMaxSummaryDepth = 8;

constexpr std::size_t kHashMultiplier = 0x9e3779b97f4a7c15ull;

// UTF-8 continuation bytes are 10xxxxxx.
constexpr unsigned char kUtf8ContinuationMask = 0xC0;
constexpr unsigned char kUtf8ContinuationBits = 0x80;
constexpr unsigned char kUtf8NonAscii = 0x80;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & kUtf8ContinuationMask) == kUtf8ContinuationBits;
}

struct TypeName {
  std::uint8_t bit;
  std::string_view name;
  std::string_view with_article;
};

// In the order types are listed in messages.
constexpr TypeName kTypeNames[] = {
    {schema_type::kObject, "object", "an object"},
    {schema_type::kArray, "array", "an array"},
    {schema_type::kString, "string", "a string"},
    {schema_type::kNumber, "number", "a number"},
    {schema_type::kInteger, "integer", "an integer"},
    {schema_type::kBoolean, "boolean", "a boolean"},
    {schema_type::kNull, "null", "null"},
};

long double AsLongDouble(const Json& number) {
  if (number.is_number_unsigned()) return static_cast<long double>(number.get<std::uint64_t>());
  if (number.is_number_integer()) return static_cast<long double>(number.get<std::int64_t>());
  return static_cast<long double>(number.get<double>());
}

void Mix(std::size_t& h, std::size_t v) { h ^= v + kHashMultiplier + (h << 6) + (h >> 2); }

std::size_t HashNumber(const Json& number) {
  if (number.is_number_unsigned()) return std::hash<std::uint64_t>{}(number.get<std::uint64_t>());
  if (number.is_number_integer()) {
    const std::int64_t v = number.get<std::int64_t>();
    return v >= 0 ? std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(v))
                  : std::hash<std::int64_t>{}(v);
  }
  const double d = number.get<double>();
  // Integral doubles hash like the integer of the same value.
  constexpr double kTwoPow63 = 9223372036854775808.0;
  constexpr double kTwoPow64 = 18446744073709551616.0;
  if (std::floor(d) == d && d >= -kTwoPow63 && d < kTwoPow64) {
    if (d >= 0) return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(d));
    return std::hash<std::int64_t>{}(static_cast<std::int64_t>(d));
  }
  return std::hash<double>{}(d);
}

}  // namespace

std::optional<std::uint8_t> SchemaTypeFromName(std::string_view name) {
  for (const TypeName& t : kTypeNames) {
    if (t.name == name) return t.bit;
  }
  return std::nullopt;
}

bool IsIntegral(const Json& number) {
  if (number.is_number_integer()) return true;  // includes unsigned
  if (!number.is_number_float()) return false;
  const double d = number.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool MatchesSchemaType(const Json& value, std::uint8_t mask) {
  namespace st = schema_type;
  switch (value.type()) {
    case Json::value_t::null:
      return (mask & st::kNull) != 0;
    case Json::value_t::boolean:
      return (mask & st::kBoolean) != 0;
    case Json::value_t::object:
      return (mask & st::kObject) != 0;
    case Json::value_t::array:
      return (mask & st::kArray) != 0;
    case Json::value_t::string:
      return (mask & st::kString) != 0;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return (mask & st::kNumber) != 0 || ((mask & st::kInteger) != 0 && IsIntegral(value));
    default:
      return false;
  }
}

std::string DescribeTypeMask(std::uint8_t mask) {
  // "number" already admits integers.
  if ((mask & schema_type::kNumber) != 0) mask &= ~schema_type::kInteger;
  std::vector<const TypeName*> names;
  for (const TypeName& t : kTypeNames) {
    if ((mask & t.bit) != 0) names.push_back(&t);
  }
  if (names.empty()) return "must have a valid type";
  if (names.size() == 1) return "must be " + std::string(names[0]->with_article);
  std::string out = "must be ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i]->name;
  }
  return out;
}

std::string_view SchemaTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return IsIntegral(value) ? "integer" : "number";
    default:
      return "binary";
  }
}

int CompareNumbers(const Json& a, const Json& b) {
  const long double x = AsLongDouble(a);
  const long double y = AsLongDouble(b);
  if (x < y) return -1;
  if (x > y) return 1;
  return 0;
}

bool IsMultipleOf(const Json& value, const Json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer()) {
    const std::uint64_t d = divisor.is_number_unsigned()
                                ? divisor.get<std::uint64_t>()
                                : static_cast<std::uint64_t>(divisor.get<std::int64_t>());
    if (d == 0) return false;
    std::uint64_t v = 0;
    if (value.is_number_unsigned()) {
      v = value.get<std::uint64_t>();
    } else {
      const std::int64_t s = value.get<std::int64_t>();
      // Magnitude without overflow for INT64_MIN.
      v = s >= 0 ? static_cast<std::uint64_t>(s) : ~static_cast<std::uint64_t>(s) + 1;
    }
    return v % d == 0;
  }
  const double x = value.get<double>();
  const double m = divisor.get<double>();
  if (!std::isfinite(x) || !(m > 0)) return false;
  if (std::fmod(x, m) == 0) return true;
  // Both integral: the remainder above was exact.
  if (IsIntegral(value) && IsIntegral(divisor)) return false;
  const double q = x / m;
  if (!std::isfinite(q)) return false;
  const double nearest = std::nearbyint(q);
  if (nearest == 0) return false;
  return std::fabs(q - nearest) <= kQuotientTolerance * std::fabs(q);
}

bool JsonEqual(const Json& a, const Json& b) {
  if (!a.is_structured() || !b.is_structured()) {
    if (a.is_number() && b.is_number()) return CompareNumbers(a, b) == 0;
    return a.type() == b.type() && a == b;
  }
  std::vector<std::pair<const Json*, const Json*>> pending;
  pending.emplace_back(&a, &b);
  while (!pending.empty()) {
    auto [x, y] = pending.back();
    pending.pop_back();
    if (x->is_number() && y->is_number()) {
      if (CompareNumbers(*x, *y) != 0) return false;
      continue;
    }
    if (x->type() != y->type()) return false;
    switch (x->type()) {
      case Json::value_t::array: {
        if (x->size() != y->size()) return false;
        for (std::size_t i = 0; i < x->size(); ++i) pending.emplace_back(&(*x)[i], &(*y)[i]);
        break;
      }
      case Json::value_t::object: {
        if (x->size() != y->size()) return false;
        // Both objects keep their keys sorted, so equal objects align.
        auto ix = x->items().begin();
        auto iy = y->items().begin();
        for (; ix != x->items().end(); ++ix, ++iy) {
          if (ix.key() != iy.key()) return false;
          pending.emplace_back(&ix.value(), &iy.value());
        }
        break;
      }
      default:
        if (*x != *y) return false;
    }
  }
  return true;
}

std::size_t JsonHash(const Json& value) {
  if (value.is_number()) return HashNumber(value);
  if (value.is_string()) return std::hash<std::string>{}(value.get_ref<const std::string&>());
  std::size_t h = 0;
  std::vector<const Json*> pending{&value};
  while (!pending.empty()) {
    const Json* j = pending.back();
    pending.pop_back();
    if (j->is_number()) {
      Mix(h, static_cast<std::size_t>(Json::value_t::number_float));
      Mix(h, HashNumber(*j));
      continue;
    }
    Mix(h, static_cast<std::size_t>(j->type()));
    switch (j->type()) {
      case Json::value_t::array:
        Mix(h, j->size());
        for (auto it = j->rbegin(); it != j->rend(); ++it) pending.push_back(&*it);
        break;
      case Json::value_t::object:
        Mix(h, j->size());
        for (const auto& [key, member] : j->items()) Mix(h, std::hash<std::string>{}(key));
        for (auto it = j->rbegin(); it != j->rend(); ++it) pending.push_back(&*it);
        break;
      case Json::value_t::string:
        Mix(h, std::hash<std::string>{}(j->get_ref<const std::string&>()));
        break;
      case Json::value_t::boolean:
        Mix(h, j->get<bool>() ? 1 : 0);
        break;
      default:
        break;
    }
  }
  return h;
}

std::size_t CodePointCount(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) {
    if (!IsContinuationByte(c)) ++n;
  }
  return n;
}

bool JsonDeeperThan(const Json& value, int max_depth) {
  std::vector<std::pair<const Json*, int>> pending{{&value, 0}};
  while (!pending.empty()) {
    auto [j, depth] = pending.back();
    pending.pop_back();
    if (!j->is_structured()) continue;
    if (depth + 1 > max_depth) return true;
    for (const Json& child : *j) pending.emplace_back(&child, depth + 1);
  }
  return false;
}

std::string SummarizeJson(const Json& value, std::size_t max_chars) {
  std::string out = JsonDeeperThan(value, kMaxSummaryDepth)
                        ? "(deeply nested " + std::string(value.type_name()) + ")"
                        : DumpJson(value);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    // Do not leave half a UTF-8 sequence behind.
    while (!out.empty() && IsContinuationByte(out.back())) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & kUtf8NonAscii) != 0)
      out.pop_back();
    out += "...";
  }
  return out;
}

std::string PointerToken(std::string_view token) { return "/" + JsonPointerEscape(token); }

std::string PointerToken(std::size_t index) { return "/" + std::to_string(index); }

}  // namespace sextant::internal::json_schema
