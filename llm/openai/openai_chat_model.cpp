#include "llm/openai/openai_chat_model.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <thread>
#include <utility>

#include "common/log.h"
#include "common/redact.h"
#include "llm/openai/internal/openai_wire.h"

namespace sextant::llm {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace wire = openai_internal;

constexpr std::string_view kLogComponent = "openai";
constexpr std::string_view kChatPath = "/chat/completions";
constexpr long kHttpOkFirst = 200;
constexpr long kHttpOkLast = 299;

// What one attempt gave: a result, or a status that may be worth retrying.
struct Attempt {
  Status status;
  ChatResult result;
  bool retryable = false;
  std::optional<milliseconds> retry_after;
};

bool IsTransient(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

class OpenAiChatModel final : public ChatModel {
 public:
  explicit OpenAiChatModel(OpenAiOptions options)
      : options_(std::move(options)),
        url_(options_.base_url + std::string(kChatPath)),
        client_(options_.http) {}

  Result<ChatResult> Chat(const std::vector<Message>& messages, const std::vector<Json>& tools,
                          const ChatOptions& options, const TokenCallback& on_token) override {
    SEXTANT_RETURN_IF_ERROR(ValidateChatOptions(options));
    SEXTANT_RETURN_IF_ERROR(CheckToolSpecs(tools));
    if (messages.empty()) return InvalidArgumentError("openai: no messages to send");
    const std::string body =
        DumpJson(wire::BuildRequestBody(options_.model, messages, tools, options, options_.stream));
    const Clock::time_point deadline = Clock::now() + options_.timeout;
    milliseconds backoff = options_.initial_backoff;
    Status last_error;
    for (int attempt = 1;; ++attempt) {
      const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (remaining <= milliseconds(0)) return DeadlineError(attempt - 1, last_error);
      SEXTANT_LOG(LogLevel::kDebug, kLogComponent, "chat request",
                  {{"url", url_},
                   {"model", options_.model},
                   {"attempt", attempt},
                   {"stream", options_.stream},
                   {"messages", messages.size()},
                   {"tools", tools.size()}});
      const Clock::time_point started = Clock::now();
      Attempt out = options_.stream ? StreamOnce(body, remaining, on_token)
                                    : SendOnce(body, remaining, on_token);
      if (out.status.ok()) {
        out.result.usage.generation_seconds =
            std::chrono::duration<double>(Clock::now() - started).count();
        SEXTANT_LOG(LogLevel::kDebug, kLogComponent, "chat reply",
                    {{"finish", FinishReasonName(out.result.finish)},
                     {"tool_calls", out.result.tool_calls.size()},
                     {"prompt_tokens", out.result.usage.prompt_tokens},
                     {"completion_tokens", out.result.usage.completion_tokens}});
        return std::move(out.result);
      }
      last_error = out.status;
      if (Clock::now() >= deadline) return DeadlineError(attempt, last_error);
      if (!out.retryable) return Final(out.status, attempt, false);
      if (attempt > options_.max_retries) return Final(out.status, attempt, true);
      const milliseconds wait = out.retry_after.value_or(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      if (Clock::now() + wait >= deadline) {
        return Final(out.status.WithContext("the next retry would pass the deadline"), attempt,
                     true);
      }
      LogWarn(kLogComponent, "retrying",
              {{"url", url_},
               {"attempt", attempt},
               {"error", out.status.ToString()},
               {"wait_ms", wait.count()}});
      std::this_thread::sleep_for(wait);
    }
  }

  std::string Describe() const override {
    return "openai: " +
           (options_.model.empty() ? std::string("(server default)") : options_.model) + " at " +
           options_.base_url;
  }

  int64_t ContextLength() const override { return options_.context_length; }

 private:
  HttpCall MakeCall(const std::string& body, milliseconds remaining) const {
    HttpCall call;
    call.method = "POST";
    call.url = url_;
    call.body = body;
    call.headers.emplace_back("Content-Type", "application/json");
    if (!options_.stream) call.headers.emplace_back("Accept", "application/json");
    if (!options_.api_key.empty()) {
      call.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    }
    call.timeout_ms = static_cast<int>(std::max<std::int64_t>(1, remaining.count()));
    call.max_response_bytes = options_.max_response_bytes;
    return call;
  }

  Attempt Failed(Status status, bool retryable) const {
    Attempt out;
    out.status = std::move(status);
    out.retryable = retryable;
    return out;
  }

  Attempt HttpFailure(const HttpReply& reply) const {
    Attempt out = Failed(wire::StatusForHttpError(reply.status, reply.body),
                         wire::IsRetryableHttpStatus(reply.status));
    out.retry_after = wire::ParseRetryAfter(reply.Header("retry-after"));
    return out;
  }

  Attempt SendOnce(const std::string& body, milliseconds remaining,
                   const TokenCallback& on_token) const {
    Result<HttpReply> reply = client_.Send(MakeCall(body, remaining));
    if (!reply.ok()) return Failed(reply.status(), IsTransient(reply.status()));
    if (reply->status < kHttpOkFirst || reply->status > kHttpOkLast) return HttpFailure(*reply);
    Result<ChatResult> parsed = wire::ParseCompletion(reply->body);
    if (!parsed.ok()) return Failed(parsed.status(), false);
    Attempt out;
    out.result = std::move(parsed).value();
    if (on_token && !out.result.text.empty() && !on_token(out.result.text)) {
      out.result.finish = FinishReason::kCancelled;
      out.result.tool_calls.clear();
    }
    return out;
  }

  Attempt StreamOnce(const std::string& body, milliseconds remaining,
                     const TokenCallback& on_token) const {
    wire::StreamAccumulator acc;
    bool delivered = false;
    bool cancelled = false;
    Status stream_error;
    const auto on_event = [&](const SseEvent& event) {
      std::string delta;
      if (Status st = acc.Add(event.data, delta); !st.ok()) {
        stream_error = std::move(st);
        return false;
      }
      if (delta.empty() || !on_token) return true;
      delivered = true;
      if (!on_token(delta)) {
        cancelled = true;
        return false;
      }
      return true;
    };
    SseParserOptions sse;
    sse.max_event_bytes = std::min(sse.max_event_bytes, options_.max_response_bytes);
    Result<HttpReply> reply = client_.StreamEvents(MakeCall(body, remaining), on_event, sse);
    if (cancelled) {
      Attempt out;
      out.result.text = acc.text();
      out.result.finish = FinishReason::kCancelled;
      return out;
    }
    if (!stream_error.ok()) {
      return Failed(stream_error, !delivered && IsTransient(stream_error));
    }
    if (!reply.ok()) return Failed(reply.status(), !delivered && IsTransient(reply.status()));
    if (reply->status < kHttpOkFirst || reply->status > kHttpOkLast) return HttpFailure(*reply);
    if (!acc.done()) {
      return Failed(UnavailableError("the stream ended before \"data: [DONE]\" (content-type " +
                                     reply->Header("content-type") + ", " +
                                     std::to_string(acc.text().size()) + " bytes of text)"),
                    !delivered);
    }
    Result<ChatResult> result = acc.Finish();
    if (!result.ok()) return Failed(result.status(), false);
    Attempt out;
    out.result = std::move(result).value();
    return out;
  }

  // The key never appears in what callers see, even when a server echoes it.
  std::string Scrub(std::string text) const {
    const std::string& key = options_.api_key;
    if (key.empty()) return text;
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), kRedactedMark);
      at += kRedactedMark.size();
    }
    return text;
  }

