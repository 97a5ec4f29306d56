#include "agent/function_call.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <tuple>
#include <utility>

#include "agent/internal/lenient_json.h"

namespace sextant::agent {
namespace {

using internal::LineColumnAt;
using internal::ParseLenientJson;

// JSON objects tried per reply; more starts are ignored.
constexpr int kMaxAttempts = 16;
constexpr std::string_view kFence = "```";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Offsets of '{' to try: the first one inside each ``` fence, then every '{'
// of the text, without repeats.
std::vector<std::size_t> Starts(std::string_view text) {
  std::vector<std::size_t> starts;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find(kFence, pos);
    if (open == std::string_view::npos) break;
    const std::size_t body = open + kFence.size();
    const std::size_t close = text.find(kFence, body);
    const std::size_t end = close == std::string_view::npos ? text.size() : close;
    const std::size_t brace = text.find('{', body);
    if (brace < end) starts.push_back(brace);
    if (close == std::string_view::npos) break;
    pos = close + kFence.size();
  }
  const std::size_t fenced = starts.size();
  for (std::size_t at = text.find('{'); at != std::string_view::npos; at = text.find('{', at + 1)) {
    if (std::find(starts.begin(), starts.begin() + static_cast<std::ptrdiff_t>(fenced), at) ==
        starts.begin() + static_cast<std::ptrdiff_t>(fenced)) {
      starts.push_back(at);
    }
  }
  return starts;
}

Status SyntaxError(std::string_view text, const internal::LenientJsonResult& r,
                   std::string_view where) {
  if (r.too_deep) return InvalidArgumentError(r.error);
  const auto at = LineColumnAt(text, r.error_offset);
  return InvalidArgumentError("JSON syntax error at line " + std::to_string(at.line) + " column " +
                              std::to_string(at.column) + std::string(where) + ": " + r.error);
}

Result<Json> ReadArguments(const Json& call, int max_depth) {
  std::string_view key = "arguments";
  auto it = call.find("arguments");
  if (it == call.end()) {
    key = "parameters";
    it = call.find("parameters");
  }
  if (it == call.end() || it->is_null()) return Json::object();
  const std::string quoted = "\"" + std::string(key) + "\"";
  if (it->is_object()) return *it;
  if (!it->is_string()) {
    return InvalidArgumentError(quoted + " must be an object, got " + it->type_name());
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (Trim(s).empty()) return Json::object();
  std::size_t start = 0;
  while (start < s.size() && IsSpace(s[start])) ++start;
  const auto r = ParseLenientJson(s, start, max_depth);
  if (!r.value) {
    Status syntax = SyntaxError(s, r, " of the string");
    return InvalidArgumentError(
        quoted + " is a string that does not hold a JSON object: " + syntax.message());
  }
  if (!r.value->is_object()) {
    return InvalidArgumentError(quoted + " must be an object, got a string holding " +
                                (r.value->is_array() ? "an " : "a ") + r.value->type_name());
  }
  const std::string_view rest = s;
  if (!Trim(rest.substr(r.end)).empty()) {
    const auto at = LineColumnAt(s, r.end);
    return InvalidArgumentError(quoted + " is a string with text after its JSON object, at line " +
                                std::to_string(at.line) + " column " + std::to_string(at.column));
  }
  return *r.value;
}

Result<FunctionCall> ReadCall(const Json& value, int max_depth) {
  if (!value.is_object()) {
    return InvalidArgumentError(std::string("the call must be a JSON object, got ") +
                                value.type_name());
  }
  if (auto calls = value.find("tool_calls"); calls != value.end()) {
    if (!calls->is_array()) {
      return InvalidArgumentError(std::string("\"tool_calls\" must be an array of calls, got ") +
                                  calls->type_name());
    }
    if (calls->empty()) return InvalidArgumentError("\"tool_calls\" is empty");
    return ReadCall(calls->front(), max_depth);
  }
  const Json* named = &value;
  std::optional<std::string> name;
  if (auto function = value.find("function"); function != value.end()) {
    if (function->is_object()) {
      named = &*function;
    } else if (function->is_string() && !value.contains("name")) {
      name = function->get<std::string>();
    }
  }
  if (!name) {
    auto it = named->find("name");
    if (it == named->end() || !it->is_string()) {
      return InvalidArgumentError("the call has no \"name\" string");
    }
    name = it->get<std::string>();
  }
  FunctionCall call;
  call.name = std::string(Trim(*name));
  if (call.name.empty()) return InvalidArgumentError("the call's \"name\" is empty");
  SEXTANT_ASSIGN_OR_RETURN(call.arguments, ReadArguments(*named, max_depth));
  return call;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t Levenshtein(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

Result<FunctionCall> ParseFunctionCall(std::string_view text, const FunctionCallLimits& limits) {
  if (text.size() > limits.max_text_bytes) {
    return InvalidArgumentError("the reply is " + std::to_string(text.size()) +
                                " bytes, over the limit of " +
                                std::to_string(limits.max_text_bytes) + " bytes");
  }
  const std::vector<std::size_t> starts = Starts(text);
  if (starts.empty()) return InvalidArgumentError("no JSON object found in the reply");

  std::optional<Status> first_error;
  std::vector<std::pair<std::size_t, std::size_t>> tried;  // [start, end) of objects read
  int attempts = 0;
  for (const std::size_t start : starts) {
    const bool inside = std::any_of(tried.begin(), tried.end(), [start](const auto& span) {
      return start > span.first && start < span.second;
    });
    if (inside) continue;
    if (attempts++ == kMaxAttempts) break;
    const auto r = ParseLenientJson(text, start, limits.max_depth);
    Status error;
    if (r.value) {
      auto call = ReadCall(*r.value, limits.max_depth);
      if (call.ok()) return call;
      error = call.status();
      tried.emplace_back(start, r.end);
    } else {
      error = SyntaxError(text, r, "");
      tried.emplace_back(start, r.error_offset);
    }
    if (!first_error) first_error = std::move(error);
  }
  return *first_error;
}

std::vector<std::string> CloseNames(std::string_view name, const std::vector<std::string>& known,
                                    std::size_t max) {
  const std::string target = Lower(name.substr(0, kCloseNameMaxBytes));
  const std::size_t threshold = std::max<std::size_t>(2, target.size() / 2);
  std::vector<std::tuple<std::size_t, std::string>> scored;  // (distance, name)
  for (const std::string& candidate : known) {
    const std::string_view candidate_view = candidate;
    const std::string other = Lower(candidate_view.substr(0, kCloseNameMaxBytes));
    const std::size_t distance = Levenshtein(target, other);
    const bool contains =
        !target.empty() && !other.empty() &&
        (other.find(target) != std::string::npos || target.find(other) != std::string::npos);
    const bool prefix = target.size() >= kCloseNamePrefix && other.size() >= kCloseNamePrefix &&
                        target.compare(0, kCloseNamePrefix, other, 0, kCloseNamePrefix) == 0;
    if (distance <= threshold || contains || prefix) scored.emplace_back(distance, candidate);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < max; ++i) {
    out.push_back(std::get<1>(scored[i]));
  }
  return out;
}

}  // namespace sextant::agent
