// A ChatModel that talks to any OpenAI-compatible /v1/chat/completions
// endpoint (OpenAI, llama.cpp's server, vLLM, Ollama, ...): tools, SSE
// streaming, retries with backoff, a deadline per call, and an API key that
// is never logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/http_client.h"
#include "common/status.h"
#include "llm/chat_model.h"

namespace sextant::llm {

// HTTP options for model calls: no whole-transfer or idle limit of their own
// (a reply may take minutes to start; OpenAiOptions::timeout bounds the call).
HttpClientOptions DefaultOpenAiHttpOptions();

struct OpenAiOptions {
  static constexpr int kDefaultMaxRetries = 4;
  static constexpr std::int64_t kDefaultContextLength = 8192;
  static constexpr std::size_t kDefaultMaxResponseBytes = std::size_t{8} << 20;

  // ".../v1"; "/chat/completions" is appended (a trailing '/' is dropped).
  std::string base_url = "http://127.0.0.1:8080/v1";
  // Sent as "model"; left out when empty (single-model servers ignore it).
  std::string model;
  // Sent as "Authorization: Bearer <key>" when not empty. Never logged and
  // never put in a Status message.
  std::string api_key;
  // When api_key is empty, the key is read from this environment variable
  // (if set and non-empty) by MakeOpenAiChatModel.
  std::string api_key_env = "OPENAI_API_KEY";
  // SSE streaming ("stream": true, with "stream_options": {"include_usage": true}).
  bool stream = true;
  // Retries after the first attempt, on 429, 5xx and transport errors (never
  // on other 4xx, malformed replies, or a stream that already delivered text).
  int max_retries = kDefaultMaxRetries;
  // Waits between attempts: initial_backoff, doubling up to max_backoff. A
  // Retry-After header (in seconds) replaces the wait.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  // The whole call, retries and waits included; then deadline_exceeded.
  std::chrono::milliseconds timeout{120'000};
  // What ContextLength() reports.
  std::int64_t context_length = kDefaultContextLength;
  // The largest reply body accepted (streamed or not); more is resource_exhausted.
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
  HttpClientOptions http = DefaultOpenAiHttpOptions();
};

// Makes the client. Reads the API key from api_key_env when api_key is empty
// and adds the key to the process-wide redaction list (common/redact.h).
// Errors: invalid_argument for a base_url that is not http(s)://, a
// context_length < 1, max_retries < 0, a timeout <= 0, negative backoffs or
// max_backoff < initial_backoff, or max_response_bytes == 0.
//
// The model: Chat may be called from several threads at once (each call has
// its own connection). Chat errors:
//   invalid_argument     bad options or tools (checked before sending), a 400
//                        reply (with the server's error.message), or tool
//                        call arguments that are not a JSON object (naming
//                        the call);
//   unauthenticated      401; permission_denied 403; not_found 404;
//   resource_exhausted   429 after the retries, or a reply over max_response_bytes;
//   unavailable          5xx after the retries, the server unreachable, or a
//                        stream cut before "data: [DONE]";
//   data_loss            a 2xx body that is not the expected JSON (saying what
//                        was wrong);
//   deadline_exceeded    options.timeout passed.
// Returning false from on_token stops the call: the result then has
// FinishReason::kCancelled, the text so far and no tool calls.
// Describe() is "openai: <model> at <base_url>".
[[nodiscard]] Result<std::unique_ptr<ChatModel>> MakeOpenAiChatModel(OpenAiOptions options);

}  // namespace sextant::llm
