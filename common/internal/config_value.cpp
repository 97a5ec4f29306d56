#include "common/internal/config_value.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace sextant::internal {
namespace {

constexpr std::size_t kMaxQuotedChars = 64;
constexpr std::size_t kMinTypoDistance = 2;
constexpr std::size_t kTypoLengthDivisor = 3;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status TypeError(const ConfigKey& key, std::string_view text) {
  return InvalidArgumentError(key.name + ": expected " +
                              std::string(ConfigTypeArticleName(key.type)) + ", got " +
                              QuoteValue(key, text));
}

Status ParseInt(const ConfigKey& key, std::string_view text, ConfigValue& out) {
  std::string_view t = Trim(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return InvalidArgumentError(key.name + ": " + QuoteValue(key, text) +
                                " does not fit in a 64-bit integer");
  }
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return TypeError(key, text);
  out.emplace<std::int64_t>(v);
  return Status::Ok();
}

Status ParseBool(const ConfigKey& key, std::string_view text, ConfigValue& out) {
  static constexpr std::array<std::string_view, 4> kTrue = {"true", "1", "yes", "on"};
  static constexpr std::array<std::string_view, 4> kFalse = {"false", "0", "no", "off"};
  const std::string t = Lower(Trim(text));
  if (std::find(kTrue.begin(), kTrue.end(), t) != kTrue.end()) {
    out.emplace<bool>(true);
  } else if (std::find(kFalse.begin(), kFalse.end(), t) != kFalse.end()) {
    out.emplace<bool>(false);
  } else {
    return TypeError(key, text);
  }
  return Status::Ok();
}

Status ParseDouble(const ConfigKey& key, std::string_view text, ConfigValue& out) {
  std::string_view t = Trim(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
    return TypeError(key, text);
  }
  out.emplace<double>(v);
  return Status::Ok();
}

Status ParseList(const ConfigKey& key, std::string_view text, ConfigValue& out) {
  std::string_view t = Trim(text);
  if (!t.empty() && t.front() == '[') {
    auto list = ParseTomlStringArray(t);
    if (!list.ok()) return list.status().WithContext(key.name);
    out.emplace<std::vector<std::string>>(std::move(list).value());
    return Status::Ok();
  }
  std::vector<std::string> items;
  while (!t.empty()) {
    const std::size_t comma = t.find(',');
    items.emplace_back(Trim(t.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    t.remove_prefix(comma + 1);
    if (t.empty()) items.emplace_back();
  }
  out.emplace<std::vector<std::string>>(std::move(items));
  return Status::Ok();
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view ConfigTypeArticleName(ConfigType type) {
  switch (type) {
    case ConfigType::kString:
      return "a string";
    case ConfigType::kInt:
      return "an integer";
    case ConfigType::kBool:
      return "a boolean";
    case ConfigType::kDouble:
      return "a number";
    case ConfigType::kStringList:
      return "a list of strings";
  }
  return "a value";
}

std::string QuoteValue(const ConfigKey& key, std::string_view text) {
  if (key.secret) return "a secret value";
  std::string out = "\"";
  std::size_t shown = 0;
  for (char c : text) {
    if (shown == kMaxQuotedChars) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
    ++shown;
  }
  out += '"';
  return out;
}

Status ParseConfigText(const ConfigKey& key, std::string_view text, ConfigValue& out) {
  switch (key.type) {
    case ConfigType::kString:
      out.emplace<std::string>(text);
      return Status::Ok();
    case ConfigType::kInt:
      return ParseInt(key, text, out);
    case ConfigType::kBool:
      return ParseBool(key, text, out);
    case ConfigType::kDouble:
      return ParseDouble(key, text, out);
    case ConfigType::kStringList:
      return ParseList(key, text, out);
  }
  return InternalError(key.name + ": unknown config type");
}

Status CheckConfigValue(const ConfigKey& key, const ConfigValue& value) {
  if (value.index() != static_cast<std::size_t>(key.type)) {
    return InvalidArgumentError(key.name + ": expected " +
                                std::string(ConfigTypeArticleName(key.type)));
  }
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    const std::string shown = key.secret ? "the value" : std::to_string(*i);
    if (key.min && *i < *key.min) {
      return InvalidArgumentError(key.name + ": " + shown + " is below the minimum " +
                                  std::to_string(*key.min));
    }
    if (key.max && *i > *key.max) {
      return InvalidArgumentError(key.name + ": " + shown + " is above the maximum " +
                                  std::to_string(*key.max));
    }
  }
  if (const auto* s = std::get_if<std::string>(&value); s && !key.allowed.empty()) {
    if (std::find(key.allowed.begin(), key.allowed.end(), *s) == key.allowed.end()) {
      std::string list;
      for (const auto& a : key.allowed) list += (list.empty() ? "" : ", ") + a;
      return InvalidArgumentError(key.name + ": " + QuoteValue(key, *s) + " is not one of " + list +
                                  DidYouMean(*s, key.allowed));
    }
  }
  return Status::Ok();
}

std::optional<std::string> ClosestName(std::string_view name,
                                       const std::vector<std::string>& candidates) {
  const std::string lowered = Lower(name);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::size_t d = EditDistance(lowered, Lower(c));
    if (!best || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (!best) return std::nullopt;
  // Equal but for case: suggest the proper spelling; equal outright: nothing to suggest.
  if (best_distance == 0) return *best != name ? best : std::nullopt;
  const std::size_t limit = std::max(kMinTypoDistance, name.size() / kTypoLengthDivisor);
  if (best_distance > limit) return std::nullopt;
  return best;
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  auto closest = ClosestName(name, candidates);
  if (!closest) return "";
  return "; did you mean '" + *closest + "'?";
}

}  // namespace sextant::internal
