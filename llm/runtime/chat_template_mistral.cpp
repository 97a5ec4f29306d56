// Mistral's v3 and v3-tekken chat templates ([INST], [AVAILABLE_TOOLS],
// [TOOL_CALLS], [TOOL_RESULTS]) and its [TOOL_CALLS] replies.
#include <cctype>
#include <cstdint>
#include <string>

#include "llm/runtime/chat_template_internal.h"

namespace sextant::llm::chat_internal {
namespace {

constexpr std::string_view kToolCallsTag = "[TOOL_CALLS]";
constexpr size_t kCallIdLength = 9;
// A function's members sit two levels inside a tool description.
constexpr int kParametersDepth = 2;
constexpr std::string_view kIdAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

bool IsMistralId(std::string_view id) {
  if (id.size() != kCallIdLength) return false;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

// Mistral's templates require 9 alphanumeric characters; other ids map to
// such an id by FNV-1a, so a call and its result keep matching.
std::string MistralId(std::string_view id) {
  if (IsMistralId(id)) return std::string(id);
  uint64_t h = kFnvOffset;
  for (char c : id) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  std::string out;
  for (size_t i = 0; i < kCallIdLength; ++i) {
    out += kIdAlphabet[h % kIdAlphabet.size()];
    h /= kIdAlphabet.size();
    if (h == 0) h = kFnvOffset ^ i;
  }
  return out;
}

bool SameUserMessage(const Message& a, const Message& b) {
  return a.role == b.role && a.content == b.content && a.name == b.name;
}

void WriteTools(const std::vector<Json>& tools, bool tekken, std::string& out) {
  out += tekken ? "[AVAILABLE_TOOLS][" : "[AVAILABLE_TOOLS] [";
  for (size_t t = 0; t < tools.size(); ++t) {
    const Json& function = tools[t].at("function");
    out += "{\"type\": \"function\", \"function\": {";
    // The template writes string values without escaping them.
    bool first = true;
    std::vector<std::string> keys;
    for (const char* known : {"name", "description", "parameters"}) {
      if (function.contains(known)) keys.emplace_back(known);
    }
    for (const auto& item : function.items()) {
      if (item.key() != "name" && item.key() != "description" && item.key() != "parameters" &&
          item.key() != "return") {
        keys.push_back(item.key());
      }
    }
    for (const std::string& key : keys) {
      if (!first) out += ", ";
      first = false;
      const Json& value = function.at(key);
      out += '"';
      out += key;
      out += "\": ";
      if (value.is_string()) {
        out += '"';
        out += value.get<std::string>();
        out += '"';
      } else {
        out += PyJson(value, -1, /*tool_key_order=*/true, kParametersDepth);
      }
    }
    out += "}}";
    out += t + 1 < tools.size() ? ", " : "]";
  }
  out += "[/AVAILABLE_TOOLS]";
}

}  // namespace

Result<std::string> RenderMistral(const std::vector<Message>& messages,
                                  const std::vector<Json>& tools, const RenderOptions& options) {
  const bool tekken = options.mistral_tekken;
  const std::string_view inst = tekken ? "[INST]" : "[INST] ";
  size_t first = 0;
  const Message* system = nullptr;
  if (!messages.empty() && messages.front().role == Role::kSystem) {
    system = &messages.front();
    first = 1;
  }
  const Message* last_user = nullptr;
  size_t turn = 0;
  for (size_t i = first; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (m.role == Role::kUser) last_user = &m;
    if (m.role == Role::kTool || !m.tool_calls.empty()) continue;
    if ((m.role == Role::kUser) != (turn % 2 == 0)) {
      return InvalidArgumentError(
          "mistral template: after the optional system message, roles must alternate "
          "user/assistant; message " +
          std::to_string(i) + " is " + std::string(RoleName(m.role)));
    }
    ++turn;
  }

  std::string out = options.bos_text;
  for (size_t i = first; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (m.role == Role::kUser) {
      if (!tools.empty() && SameUserMessage(m, *last_user)) WriteTools(tools, tekken, out);
      out += inst;
      if (i + 1 == messages.size() && system != nullptr) {
        out += system->content;
        out += "\n\n";
      }
      out += m.content;
      out += "[/INST]";
    } else if (!m.tool_calls.empty()) {
      out += tekken ? "[TOOL_CALLS][" : "[TOOL_CALLS] [";
      for (size_t c = 0; c < m.tool_calls.size(); ++c) {
        const ToolCall& call = m.tool_calls[c];
        out += "{\"name\": ";
        out += PyJson(Json(call.name));
        out += ", \"arguments\": ";
        out += PyJson(call.arguments);
        out += ", \"id\": \"";
        out += MistralId(call.id);
        out += "\"}";
        out += c + 1 < m.tool_calls.size() ? ", " : "]";
      }
      out += options.eos_text;
    } else if (m.role == Role::kAssistant) {
      if (tekken) {
        out += m.content;
      } else {
        out += ' ';
        out += Trim(m.content);
      }
      out += options.eos_text;
    } else if (m.role == Role::kTool) {
      out += tekken ? "[TOOL_RESULTS]{\"content\": " : "[TOOL_RESULTS] {\"content\": ";
      out += m.content;
      out += ", \"call_id\": \"";
      out += MistralId(m.tool_call_id);
      out += "\"}[/TOOL_RESULTS]";
    } else {
      return InvalidArgumentError("mistral template: a system message must come first; message " +
                                  std::to_string(i) + " is a system message");
    }
  }
  return out;
}

ParsedReply ParseMistralCalls(std::string_view generated) {
  ParsedReply reply;
  reply.content = std::string(generated);
  const size_t tag = generated.find(kToolCallsTag);
  if (tag == std::string_view::npos) return reply;
  size_t pos = tag + kToolCallsTag.size();
  while (pos < generated.size() && Trim(generated.substr(pos, 1)).empty()) ++pos;
  const size_t end = FindJsonEnd(generated, pos);
  if (end == std::string_view::npos || generated[pos] != '[') {
    reply.problems.push_back("[TOOL_CALLS] is not followed by a complete JSON array");
    return reply;
  }
  Result<Json> json = ParseJson(generated.substr(pos, end - pos));
  if (!json.ok()) {
    reply.problems.push_back("[TOOL_CALLS] array: " + json.status().message());
    return reply;
  }
  std::vector<ToolCall> calls;
  for (size_t i = 0; i < json->size(); ++i) {
    const Json& element = (*json)[i];
    Result<ToolCall> call = ReadCallObject(element, "arguments");
    if (!call.ok()) {
      reply.problems.push_back("[TOOL_CALLS] element " + std::to_string(i) + ": " +
                               call.status().message());
      return reply;
    }
    const auto id = element.find("id");
    call->id = id != element.end() && id->is_string() && !id->get<std::string>().empty()
                   ? id->get<std::string>()
                   : "call_" + std::to_string(i);
    calls.push_back(std::move(call).value());
  }
  reply.calls = std::move(calls);
  std::string content(Trim(generated.substr(0, tag)));
  const std::string_view after = Trim(generated.substr(end));
  if (!after.empty()) {
    if (!content.empty()) content += '\n';
    content += after;
  }
  reply.content = std::move(content);
  return reply;
}

}  // namespace sextant::llm::chat_internal
