// Shared pieces of the chat template renderers and tool-call parsers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"
#include "llm/runtime/chat_template.h"

namespace sextant::llm::chat_internal {

// Python json.dumps(value, ensure_ascii=False) with its default separators
// (", " and ": " compact; "," and ": " when indented). With `tool_key_order`,
// the keys of a tool description's outer objects come in OpenAI order;
// `depth` is how deep inside the tool description `value` sits.
std::string PyJson(const Json& value, int indent = -1, bool tool_key_order = false, int depth = 0);

// Jinja's |trim (leading and trailing whitespace).
std::string_view Trim(std::string_view text);

// The end (one past the closing bracket) of the JSON object or array that
// starts at text[begin], skipping brackets inside strings; npos when it does
// not close.
size_t FindJsonEnd(std::string_view text, size_t begin);

// Reads {"name": string, <args_key>: object or JSON text of an object} into
// a call; else a problem description.
Result<ToolCall> ReadCallObject(const Json& object, std::string_view args_key);

Result<std::string> RenderChatML(const std::vector<Message>& messages,
                                 const std::vector<Json>& tools, const RenderOptions& options);
Result<std::string> RenderLlama3(const std::vector<Message>& messages,
                                 const std::vector<Json>& tools, const RenderOptions& options);
Result<std::string> RenderMistral(const std::vector<Message>& messages,
                                  const std::vector<Json>& tools, const RenderOptions& options);

ParsedReply ParseChatMLCalls(std::string_view generated);
ParsedReply ParseLlama3Calls(std::string_view generated);
ParsedReply ParseMistralCalls(std::string_view generated);

}  // namespace sextant::llm::chat_internal
