#include "llm/runtime/chat_template.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "llm/runtime/chat_template_internal.h"

namespace sextant::llm {
namespace {

constexpr std::string_view kChatMLMarker = "<|im_start|>";
constexpr std::string_view kLlama3Marker = "<|start_header_id|>";
constexpr std::string_view kMistralMarker = "[INST]";
constexpr std::string_view kLlamaDatedMarker = "Cutting Knowledge Date";
constexpr std::string_view kMistralTekkenMarker = "\"[INST]\" +";
constexpr std::string_view kMistralTekkenMarkerSingle = "'[INST]' +";

constexpr std::array<std::pair<ChatTemplateKind, std::string_view>, 3> kNames = {{
    {ChatTemplateKind::kChatML, "chatml"},
    {ChatTemplateKind::kLlama3, "llama3"},
    {ChatTemplateKind::kMistral, "mistral"},
}};

// Keys of a tool description's outer objects, in the order OpenAI documents them.
constexpr std::array<std::string_view, 7> kToolKeyOrder = {
    "type", "function", "name", "description", "parameters", "properties", "required"};
// Depth of the objects that get kToolKeyOrder: the tool, its function and
// the function's parameters schema.
constexpr int kToolKeyOrderDepth = 2;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::vector<std::string> OrderedKeys(const Json& object, bool tool_order) {
  std::vector<std::string> keys;
  keys.reserve(object.size());
  if (tool_order) {
    for (std::string_view key : kToolKeyOrder) {
      if (object.contains(key)) keys.emplace_back(key);
    }
  }
  for (const auto& item : object.items()) {
    if (!tool_order ||
        std::find(kToolKeyOrder.begin(), kToolKeyOrder.end(), item.key()) == kToolKeyOrder.end()) {
      keys.push_back(item.key());
    }
  }
  return keys;
}

void WritePyJson(const Json& value, int indent, bool tool_order, int depth, std::string& out) {
  const bool pretty = indent >= 0;
  const auto newline = [&](int level) {
    out += '\n';
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
  };
  if (value.is_object()) {
    if (value.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const std::string& key : OrderedKeys(value, tool_order && depth <= kToolKeyOrderDepth)) {
      if (!first) out += pretty ? "," : ", ";
      first = false;
      if (pretty) newline(depth + 1);
      out += DumpJson(Json(key));
      out += ": ";
      WritePyJson(value.at(key), indent, tool_order, depth + 1, out);
    }
    if (pretty) newline(depth);
    out += '}';
  } else if (value.is_array()) {
    if (value.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const Json& element : value) {
      if (!first) out += pretty ? "," : ", ";
      first = false;
      if (pretty) newline(depth + 1);
      WritePyJson(element, indent, tool_order, depth + 1, out);
    }
    if (pretty) newline(depth);
    out += ']';
  } else {
    out += DumpJson(value);
  }
}

}  // namespace

std::string_view ChatTemplateName(ChatTemplateKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

Result<ChatTemplateKind> ParseChatTemplateName(std::string_view name) {
  for (const auto& [kind, known] : kNames) {
    if (known == name) return kind;
  }
  return InvalidArgumentError("unknown chat template '" + std::string(name) +
                              "'; known templates: chatml, llama3, mistral");
}

std::optional<ChatTemplateKind> DetectChatTemplate(std::string_view jinja) {
  if (Contains(jinja, kChatMLMarker)) return ChatTemplateKind::kChatML;
  if (Contains(jinja, kLlama3Marker)) return ChatTemplateKind::kLlama3;
  if (Contains(jinja, kMistralMarker)) return ChatTemplateKind::kMistral;
  return std::nullopt;
}

RenderOptions RenderOptionsForTemplate(ChatTemplateKind kind, std::string_view jinja) {
  RenderOptions options;
  switch (kind) {
    case ChatTemplateKind::kChatML:
      if (Contains(jinja, kQwenDefaultSystem)) options.default_system = kQwenDefaultSystem;
      break;
    case ChatTemplateKind::kLlama3:
      options.llama_dated_system = Contains(jinja, kLlamaDatedMarker);
      break;
    case ChatTemplateKind::kMistral:
      options.mistral_tekken =
          Contains(jinja, kMistralTekkenMarker) || Contains(jinja, kMistralTekkenMarkerSingle);
      break;
  }
  return options;
}

Result<std::string> RenderChat(ChatTemplateKind kind, const std::vector<Message>& messages,
                               const std::vector<Json>& tools, const RenderOptions& options) {
  SEXTANT_RETURN_IF_ERROR(CheckToolSpecs(tools));
  switch (kind) {
    case ChatTemplateKind::kChatML:
      return chat_internal::RenderChatML(messages, tools, options);
    case ChatTemplateKind::kLlama3:
      return chat_internal::RenderLlama3(messages, tools, options);
    case ChatTemplateKind::kMistral:
      return chat_internal::RenderMistral(messages, tools, options);
  }
  return InvalidArgumentError("unknown chat template kind");
}

ParsedReply ParseToolCalls(ChatTemplateKind kind, std::string_view generated) {
  switch (kind) {
    case ChatTemplateKind::kChatML:
      return chat_internal::ParseChatMLCalls(generated);
    case ChatTemplateKind::kLlama3:
      return chat_internal::ParseLlama3Calls(generated);
    case ChatTemplateKind::kMistral:
      return chat_internal::ParseMistralCalls(generated);
  }
  return ParsedReply{std::string(generated), {}, {}};
}

namespace chat_internal {

std::string PyJson(const Json& value, int indent, bool tool_key_order, int depth) {
  std::string out;
  WritePyJson(value, indent, tool_key_order, depth, out);
  return out;
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

size_t FindJsonEnd(std::string_view text, size_t begin) {
  if (begin >= text.size() || (text[begin] != '{' && text[begin] != '[')) {
    return std::string_view::npos;
  }
  std::string closers;
  bool in_string = false;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      closers += '}';
    } else if (c == '[') {
      closers += ']';
    } else if (c == '}' || c == ']') {
      if (closers.empty() || closers.back() != c) return std::string_view::npos;
      closers.pop_back();
      if (closers.empty()) return i + 1;
    }
  }
  return std::string_view::npos;
}

Result<ToolCall> ReadCallObject(const Json& object, std::string_view args_key) {
  if (!object.is_object()) return InvalidArgumentError("a tool call must be a JSON object");
  const auto name = object.find("name");
  if (name == object.end() || !name->is_string() || name->get<std::string>().empty()) {
    return InvalidArgumentError("a tool call needs a non-empty string \"name\"");
  }
  ToolCall call;
  call.name = name->get<std::string>();
  const auto args = object.find(args_key);
  if (args == object.end() || args->is_null()) {
    call.arguments = Json::object();
  } else if (args->is_object()) {
    call.arguments = *args;
  } else if (args->is_string()) {
    Result<Json> parsed = ParseJson(args->get<std::string>());
    if (!parsed.ok() || !parsed->is_object()) {
      return InvalidArgumentError("tool call \"" + call.name + "\": \"" + std::string(args_key) +
                                  "\" is a string that is not a JSON object");
    }
    call.arguments = std::move(parsed).value();
  } else {
    return InvalidArgumentError("tool call \"" + call.name + "\": \"" + std::string(args_key) +
                                "\" must be a JSON object");
  }
  return call;
}

}  // namespace chat_internal
}  // namespace sextant::llm
