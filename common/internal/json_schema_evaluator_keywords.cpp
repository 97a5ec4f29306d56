// The keywords that look at one kind of instance: any type (type, enum,
// const), numbers, strings, arrays, objects, and the unevaluated* keywords.
#include <algorithm>
#include <utility>

#include "common/internal/json_schema_evaluator.h"
#include "common/internal/json_schema_value.h"

namespace sextant::internal::json_schema {
namespace {

// Longest list of enum values quoted in a message.
constexpr std::size_t kMaxEnumMessageChars = 200;

std::string Plural(std::uint64_t n, std::string_view noun, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? noun : plural);
}

std::string DescribeEnum(const std::vector<Json>& values) {
  std::string out = "must be one of ";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += SummarizeJson(values[i]);
    if (out.size() > kMaxEnumMessageChars) {
      out += ", ...";
      break;
    }
  }
  return values.empty() ? "must not be present (enum is empty)" : out;
}

// The first pair (i < j) of equal items, if any. Items are grouped by hash so
// large arrays cost O(n log n).
std::optional<std::pair<std::size_t, std::size_t>> FindDuplicate(const Json& array) {
  std::vector<std::pair<std::size_t, std::size_t>> hashed;  // (hash, index)
  hashed.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) hashed.emplace_back(JsonHash(array[i]), i);
  std::sort(hashed.begin(), hashed.end());
  std::optional<std::pair<std::size_t, std::size_t>> best;
  for (std::size_t start = 0; start < hashed.size();) {
    std::size_t end = start + 1;
    while (end < hashed.size() && hashed[end].first == hashed[start].first) ++end;
    for (std::size_t a = start; a < end; ++a) {
      for (std::size_t b = a + 1; b < end; ++b) {
        const std::size_t i = hashed[a].second;
        const std::size_t j = hashed[b].second;
        if ((!best || j < best->second) && JsonEqual(array[i], array[j])) best = {i, j};
      }
    }
    start = end;
  }
  return best;
}

}  // namespace

bool Evaluator::EvalAnyType(const SchemaNode& node, const Json& instance) {
  bool valid = true;
  if (node.types != 0 && !MatchesSchemaType(instance, node.types)) {
    Report("/type",
           DescribeTypeMask(node.types) + ", got " + std::string(SchemaTypeName(instance)));
    valid = false;
    if (!KeepGoing()) return false;
  }
  if (node.const_value && !JsonEqual(instance, *node.const_value)) {
    Report("/const", "must be equal to " + SummarizeJson(*node.const_value));
    valid = false;
    if (!KeepGoing()) return false;
  }
  if (node.enum_values) {
    const auto& values = *node.enum_values;
    if (std::none_of(values.begin(), values.end(),
                     [&](const Json& v) { return JsonEqual(instance, v); })) {
      Report("/enum", DescribeEnum(values));
      valid = false;
    }
  }
  return valid;
}

bool Evaluator::EvalNumber(const SchemaNode& node, const Json& instance) {
  struct Bound {
    const std::optional<Json>& limit;
    std::string_view keyword;
    std::string_view relation;
    bool (*fails)(int);
  };
  const Bound bounds[] = {
      {node.minimum, "/minimum", ">=", [](int c) { return c < 0; }},
      {node.maximum, "/maximum", "<=", [](int c) { return c > 0; }},
      {node.exclusive_minimum, "/exclusiveMinimum", ">", [](int c) { return c <= 0; }},
      {node.exclusive_maximum, "/exclusiveMaximum", "<", [](int c) { return c >= 0; }},
  };
  bool valid = true;
  for (const Bound& bound : bounds) {
    if (bound.limit && bound.fails(CompareNumbers(instance, *bound.limit))) {
      Report(bound.keyword, "must be " + std::string(bound.relation) + " " +
                                DumpJson(*bound.limit) + ", got " + DumpJson(instance));
      valid = false;
      if (!KeepGoing()) return false;
    }
  }
  if (node.multiple_of && !IsMultipleOf(instance, *node.multiple_of)) {
    Report("/multipleOf",
           "must be a multiple of " + DumpJson(*node.multiple_of) + ", got " + DumpJson(instance));
    valid = false;
  }
  return valid;
}

