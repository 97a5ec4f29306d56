// ChatML as Qwen2.5's chat template writes it, and its <tool_call> replies.
#include <string>

#include "llm/runtime/chat_template_internal.h"

namespace sextant::llm::chat_internal {
namespace {

constexpr std::string_view kStart = "<|im_start|>";
constexpr std::string_view kEnd = "<|im_end|>\n";
constexpr std::string_view kToolsHeader =
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
constexpr std::string_view kToolsFooter =
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
    "\"arguments\": <args-json-object>}\n</tool_call>";
constexpr std::string_view kCallOpen = "<tool_call>";
constexpr std::string_view kCallClose = "</tool_call>";

void WriteTurn(std::string_view role, std::string_view content, std::string& out) {
  out += kStart;
  out += role;
  out += '\n';
  out += content;
  out += kEnd;
}

}  // namespace

Result<std::string> RenderChatML(const std::vector<Message>& messages,
                                 const std::vector<Json>& tools, const RenderOptions& options) {
  std::string out = options.bos_text;
  const bool has_system = !messages.empty() && messages.front().role == Role::kSystem;
  const std::string_view system = has_system ? std::string_view{messages.front().content}
                                             : std::string_view{options.default_system};
  if (!tools.empty()) {
    out += kStart;
    out += "system\n";
    if (has_system || !system.empty()) {
      out += system;
      out += "\n\n";
    }
    out += kToolsHeader;
    for (const Json& tool : tools) {
      out += '\n';
      out += PyJson(tool, -1, /*tool_key_order=*/true);
    }
    out += kToolsFooter;
    out += kEnd;
  } else if (has_system || !system.empty()) {
    WriteTurn("system", system, out);
  }

  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    switch (m.role) {
      case Role::kSystem:
        if (i > 0) WriteTurn("system", m.content, out);
        break;
      case Role::kUser:
        WriteTurn("user", m.content, out);
        break;
      case Role::kAssistant:
        if (m.tool_calls.empty()) {
          WriteTurn("assistant", m.content, out);
          break;
        }
        out += kStart;
        out += "assistant";
        if (!m.content.empty()) {
          out += '\n';
          out += m.content;
        }
        for (const ToolCall& call : m.tool_calls) {
          out += "\n<tool_call>\n{\"name\": \"";
          out += call.name;
          out += "\", \"arguments\": ";
          out += PyJson(call.arguments);
          out += "}\n</tool_call>";
        }
        out += kEnd;
        break;
      case Role::kTool:
        if (i == 0 || messages[i - 1].role != Role::kTool) {
          out += kStart;
          out += "user";
        }
        out += "\n<tool_response>\n";
        out += m.content;
        out += "\n</tool_response>";
        if (i + 1 == messages.size() || messages[i + 1].role != Role::kTool) out += kEnd;
        break;
    }
  }
  if (options.add_generation_prompt) {
    out += kStart;
    out += "assistant\n";
  }
  return out;
}

ParsedReply ParseChatMLCalls(std::string_view generated) {
  ParsedReply reply;
  std::string outside;  // text outside well-formed <tool_call> blocks
  size_t pos = 0;
  while (pos < generated.size()) {
    const size_t open = generated.find(kCallOpen, pos);
    if (open == std::string_view::npos) break;
    const size_t body = open + kCallOpen.size();
    const size_t close = generated.find(kCallClose, body);
    if (close == std::string_view::npos) {
      reply.problems.push_back("<tool_call> at byte " + std::to_string(open) +
                               " is not closed by </tool_call>");
      break;
    }
    outside.append(generated.substr(pos, open - pos));
    const size_t next = close + kCallClose.size();
    Result<Json> json = ParseJson(Trim(generated.substr(body, close - body)));
    Result<ToolCall> call = json.ok() ? ReadCallObject(*json, "arguments") : json.status();
    if (call.ok()) {
      call->id = "call_" + std::to_string(reply.calls.size());
      reply.calls.push_back(std::move(call).value());
    } else {
      reply.problems.push_back("<tool_call> at byte " + std::to_string(open) + ": " +
                               call.status().message());
      outside.append(generated.substr(open, next - open));
    }
    pos = next;
  }
  if (pos < generated.size()) outside.append(generated.substr(pos));
  reply.content = reply.calls.empty() ? std::string(generated) : std::string(Trim(outside));
  return reply;
}

}  // namespace sextant::llm::chat_internal
