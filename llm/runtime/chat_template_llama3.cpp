// Llama 3.x as Meta's chat templates write it (3.1 and later with the dated
// system header and JSON tool calls; 3.0 without), and its JSON tool calls.
#include <string>

#include "llm/runtime/chat_template_internal.h"

namespace sextant::llm::chat_internal {
namespace {

constexpr std::string_view kEot = "<|eot_id|>";
constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr int kToolIndent = 4;
constexpr std::string_view kToolsInUserIntro =
    "Given the following functions, please respond with a JSON for a function call with its "
    "proper arguments that best answers the given prompt.\n\n"
    "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name "
    "and its value}.Do not use variables.\n\n";

void WriteHeader(std::string_view role, std::string& out) {
  out += "<|start_header_id|>";
  out += role;
  out += "<|end_header_id|>\n\n";
}

}  // namespace

Result<std::string> RenderLlama3(const std::vector<Message>& messages,
                                 const std::vector<Json>& tools, const RenderOptions& options) {
  std::string out = options.bos_text;
  size_t first = 0;
  if (options.llama_dated_system || !tools.empty()) {
    std::string_view system;
    if (!messages.empty() && messages.front().role == Role::kSystem) {
      system = Trim(messages.front().content);
      first = 1;
    }
    WriteHeader("system", out);
    if (!tools.empty()) out += "Environment: ipython\n";
    out += "Cutting Knowledge Date: December 2023\nToday Date: ";
    out += options.llama_date;
    out += "\n\n";
    out += system;
    out += kEot;
    if (!tools.empty()) {
      // The official template puts the tools into the first message after
      // the system message, whatever its role.
      if (first == messages.size()) {
        return InvalidArgumentError(
            "llama3 template: tools need a user message to be placed in, and there is none");
      }
      WriteHeader("user", out);
      out += kToolsInUserIntro;
      for (const Json& tool : tools) {
        out += PyJson(tool, kToolIndent, /*tool_key_order=*/true);
        out += "\n\n";
      }
      out += Trim(messages[first].content);
      out += kEot;
      ++first;
    }
  }

  for (size_t i = first; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (m.role == Role::kTool) {
      // Jinja sees a string as iterable, so the template JSON-quotes results.
      WriteHeader("ipython", out);
      out += PyJson(Json(m.content));
    } else if (!m.tool_calls.empty()) {
      if (m.tool_calls.size() != 1) {
        return InvalidArgumentError("llama3 template: message " + std::to_string(i) + " has " +
                                    std::to_string(m.tool_calls.size()) +
                                    " tool calls; this model takes one per message");
      }
      const ToolCall& call = m.tool_calls.front();
      WriteHeader("assistant", out);
      out += "{\"name\": \"";
      out += call.name;
      out += "\", \"parameters\": ";
      out += PyJson(call.arguments);
      out += '}';
    } else {
      WriteHeader(RoleName(m.role), out);
      out += Trim(m.content);
    }
    out += kEot;
  }
  if (options.add_generation_prompt) WriteHeader("assistant", out);
  return out;
}

ParsedReply ParseLlama3Calls(std::string_view generated) {
  ParsedReply reply;
  reply.content = std::string(generated);
  std::string_view text = Trim(generated);
  const bool tagged = text.starts_with(kPythonTag);
  if (tagged) text = Trim(text.substr(kPythonTag.size()));
  if (!text.starts_with('{')) {
    if (tagged) reply.problems.push_back("<|python_tag|> is not followed by a JSON object");
    return reply;
  }

  std::vector<ToolCall> calls;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = FindJsonEnd(text, pos);
    if (end == std::string_view::npos) {
      reply.problems.push_back("tool call JSON at byte " + std::to_string(pos) + " is not closed");
      return reply;
    }
    Result<Json> json = ParseJson(text.substr(pos, end - pos));
    if (!json.ok()) {
      reply.problems.push_back("tool call JSON: " + json.status().message());
      return reply;
    }
    const bool looks_like_call = json->is_object() && json->contains("name") &&
                                 (json->contains("parameters") || json->contains("arguments"));
    if (!looks_like_call && !tagged && calls.empty()) return reply;  // a plain JSON answer
    const char* args_key = json->contains("parameters") ? "parameters" : "arguments";
    Result<ToolCall> call = ReadCallObject(*json, args_key);
    if (!call.ok()) {
      reply.problems.push_back(call.status().message());
      return reply;
    }
    call->id = "call_" + std::to_string(calls.size());
    calls.push_back(std::move(call).value());
    pos = end;
    while (pos < text.size() && (text[pos] == ';' || Trim(text.substr(pos, 1)).empty())) ++pos;
    if (pos < text.size() && text[pos] != '{') {
      reply.problems.push_back("unexpected text after tool call at byte " + std::to_string(pos));
      return reply;
    }
  }
  reply.calls = std::move(calls);
  reply.content.clear();
  return reply;
}

}  // namespace sextant::llm::chat_internal