bool Evaluator::EvalString(const SchemaNode& node, const Json& instance) {
  const auto& text = instance.get_ref<const std::string&>();
  bool valid = true;
  if (node.min_length || node.max_length) {
    const std::size_t length = CodePointCount(text);
    if (node.min_length && length < *node.min_length) {
      Report("/minLength", "must be at least " +
                               Plural(*node.min_length, "character", "characters") + " long, got " +
                               std::to_string(length));
      valid = false;
      if (!KeepGoing()) return false;
    }
    if (node.max_length && length > *node.max_length) {
      Report("/maxLength", "must be at most " +
                               Plural(*node.max_length, "character", "characters") + " long, got " +
                               std::to_string(length));
      valid = false;
      if (!KeepGoing()) return false;
    }
  }
  if (node.pattern != kNoNode) {
    const SchemaRegex& regex = *schema_.regexes[static_cast<std::size_t>(node.pattern)];
    switch (regex.Search(text, scratch_)) {
      case RegexMatch::kMatch:
        break;
      case RegexMatch::kNoMatch:
        Report("/pattern", "must match the pattern '" + regex.pattern() + "'");
        valid = false;
        if (!KeepGoing()) return false;
        break;
      case RegexMatch::kLimitExceeded:
        AbortRegexLimit("/pattern", regex);
        return false;
    }
  }
  if (node.format != FormatKind::kNone && !IsValidFormat(node.format, text)) {
    Report("/format", "must be a valid " + node.format_name);
    valid = false;
  }
  return valid;
}

bool Evaluator::CheckArrayBounds(const SchemaNode& node, const Json& instance) {
  const std::size_t size = instance.size();
  bool valid = true;
  const auto fail = [&](std::string_view keyword, std::string message) {
    return Fail(keyword, std::move(message), valid);
  };
  if (node.min_items && size < *node.min_items &&
      !fail("/minItems", "must have at least " + Plural(*node.min_items, "item", "items") +
                             ", got " + std::to_string(size))) {
    return false;
  }
  if (node.max_items && size > *node.max_items &&
      !fail("/maxItems", "must have at most " + Plural(*node.max_items, "item", "items") +
                             ", got " + std::to_string(size))) {
    return false;
  }
  if (node.unique_items) {
    if (auto duplicate = FindDuplicate(instance);
        duplicate && !fail("/uniqueItems", "must not contain duplicates, but items " +
                                               std::to_string(duplicate->first) + " and " +
                                               std::to_string(duplicate->second) + " are equal")) {
      return false;
    }
  }
  return valid;
}

bool Evaluator::EvalArray(const SchemaNode& node, const Json& instance, Annotations* ann) {
  const std::size_t size = instance.size();
  bool valid = CheckArrayBounds(node, instance);
  if (!valid && !KeepGoing()) return false;
  const std::size_t prefix = std::min(size, node.prefix_items.size());
  for (std::size_t i = 0; i < prefix; ++i) {
    valid = EvalItem(node.prefix_items[i], instance[i], i) && valid;
    if (!valid && !KeepGoing()) return false;
    if (ann != nullptr) ann->Mark(i, size);
  }
  if (node.items.present()) {
    for (std::size_t i = node.prefix_items.size(); i < size; ++i) {
      valid = EvalItem(node.items, instance[i], i) && valid;
      if (!valid && !KeepGoing()) return false;
    }
    if (ann != nullptr) ann->MarkAll(size);
  }
  if (node.contains.present()) valid = EvalContains(node, instance, ann) && valid;
  return valid;
}

bool Evaluator::EvalContains(const SchemaNode& node, const Json& instance, Annotations* ann) {
  const std::size_t size = instance.size();
  const std::uint64_t min = node.min_contains.value_or(1);
  std::uint64_t matches = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bool ok = false;
    {
      MuteGuard mute(*this, nullptr);
      ok = EvalItem(node.contains, instance[i], i);
    }
    if (Stopped()) return false;
    if (!ok) continue;
    ++matches;
    if (ann != nullptr) ann->Mark(i, size);
    // Enough is known unless every match must be annotated or counted.
    if (ann == nullptr && !node.max_contains && matches >= min) break;
  }
  return CheckContainsCount(node, matches);
}

bool Evaluator::CheckContainsCount(const SchemaNode& node, std::uint64_t matches) {
  const std::uint64_t min = node.min_contains.value_or(1);
  bool valid = true;
  if (matches < min) {
    Report(node.min_contains ? "/minContains" : "/contains",
           "must contain at least " + Plural(min, "item", "items") +
               " matching the 'contains' schema, found " + std::to_string(matches));
    valid = false;
  }
  if (node.max_contains && matches > *node.max_contains) {
    Report("/maxContains", "must contain at most " + Plural(*node.max_contains, "item", "items") +
                               " matching the 'contains' schema, found " + std::to_string(matches));
    valid = false;
  }
  return valid;
}

