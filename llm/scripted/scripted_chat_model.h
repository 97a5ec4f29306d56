// A ChatModel that replays a transcript of responses, for deterministic
// tests of code that drives a model (the agent, the CLI).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"

namespace sextant::llm {

struct ScriptedOptions {
  // Skip this many responses (resuming a run that already used them).
  std::size_t start_index = 0;
};

// Replays a transcript:
//   {"context_length": N?, "responses": [R, ...]}
// where each R is an object with only these members, all optional:
//   "text":       the assistant's text (default "");
//   "tool_calls": [{"name": "...", "arguments": {...}?, "id": "..."?}, ...]
//                 (ids default to "call_<response>_<call>");
//   "finish":     "stop", "length", "tool_calls" or "cancelled" (default
//                 "tool_calls" when there are tool calls, else "stop");
//   "usage":      {"prompt_tokens": n?, "completion_tokens": n?};
//   "expect":     a substring the last user or tool message must contain.
//
// A call whose prompt estimate (below) plus the tool descriptions' bytes / 4
// plus max_tokens exceeds the context is resource_exhausted, and the
// response is not used up.
// Response i answers the i-th Chat call (counting from start_index). When
// "expect" does not match, Chat returns failed_precondition saying which
// response expected what and what it got, and the response is not used up.
// Without "usage", prompt_tokens is the bytes of the messages' contents and
// tool call arguments / 4, and completion_tokens the bytes of the text / 4
// (at least 1 for non-empty text). on_token receives the text in a few
// pieces split at UTF-8 character boundaries; returning false ends the call
// with FinishReason::kCancelled, the text so far and no tool calls. Chat past
// the end is failed_precondition "scripted transcript exhausted after N
// responses". The chat options are validated and otherwise ignored.
//
// Errors (construction): a malformed transcript is invalid_argument naming
// the path ("responses[3].tool_calls[0].name: ..."); a start_index past the
// end is invalid_argument.
// Thread safety: Chat may be called from several threads; calls take
// responses in the order they arrive.
// Describe() is "scripted: inline (N responses)"; ContextLength() is the
// transcript's "context_length" (default 8192).
[[nodiscard]] Result<std::unique_ptr<ChatModel>> MakeScriptedChatModel(
    const Json& transcript, ScriptedOptions options = {});

// Reads the transcript from a JSON file; Describe() names the file.
// Errors: not_found for a missing file, resource_exhausted for one over
// 64 MiB, invalid_argument (naming the file) for one that is not valid JSON
// or not a valid transcript.
[[nodiscard]] Result<std::unique_ptr<ChatModel>> LoadScriptedChatModel(
    const std::filesystem::path& file, ScriptedOptions options = {});

}  // namespace sextant::llm
