// The ChatModel protocol (DESIGN §3): a conversation plus tool descriptions
// in, assistant text and tool calls with usage out. Backends: the embedded
// runtime, an OpenAI-compatible client, and a scripted replayer for tests.
//
// Messages and tools use the OpenAI chat-completions shapes, so a backend
// that talks to such a server can pass them through unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "llm/runtime/sampler.h"

namespace sextant::llm {

enum class Role { kSystem, kUser, kAssistant, kTool };

// "system", "user", "assistant", "tool".
std::string_view RoleName(Role role);
// The inverse of RoleName; anything else is invalid_argument naming the text.
Result<Role> ParseRole(std::string_view name);

// One function call requested by the model. `arguments` is a JSON object
// (already parsed; the OpenAI wire form carries it as a string).
struct ToolCall {
  std::string id;
  std::string name;
  Json arguments = Json::object();

  friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

// One turn of a conversation. `tool_calls` is used by assistant messages;
// `tool_call_id` (and optionally `name`, the function's name) by tool
// messages, which carry the tool's result as `content`.
struct Message {
  Role role = Role::kUser;
  std::string content;
  std::vector<ToolCall> tool_calls;
  std::string tool_call_id;
  std::string name;

  friend bool operator==(const Message&, const Message&) = default;
};

// The OpenAI chat-completions message object: {"role", "content", ...}.
// Assistant tool calls become {"id", "type": "function", "function": {"name",
// "arguments": "<JSON text>"}}; an assistant message with tool calls and no
// text has "content": null. Empty optional fields are left out.
Json MessageToJson(const Message& message);
// The inverse of MessageToJson. Also accepts "content" as null or as an array
// of {"type": "text", "text"} parts (joined), and "arguments" as an object.
// Malformed input is invalid_argument naming the member at fault.
Result<Message> MessageFromJson(const Json& json);
Json MessagesToJson(const std::vector<Message>& messages);
// A JSON array of messages; errors name the index ("messages[2].role: ...").
Result<std::vector<Message>> MessagesFromJson(const Json& json);

// Checks one tool description in the OpenAI function format:
// {"type": "function", "function": {"name", "description"?, "parameters"?}}.
// The name must be 1..64 characters of [A-Za-z0-9_-]; "description" must be
// a string and "parameters" a JSON object (a JSON Schema, not checked deeper
// here). Anything else is invalid_argument naming the member at fault.
Status CheckToolSpec(const Json& tool);
// CheckToolSpec on each tool, and no two tools with the same name.
Status CheckToolSpecs(const std::vector<Json>& tools);

struct ChatOptions {
  static constexpr int64_t kDefaultMaxTokens = 1024;

  int64_t max_tokens = kDefaultMaxTokens;  // completion tokens at most
  SamplingParams sampling;
  std::vector<std::string> stop;  // text stops; the stop string is not returned
  bool parse_tool_calls = true;   // false: tool-call syntax stays in `text`
  // Constrained decoding to this JSON Schema; a backend that cannot honour it
  // returns unimplemented.
  std::optional<Json> response_schema;
};

// invalid_argument when max_tokens < 1, a stop string is empty, or the
// sampling parameters are out of range (see ValidateSamplingParams).
Status ValidateChatOptions(const ChatOptions& options);

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double prompt_seconds = 0;
  double generation_seconds = 0;
};

enum class FinishReason { kStop, kLength, kToolCalls, kCancelled };

// "stop", "length", "tool_calls", "cancelled" (the OpenAI finish_reason words).
std::string_view FinishReasonName(FinishReason reason);
Result<FinishReason> ParseFinishReason(std::string_view name);

struct ChatResult {
  std::string text;
  std::vector<ToolCall> tool_calls;
  FinishReason finish = FinishReason::kStop;
  Usage usage;
};

// Receives generated text as it is produced (valid UTF-8 pieces, stop strings
// and tool-call syntax may be withheld). Returning false cancels the call,
// which then ends with FinishReason::kCancelled and the text so far.
using TokenCallback = std::function<bool(std::string_view text)>;

// A chat backend.
//
// Thread safety: one Chat call at a time per instance unless the backend's
// own documentation says otherwise; Describe and ContextLength may be called
// at any time.
// Errors: every expected failure is a Status (invalid_argument for a bad
// conversation or tool list, resource_exhausted when the prompt does not fit
// the context, unavailable for a backend that cannot be reached, ...).
class ChatModel {
 public:
  virtual ~ChatModel() = default;

  // Continues the conversation `messages` as the assistant. `tools` are tool
  // descriptions (see CheckToolSpec) the model may call; `on_token` may be
  // empty.
  virtual Result<ChatResult> Chat(const std::vector<Message>& messages,
                                  const std::vector<Json>& tools, const ChatOptions& options,
                                  const TokenCallback& on_token) = 0;
  // One line naming the backend and model, e.g. "runtime: qwen2.5-7b Q4_K (cuda)".
  virtual std::string Describe() const = 0;
  // The context window in tokens (prompt plus completion).
  virtual int64_t ContextLength() const = 0;
};

}  // namespace sextant::llm