bool Evaluator::CheckObjectBounds(const SchemaNode& node, const Json& instance) {
  const std::size_t size = instance.size();
  bool valid = true;
  const auto fail = [&](std::string_view keyword, std::string message) {
    return Fail(keyword, std::move(message), valid);
  };
  if (node.min_properties && size < *node.min_properties &&
      !fail("/minProperties", "must have at least " +
                                  Plural(*node.min_properties, "property", "properties") +
                                  ", got " + std::to_string(size))) {
    return false;
  }
  if (node.max_properties && size > *node.max_properties &&
      !fail("/maxProperties", "must have at most " +
                                  Plural(*node.max_properties, "property", "properties") +
                                  ", got " + std::to_string(size))) {
    return false;
  }
  for (const std::string& name : node.required) {
    if (!instance.contains(name) &&
        !fail("/required", "missing required property '" + name + "'")) {
      return false;
    }
  }
  for (const DependentRequired& dependency : node.dependent_required) {
    if (!instance.contains(dependency.property)) continue;
    for (const std::string& name : dependency.required) {
      if (!instance.contains(name) &&
          !fail(dependency.location,
                "property '" + dependency.property + "' requires property '" + name + "'")) {
        return false;
      }
    }
  }
  return valid;
}

bool Evaluator::EvalObject(const SchemaNode& node, const Json& instance, Annotations* ann) {
  bool valid = CheckObjectBounds(node, instance);
  if (!valid && !KeepGoing()) return false;
  valid = EvalMembers(node, instance, ann) && valid;
  if (!valid && !KeepGoing()) return false;
  for (const NamedChild& dependent : node.dependent_schemas) {
    if (!instance.contains(dependent.name)) continue;
    valid = EvalChild(dependent.child, instance, ann) && valid;
    if (!valid && !KeepGoing()) return false;
  }
  return valid;
}

// properties, patternProperties, additionalProperties and propertyNames: one
// pass over the members.
bool Evaluator::EvalMembers(const SchemaNode& node, const Json& instance, Annotations* ann) {
  if (node.properties.empty() && node.pattern_properties.empty() &&
      !node.additional_properties.present() && !node.property_names.present()) {
    return true;
  }
  const std::size_t size = instance.size();
  bool valid = true;
  std::size_t index = 0;
  for (auto it = instance.begin(); it != instance.end(); ++it, ++index) {
    const std::string& key = it.key();
    bool matched = false;
    auto property = std::lower_bound(
        node.properties.begin(), node.properties.end(), key,
        [](const NamedChild& child, const std::string& name) { return child.name < name; });
    if (property != node.properties.end() && property->name == key) {
      valid = EvalMember(property->child, it.value(), key) && valid;
      matched = true;
    }
    for (const PatternChild& pattern : node.pattern_properties) {
      if (!valid && !KeepGoing()) return false;
      const SchemaRegex& regex = *schema_.regexes[static_cast<std::size_t>(pattern.regex)];
      const RegexMatch match = regex.Search(key, scratch_);
      if (match == RegexMatch::kLimitExceeded) {
        AbortRegexLimit(pattern.child.location, regex);
        return false;
      }
      if (match == RegexMatch::kMatch) {
        valid = EvalMember(pattern.child, it.value(), key) && valid;
        matched = true;
      }
    }
    if (!matched && node.additional_properties.present()) {
      valid = EvalMember(node.additional_properties, it.value(), key) && valid;
      matched = true;
    }
    if (matched && ann != nullptr) ann->Mark(index, size);
    if (node.property_names.present()) {
      valid = EvalPropertyName(node.property_names, key) && valid;
    }
    if (!valid && !KeepGoing()) return false;
  }
  return valid;
}

bool Evaluator::EvalUnevaluated(const SchemaNode& node, const Json& instance, Annotations* ann) {
  bool valid = true;
  const std::size_t size = instance.size();
  if (instance.is_array() && node.unevaluated_items.present()) {
    for (std::size_t i = 0; i < size; ++i) {
      if (ann->IsMarked(i)) continue;
      valid = EvalItem(node.unevaluated_items, instance[i], i) && valid;
      if (!valid && !KeepGoing()) return false;
    }
    ann->MarkAll(size);
  }
  if (instance.is_object() && node.unevaluated_properties.present()) {
    std::size_t index = 0;
    for (auto it = instance.begin(); it != instance.end(); ++it, ++index) {
      if (ann->IsMarked(index)) continue;
      valid = EvalMember(node.unevaluated_properties, it.value(), it.key()) && valid;
      if (!valid && !KeepGoing()) return false;
    }
    ann->MarkAll(size);
  }
  return valid;
}

}  // namespace sextant::internal::json_schema