  Status Final(const Status& status, int attempts, bool gave_up) const {
    std::string message = "openai " + url_ + ": " + status.message();
    if (gave_up) {
      message += " (gave up after " + std::to_string(attempts) +
                 (attempts == 1 ? " attempt)" : " attempts)");
    }
    return Status(status.code(), Scrub(std::move(message)));
  }

  Status DeadlineError(int attempts, const Status& last) const {
    std::string message = "openai " + url_ + ": no reply within " +
                          std::to_string(options_.timeout.count()) + " ms (" +
                          std::to_string(attempts) + " attempts";
    if (!last.ok()) message += "; last error: " + last.ToString();
    return DeadlineExceededError(Scrub(message + ")"));
  }

  const OpenAiOptions options_;
  const std::string url_;
  const HttpClient client_;
};

}  // namespace

HttpClientOptions DefaultOpenAiHttpOptions() {
  HttpClientOptions options;
  options.timeout_ms = 0;
  options.idle_timeout_ms = 0;
  return options;
}

Result<std::unique_ptr<ChatModel>> MakeOpenAiChatModel(OpenAiOptions options) {
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  if (!StartsWith(options.base_url, "http://") && !StartsWith(options.base_url, "https://")) {
    return InvalidArgumentError("openai: base_url must start with http:// or https://, got '" +
                                RedactText(options.base_url) + "'");
  }
  if (options.context_length < 1)
    return InvalidArgumentError("openai: context_length must be >= 1");
  if (options.max_retries < 0) return InvalidArgumentError("openai: max_retries must be >= 0");
  if (options.timeout <= milliseconds(0)) {
    return InvalidArgumentError("openai: timeout must be positive");
  }
  if (options.initial_backoff < milliseconds(0) || options.max_backoff < options.initial_backoff) {
    return InvalidArgumentError(
        "openai: backoffs must satisfy 0 <= initial_backoff <= max_backoff");
  }
  if (options.max_response_bytes == 0) {
    return InvalidArgumentError("openai: max_response_bytes must be positive");
  }
  if (options.api_key.empty() && !options.api_key_env.empty()) {
    if (const char* key = std::getenv(options.api_key_env.c_str()); key != nullptr) {
      options.api_key = key;
    }
  }
  if (!options.api_key.empty()) AddRedactedValues({options.api_key});
  return std::unique_ptr<ChatModel>(new OpenAiChatModel(std::move(options)));
}

}  // namespace sextant::llm
