#include "common/json.h"

#include <exception>

namespace sextant {
namespace {

struct DepthExceeded final : std::exception {};

}  // namespace

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return ResourceExhaustedError("JSON input is " + std::to_string(text.size()) +
                                  " bytes; the limit is " + std::to_string(limits.max_bytes));
  }
  const int max_depth = limits.max_depth;
  Json::parser_callback_t check_depth = [max_depth](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= max_depth) {
      throw DepthExceeded();
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), check_depth, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const DepthExceeded&) {
    return ResourceExhaustedError("JSON nesting is deeper than the limit of " +
                                  std::to_string(max_depth));
  } catch (const Json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return InvalidArgumentError("invalid JSON at byte " + std::to_string(e.byte) + ": " + what);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("invalid JSON: ") + e.what());
  }
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

std::string JsonPointerEscape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

template <typename T, typename Check>
Status ReadMember(const Json& object, std::string_view key, T& out, Check is_type,
                  const char* type_name) {
  if (!object.is_object()) return InvalidArgumentError("expected a JSON object");
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!is_type(*it)) {
    return InvalidArgumentError("member '" + std::string(key) + "' must be " + type_name +
                                ", got " + it->type_name());
  }
  out = it->template get<T>();
  return Status::Ok();
}

}  // namespace

Status ReadJsonMember(const Json& object, std::string_view key, std::string& out) {
  return ReadMember(
      object, key, out, [](const Json& j) { return j.is_string(); }, "a string");
}
Status ReadJsonMember(const Json& object, std::string_view key, bool& out) {
  return ReadMember(
      object, key, out, [](const Json& j) { return j.is_boolean(); }, "a boolean");
}
Status ReadJsonMember(const Json& object, std::string_view key, std::int64_t& out) {
  return ReadMember(
      object, key, out, [](const Json& j) { return j.is_number_integer(); }, "an integer");
}
Status ReadJsonMember(const Json& object, std::string_view key, double& out) {
  return ReadMember(
      object, key, out, [](const Json& j) { return j.is_number(); }, "a number");
}

}  // namespace sextant
