// Maps MCP results onto ToolOutput, and MCP tool names onto ToolSpec names.
//
// A tools/call result becomes ToolOutput{content, data}: content joins the
// text parts with "\n" (other parts are summarized, e.g. "[image image/png,
// 1234 bytes]"; an embedded text resource contributes its text), and data is
// {"content":[...as sent...], "structuredContent":... when present}.
// "isError": true becomes failed_precondition whose message is the text.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::plugins {

inline constexpr std::size_t kMaxToolNameLength = 64;

// Whether `name` fits [a-zA-Z0-9_-]{1,64}.
bool IsValidToolName(std::string_view name);

// "<server>__<tool>".
std::string PluginToolName(std::string_view server, std::string_view tool);

// The text of one content part, or its one-line summary.
std::string DescribeContentPart(const Json& part);

// Maps the result of tools/call for `tool_name` (used in messages).
Result<ToolOutput> MapToolCallResult(std::string_view tool_name, const Json& result);

}  // namespace sextant::toolserver::plugins
