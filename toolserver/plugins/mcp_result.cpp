#include "toolserver/plugins/mcp_result.h"

namespace sextant::toolserver::plugins {
namespace {

std::string StringMember(const Json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Bytes encoded by base64 text `data` (padding and line breaks ignored).
std::size_t Base64DecodedSize(std::string_view data) {
  std::size_t chars = 0;
  for (char c : data) {
    if (c != '=' && c != '\n' && c != '\r') ++chars;
  }
  constexpr std::size_t kBitsPerChar = 6;
  constexpr std::size_t kBitsPerByte = 8;
  return chars * kBitsPerChar / kBitsPerByte;
}

std::string BinarySummary(std::string_view kind, const Json& part) {
  std::string mime = StringMember(part, "mimeType");
  std::string out = "[" + std::string(kind);
  if (!mime.empty()) out += " " + mime;
  out += ", " + std::to_string(Base64DecodedSize(StringMember(part, "data"))) + " bytes]";
  return out;
}

}  // namespace

bool IsValidToolName(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameLength) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string PluginToolName(std::string_view server, std::string_view tool) {
  return std::string(server) + "__" + std::string(tool);
}

std::string DescribeContentPart(const Json& part) {
  std::string type = StringMember(part, "type");
  if (type == "text") return StringMember(part, "text");
  if (type == "image" || type == "audio") return BinarySummary(type, part);
  if (type == "resource_link") {
    std::string name = StringMember(part, "name");
    return "[resource link " + (name.empty() ? "" : name + " ") + StringMember(part, "uri") + "]";
  }
  if (type == "resource") {
    const Json empty = Json::object();
    auto it = part.is_object() ? part.find("resource") : part.end();
    const Json& resource = it != part.end() && it->is_object() ? *it : empty;
    std::string uri = StringMember(resource, "uri");
    if (resource.contains("text"))
      return "[resource " + uri + "]\n" + StringMember(resource, "text");
    std::string mime = StringMember(resource, "mimeType");
    return "[resource " + uri + (mime.empty() ? "" : " " + mime) + ", " +
           std::to_string(Base64DecodedSize(StringMember(resource, "blob"))) + " bytes]";
  }
  return "[" + (type.empty() ? std::string("untyped") : type) + " content]";
}

Result<ToolOutput> MapToolCallResult(std::string_view tool_name, const Json& result) {
  if (!result.is_object()) {
    return Status(StatusCode::kUnknown,
                  std::string(tool_name) + ": the tools/call result is not an object");
  }
  if (StringMember(result, "resultType") == "input_required") {
    return UnimplementedError(std::string(tool_name) +
                              ": the server asked for more input (input_required), which "
                              "this client does not support");
  }
  Json content = Json::array();
  if (auto it = result.find("content"); it != result.end()) {
    if (!it->is_array()) {
      return Status(StatusCode::kUnknown,
                    std::string(tool_name) + ": the tools/call result's content is not an array");
    }
    content = *it;
  }
  std::string text;
  for (const Json& part : content) {
    if (!text.empty()) text += "\n";
    text += DescribeContentPart(part);
  }
  bool is_error = false;
  if (auto it = result.find("isError"); it != result.end() && it->is_boolean()) {
    is_error = it->get<bool>();
  }
  if (is_error) {
    return FailedPreconditionError(
        text.empty() ? std::string(tool_name) + " reported an error without a message" : text);
  }
  ToolOutput out;
  out.content = std::move(text);
  out.data = {{"content", std::move(content)}};
  if (auto it = result.find("structuredContent"); it != result.end()) {
    out.data["structuredContent"] = *it;
  }
  return out;
}

}  // namespace sextant::toolserver::plugins
