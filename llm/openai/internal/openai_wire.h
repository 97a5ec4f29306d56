// The OpenAI chat-completions wire format: the request body, the reply of a
// plain call, the chunks of a streamed one, and error replies. Pure functions
// over JSON text; no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"

namespace sextant::llm::openai_internal {

// The most tool calls one reply may carry; more is data_loss.
inline constexpr std::size_t kMaxToolCalls = 128;

// {"model", "messages", "tools", "tool_choice", "max_tokens", "temperature",
// "top_p", "stop", "stream", ...}. "model" is left out when empty, "tools"
// and "tool_choice" when there are no tools, "stop" when empty; penalties and
// "seed" only when set. A response schema becomes "response_format". A
// streamed call asks for usage in the last chunk ("stream_options").
Json BuildRequestBody(std::string_view model, const std::vector<Message>& messages,
                      const std::vector<Json>& tools, const ChatOptions& options, bool stream);

// Parses a chat.completion reply: choices[0].message (content, tool_calls
// with "arguments" as JSON text), choices[0].finish_reason and usage.
// A body that is not that JSON is data_loss saying what was wrong; tool call
// arguments that are not a JSON object are invalid_argument naming the call.
Result<ChatResult> ParseCompletion(std::string_view body);

// Collects the chunks of a streamed reply, one SSE "data" payload at a time.
//
// Ownership: a plain value. Thread safety: none; one stream per accumulator.
// Errors: a payload that is not a chat.completion.chunk is data_loss naming
// the chunk; an "error" object in the stream is unavailable with its message;
// Finish reports tool calls without a name (data_loss) or with arguments that
// are not a JSON object (invalid_argument naming the call).
class StreamAccumulator {
 public:
  // Parses one payload. Text of a content delta is appended to the reply and
  // returned in `delta` (empty when the chunk carried none). "[DONE]" marks
  // the end; payloads after it are ignored.
  [[nodiscard]] Status Add(std::string_view data, std::string& delta);

  bool done() const { return done_; }
  // The text received so far.
  const std::string& text() const { return text_; }

  // The whole reply; call once, after done().
  [[nodiscard]] Result<ChatResult> Finish();

 private:
  struct PartialCall {
    std::string id;
    std::string name;
    std::string arguments;  // JSON text, gathered piece by piece
  };

  Status AddToolCallDeltas(const Json& deltas, const std::string& where);

  bool done_ = false;
  std::size_t chunks_ = 0;
  std::string text_;
  std::map<std::int64_t, PartialCall> calls_;  // by "index"
  std::optional<std::string> finish_reason_;
  std::optional<Usage> usage_;
};

// The finish reason for an OpenAI "finish_reason" word; tool calls turn a
// missing or "stop" reason into kToolCalls. Unknown words read as kStop.
FinishReason MapFinishReason(const std::optional<std::string>& reason, bool has_tool_calls);

// The "error.message" of an OpenAI error body ({"error": {"message", ...}}),
// else "error" when it is a string, else the start of the body with control
// characters replaced.
std::string ErrorMessageOf(std::string_view body);

// Whether a reply with this HTTP status may be retried: 429 and 5xx.
bool IsRetryableHttpStatus(long http_status);

// The Status for a non-2xx reply: 400 invalid_argument, 401
// unauthenticated, 403 permission_denied, 404 not_found, 429
// resource_exhausted, 5xx unavailable, other codes as HttpStatusToStatus.
// The message names the status and holds ErrorMessageOf(body).
Status StatusForHttpError(long http_status, std::string_view body);

// A Retry-After value in delay-seconds ("3"); nullopt for anything else
// (HTTP dates are not honoured).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

}  // namespace sextant::llm::openai_internal
