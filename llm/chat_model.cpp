#include "llm/chat_model.h"

#include <array>
#include <cctype>
#include <set>
#include <utility>

namespace sextant::llm {
namespace {

constexpr size_t kMaxToolNameLength = 64;

constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles = {{
    {Role::kSystem, "system"},
    {Role::kUser, "user"},
    {Role::kAssistant, "assistant"},
    {Role::kTool, "tool"},
}};

constexpr std::array<std::pair<FinishReason, std::string_view>, 4> kFinishReasons = {{
    {FinishReason::kStop, "stop"},
    {FinishReason::kLength, "length"},
    {FinishReason::kToolCalls, "tool_calls"},
    {FinishReason::kCancelled, "cancelled"},
}};

Status Bad(std::string_view where, std::string_view what) {
  return InvalidArgumentError(std::string(where) + ": " + std::string(what));
}

Result<std::string> ReadContent(const Json& content) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return Bad("content", "must be a string, null or an array of parts");
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const Json& part = content[i];
    const std::string where = "content[" + std::to_string(i) + "]";
    if (!part.is_object()) return Bad(where, "must be an object");
    const auto type = part.find("type");
    if (type == part.end() || *type != "text") {
      return Bad(where, "only parts of type \"text\" are supported");
    }
    const auto part_text = part.find("text");
    if (part_text == part.end() || !part_text->is_string()) {
      return Bad(where, "\"text\" must be a string");
    }
    text += part_text->get<std::string>();
  }
  return text;
}

Result<ToolCall> ReadToolCall(const Json& json, const std::string& where) {
  if (!json.is_object()) return Bad(where, "must be an object");
  ToolCall call;
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(json, "id", call.id).WithContext(where));
  if (const auto type = json.find("type"); type != json.end() && *type != "function") {
    return Bad(where + ".type", "must be \"function\"");
  }
  const auto function = json.find("function");
  if (function == json.end() || !function->is_object()) {
    return Bad(where + ".function", "must be an object");
  }
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(*function, "name", call.name).WithContext(where));
  if (call.name.empty()) return Bad(where + ".function.name", "must be a non-empty string");
  const auto args = function->find("arguments");
  if (args == function->end() || args->is_null()) {
    call.arguments = Json::object();
  } else if (args->is_object()) {
    call.arguments = *args;
  } else if (args->is_string()) {
    const std::string& text = args->get_ref<const std::string&>();
    if (text.empty()) {
      call.arguments = Json::object();
    } else {
      Result<Json> parsed = ParseJson(text);
      if (!parsed.ok()) return parsed.status().WithContext(where + ".function.arguments");
      if (!parsed->is_object()) return Bad(where + ".function.arguments", "must hold an object");
      call.arguments = std::move(parsed).value();
    }
  } else {
    return Bad(where + ".function.arguments", "must be a JSON object or its text");
  }
  return call;
}

bool ValidToolName(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameLength) return false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (const auto& [role, known] : kRoles) {
    if (known == name) return role;
  }
  return InvalidArgumentError("unknown role '" + std::string(name) +
                              "'; expected system, user, assistant or tool");
}

std::string_view FinishReasonName(FinishReason reason) {
  for (const auto& [r, name] : kFinishReasons) {
    if (r == reason) return name;
  }
  return "unknown";
}

Result<FinishReason> ParseFinishReason(std::string_view name) {
  for (const auto& [reason, known] : kFinishReasons) {
    if (known == name) return reason;
  }
  return InvalidArgumentError("unknown finish reason '" + std::string(name) + "'");
}

Json MessageToJson(const Message& message) {
  Json json = Json::object();
  json["role"] = RoleName(message.role);
  if (message.content.empty() && !message.tool_calls.empty()) {
    json["content"] = nullptr;
  } else {
    json["content"] = message.content;
  }
  if (!message.tool_calls.empty()) {
    Json calls = Json::array();
    for (const ToolCall& call : message.tool_calls) {
      calls.push_back(
          {{"id", call.id},
           {"type", "function"},
           {"function", {{"name", call.name}, {"arguments", DumpJson(call.arguments)}}}});
    }
    json["tool_calls"] = std::move(calls);
  }
  if (!message.tool_call_id.empty()) json["tool_call_id"] = message.tool_call_id;
  if (!message.name.empty()) json["name"] = message.name;
  return json;
}

Result<Message> MessageFromJson(const Json& json) {
  if (!json.is_object()) return InvalidArgumentError("a message must be a JSON object");
  Message message;
  const auto role = json.find("role");
  if (role == json.end() || !role->is_string()) return Bad("role", "must be a string");
  SEXTANT_ASSIGN_OR_RETURN(message.role, ParseRole(role->get<std::string>()));
  if (const auto content = json.find("content"); content != json.end()) {
    SEXTANT_ASSIGN_OR_RETURN(message.content, ReadContent(*content));
  }
  if (const auto calls = json.find("tool_calls"); calls != json.end() && !calls->is_null()) {
    if (!calls->is_array()) return Bad("tool_calls", "must be an array");
    if (message.role != Role::kAssistant && !calls->empty()) {
      return Bad("tool_calls", "only assistant messages carry tool calls");
    }
    for (size_t i = 0; i < calls->size(); ++i) {
      SEXTANT_ASSIGN_OR_RETURN(ToolCall call,
                               ReadToolCall((*calls)[i], "tool_calls[" + std::to_string(i) + "]"));
      message.tool_calls.push_back(std::move(call));
    }
  }
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(json, "tool_call_id", message.tool_call_id));
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(json, "name", message.name));
  if (message.role == Role::kTool && message.tool_call_id.empty()) {
    return Bad("tool_call_id", "a tool message needs the id of the call it answers");
  }
  return message;
}

Json MessagesToJson(const std::vector<Message>& messages) {
  Json json = Json::array();
  for (const Message& message : messages) json.push_back(MessageToJson(message));
  return json;
}

Result<std::vector<Message>> MessagesFromJson(const Json& json) {
  if (!json.is_array()) return InvalidArgumentError("messages must be a JSON array");
  std::vector<Message> messages;
  messages.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    Result<Message> message = MessageFromJson(json[i]);
    if (!message.ok()) {
      return message.status().WithContext("messages[" + std::to_string(i) + "]");
    }
    messages.push_back(std::move(message).value());
  }
  return messages;
}

Status ValidateChatOptions(const ChatOptions& options) {
  if (options.max_tokens < 1) {
    return InvalidArgumentError("max_tokens must be at least 1; got " +
                                std::to_string(options.max_tokens));
  }
  for (size_t i = 0; i < options.stop.size(); ++i) {
    if (options.stop[i].empty()) {
      return InvalidArgumentError("stop[" + std::to_string(i) + "] is empty");
    }
  }
  return ValidateSamplingParams(options.sampling);
}

Status CheckToolSpec(const Json& tool) {
  if (!tool.is_object()) return InvalidArgumentError("tool: must be a JSON object");
  const auto type = tool.find("type");
  if (type == tool.end() || *type != "function") return Bad("tool.type", "must be \"function\"");
  const auto function = tool.find("function");
  if (function == tool.end() || !function->is_object()) {
    return Bad("tool.function", "must be an object");
  }
  const auto name = function->find("name");
  if (name == function->end() || !name->is_string()) {
    return Bad("tool.function.name", "must be a string");
  }
  if (!ValidToolName(name->get<std::string>())) {
    return Bad("tool.function.name", "'" + name->get<std::string>() +
                                         "' must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
  }
  if (const auto d = function->find("description"); d != function->end() && !d->is_string()) {
    return Bad("tool.function.description", "must be a string");
  }
  if (const auto p = function->find("parameters"); p != function->end() && !p->is_object()) {
    return Bad("tool.function.parameters", "must be a JSON Schema object");
  }
  return Status::Ok();
}

Status CheckToolSpecs(const std::vector<Json>& tools) {
  std::set<std::string> names;
  for (size_t i = 0; i < tools.size(); ++i) {
    SEXTANT_RETURN_IF_ERROR(
        CheckToolSpec(tools[i]).WithContext("tools[" + std::to_string(i) + "]"));
    const std::string& name = tools[i]["function"]["name"].get_ref<const std::string&>();
    if (!names.insert(name).second) {
      return InvalidArgumentError("tools[" + std::to_string(i) + "]: the name '" + name +
                                  "' is used by an earlier tool");
    }
  }
  return Status::Ok();
}

}  // namespace sextant::llm
