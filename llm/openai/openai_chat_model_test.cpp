// The OpenAI-compatible client against a real loopback HTTP server that
// serves recorded chat-completions bodies (tests/fixtures/openai/).
#include "llm/openai/openai_chat_model.h"

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/log.h"
#include "common/testing/loopback_http_server.h"
#include "llm/openai/openai_test_util.h"

namespace sextant::llm {
namespace {

using namespace std::chrono_literals;
using openai_test::Body;
using openai_test::FakeOpenAi;
using openai_test::Fixture;
using openai_test::JsonFixture;
using openai_test::ReadExpectedStream;
using openai_test::SseFixture;
using sextant::testing::Contains;

constexpr char kKey[] = "sk-test-0123456789abcdefXYZ";

std::vector<Message> Conversation() {
  std::vector<Message> messages(2);
  messages[0].role = Role::kSystem;
  messages[0].content = "You are terse.";
  messages[1].content = "What is the weather in Boston?";
  return messages;
}

Json WeatherTool() {
  return Json::parse(R"({"type":"function","function":{"name":"get_current_weather",
    "description":"Current weather","parameters":{"type":"object",
    "properties":{"location":{"type":"string"}},"required":["location"]}}})");
}

OpenAiOptions Options(const FakeOpenAi& server, bool stream) {
  OpenAiOptions o;
  o.base_url = server.base_url();
  o.model = "gpt-4o";
  o.api_key = kKey;
  o.stream = stream;
  o.initial_backoff = 1ms;
  o.max_backoff = 4ms;
  o.timeout = 20s;
  o.http.proxy = "";
  return o;
}

std::unique_ptr<ChatModel> Make(OpenAiOptions options) {
  auto model = MakeOpenAiChatModel(std::move(options));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(model).value() : nullptr;
}

Result<ChatResult> Ask(ChatModel& model, const TokenCallback& on_token = {},
                       const std::vector<Json>& tools = {}, const ChatOptions& options = {}) {
  return model.Chat(Conversation(), tools, options, on_token);
}

TEST(OpenAiChatModelTest, PlainAnswerWithoutStreaming) {
  FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(200, "chat_plain.json"); });
  auto model = Make(Options(server, false));
  std::vector<std::string> pieces;
  auto r = Ask(*model, [&](std::string_view t) {
    pieces.emplace_back(t);
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json recorded = Json::parse(Fixture("chat_plain.json"));
  EXPECT_EQ(r->text, recorded["choices"][0]["message"]["content"]);
  EXPECT_EQ(pieces, std::vector<std::string>{r->text});
  EXPECT_EQ(r->finish, FinishReason::kStop);
  EXPECT_TRUE(r->tool_calls.empty());
  EXPECT_EQ(r->usage.prompt_tokens, recorded["usage"]["prompt_tokens"]);
  EXPECT_EQ(r->usage.completion_tokens, recorded["usage"]["completion_tokens"]);

  const Json body = server.body();
  EXPECT_EQ(body["model"], "gpt-4o");
  EXPECT_EQ(body["messages"], MessagesToJson(Conversation()));
  EXPECT_EQ(body["max_tokens"], ChatOptions::kDefaultMaxTokens);
  EXPECT_EQ(body["stream"], false);
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_FALSE(body.contains("tool_choice"));
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_FALSE(body.contains("response_format"));
  EXPECT_EQ(server.requests()[0].path, "/v1/chat/completions");
  EXPECT_EQ(server.requests()[0].Header("content-type"), "application/json");
}

TEST(OpenAiChatModelTest, ToolCallWithoutStreaming) {
  FakeOpenAi server(
      [](int, const HttpRequest&) { return JsonFixture(200, "chat_tool_call.json"); });
  auto model = Make(Options(server, false));
  auto r = Ask(*model, {}, {WeatherTool()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json call =
      Json::parse(Fixture("chat_tool_call.json"))["choices"][0]["message"]["tool_calls"][0];
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].id, call["id"]);
  EXPECT_EQ(r->tool_calls[0].name, call["function"]["name"]);
  EXPECT_EQ(r->tool_calls[0].arguments,
            Json::parse(call["function"]["arguments"].get<std::string>()));
  EXPECT_EQ(r->finish, FinishReason::kToolCalls);
  EXPECT_EQ(r->text, "");
  const Json body = server.body();
  EXPECT_EQ(body["tools"], Json::array({WeatherTool()}));
  EXPECT_EQ(body["tool_choice"], "auto");
}

TEST(OpenAiChatModelTest, BadToolArgumentsNameTheCall) {
  FakeOpenAi server([](int, const HttpRequest&) {
    return JsonFixture(200, "chat_tool_call_bad_arguments.json");
  });
  auto model = Make(Options(server, false));
  auto r = Ask(*model, {}, {WeatherTool()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "tool call 0 (get_current_weather)"))
      << r.status().message();
  EXPECT_EQ(server.attempts(), 1);
}

TEST(OpenAiChatModelTest, StreamedAnswerDeliversEachDelta) {
  FakeOpenAi server([](int, const HttpRequest&) { return SseFixture("stream_plain.sse"); });
  auto model = Make(Options(server, true));
  std::vector<std::string> pieces;
  auto r = Ask(*model, [&](std::string_view t) {
    pieces.emplace_back(t);
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto expected = ReadExpectedStream(Fixture("stream_plain.sse"));
  EXPECT_EQ(pieces, expected.pieces);
  std::string joined;
  for (const auto& p : expected.pieces) joined += p;
  EXPECT_EQ(r->text, joined);
  EXPECT_EQ(r->finish, FinishReason::kStop);
  EXPECT_EQ(r->usage.prompt_tokens, expected.prompt_tokens);
  EXPECT_EQ(r->usage.completion_tokens, expected.completion_tokens);
  const Json body = server.body();
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"], Json({{"include_usage", true}}));
  EXPECT_EQ(server.requests()[0].Header("accept"), "text/event-stream");
}

TEST(OpenAiChatModelTest, StreamedToolCallWithArgumentsInPieces) {
  FakeOpenAi server([](int, const HttpRequest&) { return SseFixture("stream_tool_call.sse"); });
  auto model = Make(Options(server, true));
  auto r = Ask(*model, {}, {WeatherTool()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto expected = ReadExpectedStream(Fixture("stream_tool_call.sse"));
  ASSERT_EQ(expected.calls.size(), 1u);
  EXPECT_EQ(r->tool_calls, expected.calls);
  EXPECT_EQ(r->finish, FinishReason::kToolCalls);
  EXPECT_EQ(r->usage.prompt_tokens, expected.prompt_tokens);
}

TEST(OpenAiChatModelTest, StreamedParallelToolCalls) {
  FakeOpenAi server(
      [](int, const HttpRequest&) { return SseFixture("stream_parallel_tool_calls.sse"); });
  auto model = Make(Options(server, true));
  auto r = Ask(*model, {}, {WeatherTool()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto expected = ReadExpectedStream(Fixture("stream_parallel_tool_calls.sse"));
  ASSERT_EQ(expected.calls.size(), 2u);
  EXPECT_EQ(r->tool_calls, expected.calls);
  EXPECT_NE(r->tool_calls[0].arguments, r->tool_calls[1].arguments);
}

TEST(OpenAiChatModelTest, RateLimitHonoursRetryAfterThenSucceeds) {
  FakeOpenAi server([](int attempt, const HttpRequest&) {
    if (attempt > 1) return SseFixture("stream_plain.sse");
    HttpResponse r = JsonFixture(429, "error_429.json");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  });
  auto options = Options(server, true);
  options.initial_backoff = 1ms;
  auto model = Make(options);
  const auto start = std::chrono::steady_clock::now();
  auto r = Ask(*model);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.attempts(), 2);
  // Retry-After (1 s) replaced the 1 ms backoff.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(OpenAiChatModelTest, RateLimitGivesUpAsResourceExhausted) {
  FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(429, "error_429.json"); });
  auto options = Options(server, false);
  options.max_retries = 1;
  auto r = Ask(*Make(options));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(server.attempts(), 2);
}

TEST(OpenAiChatModelTest, ServerErrorsGiveUpAfterMaxRetries) {
  for (int retries : {0, 3}) {
    FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(500, "error_500.json"); });
    auto options = Options(server, true);
    options.max_retries = retries;
    auto r = Ask(*Make(options));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(server.attempts(), retries + 1);
    const std::string message =
        Json::parse(Fixture("error_500.json"))["error"]["message"].get<std::string>();
    EXPECT_TRUE(Contains(r.status().message(), message)) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), std::to_string(retries + 1) + " attempt"))
        << r.status().message();
  }
}

TEST(OpenAiChatModelTest, ClientErrorsAreNotRetriedAndKeepTheServerMessage) {
  const struct {
    int status;
    const char* fixture;
    StatusCode code;
  } cases[] = {{400, "error_400.json", StatusCode::kInvalidArgument},
               {401, "error_401.json", StatusCode::kUnauthenticated},
               {403, "error_401.json", StatusCode::kPermissionDenied},
               {404, "error_404.json", StatusCode::kNotFound}};
  for (const auto& c : cases) {
    for (bool stream : {false, true}) {
      FakeOpenAi server([&](int, const HttpRequest&) { return JsonFixture(c.status, c.fixture); });
      auto r = Ask(*Make(Options(server, stream)));
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), c.code) << c.status;
      const std::string message =
          Json::parse(Fixture(c.fixture))["error"]["message"].get<std::string>();
      EXPECT_TRUE(Contains(r.status().message(), message)) << r.status().message();
      EXPECT_EQ(server.attempts(), 1);
    }
  }
}

TEST(OpenAiChatModelTest, MalformedBodyIsDataLoss) {
  FakeOpenAi server([](int, const HttpRequest&) {
    return Body(200, "<html>502 Bad Gateway</html>", "text/html");
  });
  auto r = Ask(*Make(Options(server, false)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(r.status().message(), "not JSON")) << r.status().message();
  EXPECT_EQ(server.attempts(), 1);
}

TEST(OpenAiChatModelTest, MalformedChunkIsDataLoss) {
  FakeOpenAi server([](int, const HttpRequest&) {
    return Body(200, "data: {\"choices\": [{\"delta\": {\"content\": 7}}]}\n\n",
                "text/event-stream");
  });
  auto r = Ask(*Make(Options(server, true)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(r.status().message(), "stream chunk 0")) << r.status().message();
}

TEST(OpenAiChatModelTest, StreamEndingBeforeDoneIsRetriedWhileNoTokenWasDelivered) {
  const std::string sse = Fixture("stream_plain.sse");
  const std::string first_chunk = sse.substr(0, sse.find("\n\n") + 2);  // the role chunk only
  FakeOpenAi server([&](int attempt, const HttpRequest&) {
    return attempt == 1 ? Body(200, first_chunk, "text/event-stream")
                        : SseFixture("stream_plain.sse");
  });
  std::string text;
  auto r = Ask(*Make(Options(server, true)), [&](std::string_view t) {
    text += t;
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.attempts(), 2);
  EXPECT_EQ(text, r->text);
}

TEST(OpenAiChatModelTest, StreamCutAfterTokensIsUnavailableWithoutRetry) {
  auto server = sextant::testing::LoopbackHttpServer::Start();
  ASSERT_TRUE(server.ok());
  const std::string sse = Fixture("stream_plain.sse");
  const std::size_t cut = sse.find("\n\n", sse.find("\n\n", sse.find("\n\n") + 2) + 2) + 20;
  (*server)->On("/v1/chat/completions", sextant::testing::ScriptedReply::Chunked(
                                            200, {{"Content-Type", "text/event-stream"}})
                                            .Chunk(sse.substr(0, cut))
                                            .Close());
  OpenAiOptions options;
  options.base_url = (*server)->Url("/v1");
  options.api_key_env.clear();
  options.http.proxy = "";
  options.initial_backoff = 1ms;
  options.max_backoff = 1ms;
  std::vector<std::string> pieces;
  auto r = Ask(*Make(options), [&](std::string_view t) {
    pieces.emplace_back(t);
    return true;
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  const auto expected = ReadExpectedStream(sse);
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces[0], expected.pieces[0]);
  EXPECT_EQ((*server)->requests().size(), 1u);
}

TEST(OpenAiChatModelTest, DeadlineCoversTheWholeCall) {
  auto server = sextant::testing::LoopbackHttpServer::Start();
  ASSERT_TRUE(server.ok());
  (*server)->On("/v1/chat/completions", sextant::testing::ScriptedReply::Silent());
  OpenAiOptions options;
  options.base_url = (*server)->Url("/v1");
  options.api_key_env.clear();
  options.http.proxy = "";
  options.timeout = 300ms;
  for (bool stream : {false, true}) {
    options.stream = stream;
    const auto start = std::chrono::steady_clock::now();
    auto r = Ask(*Make(options));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  }
}

TEST(OpenAiChatModelTest, DeadlineStopsRetries) {
  FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(503, "error_500.json"); });
  auto options = Options(server, false);
  options.max_retries = 100;
  options.initial_backoff = 100ms;
  options.max_backoff = 100ms;
  options.timeout = 350ms;
  auto r = Ask(*Make(options));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == StatusCode::kDeadlineExceeded ||
              r.status().code() == StatusCode::kUnavailable)
      << r.status().ToString();
  EXPECT_LE(server.attempts(), 4);
}

class CaptureSink final : public LogSink {
 public:
  explicit CaptureSink(std::vector<std::string>& lines) : lines_(lines) {}
  void Write(std::string_view line) override { lines_.emplace_back(line); }

 private:
  std::vector<std::string>& lines_;
};

TEST(OpenAiChatModelTest, ApiKeyIsSentAsBearerAndNeverLoggedOrReported) {
  // A server that echoes the key in its error, as some local servers do.
  FakeOpenAi server([](int attempt, const HttpRequest& request) {
    if (attempt == 1) return JsonFixture(500, "error_500.json");
    return JsonResponse(401,
                        {{"error", {{"message", "bad key: " + request.Header("authorization")}}}});
  });
  std::vector<std::string> lines;
  Logger& logger = DefaultLogger();
  const LogLevel level = logger.level();
  logger.SetSink(std::make_unique<CaptureSink>(lines));
  logger.SetLevel(LogLevel::kTrace);
  auto r = Ask(*Make(Options(server, false)));
  logger.SetSink(nullptr);
  logger.SetLevel(level);

  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  ASSERT_EQ(server.attempts(), 2);
  for (const HttpRequest& request : server.requests()) {
    EXPECT_EQ(request.Header("authorization"), std::string("Bearer ") + kKey);
  }
  EXPECT_TRUE(Contains(r.status().message(), "bad key")) << r.status().message();
  EXPECT_FALSE(Contains(r.status().message(), kKey)) << r.status().message();
  EXPECT_FALSE(lines.empty());
  for (const std::string& line : lines) EXPECT_FALSE(Contains(line, kKey)) << line;
}

TEST(OpenAiChatModelTest, ApiKeyFromTheEnvironment) {
  FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(200, "chat_plain.json"); });
  constexpr char kVar[] = "SEXTANT_TEST_OPENAI_KEY_ENV";
  ::setenv(kVar, "sk-from-env-42", 1);
  auto options = Options(server, false);
  options.api_key.clear();
  options.api_key_env = kVar;
  auto model = Make(options);
  ::unsetenv(kVar);
  ASSERT_TRUE(Ask(*model).ok());
  EXPECT_EQ(server.requests()[0].Header("authorization"), "Bearer sk-from-env-42");

  options.api_key_env = "SEXTANT_TEST_OPENAI_KEY_UNSET";
  ASSERT_TRUE(Ask(*Make(options)).ok());
  EXPECT_EQ(server.requests()[1].Header("authorization"), "");
}

TEST(OpenAiChatModelTest, OnTokenFalseCancels) {
  for (bool stream : {false, true}) {
    FakeOpenAi server([&](int, const HttpRequest&) {
      return stream ? SseFixture("stream_plain.sse") : JsonFixture(200, "chat_plain.json");
    });
    int calls = 0;
    std::string seen;
    auto r = Ask(*Make(Options(server, stream)), [&](std::string_view t) {
      seen += t;
      return ++calls < (stream ? 2 : 1);
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->finish, FinishReason::kCancelled);
    EXPECT_EQ(r->text, seen);
    EXPECT_EQ(calls, stream ? 2 : 1);
    EXPECT_EQ(server.attempts(), 1);
  }
}

TEST(OpenAiChatModelTest, RequestCarriesSamplingStopAndResponseFormat) {
  FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(200, "chat_plain.json"); });
  ChatOptions chat;
  chat.max_tokens = 77;
  chat.sampling.temperature = 0.25f;
  chat.sampling.top_p = 0.5f;
  chat.stop = {"</s>", "END"};
  chat.response_schema = Json::parse(R"({"type":"object","properties":{"a":{"type":"integer"}}})");
  ASSERT_TRUE(Ask(*Make(Options(server, false)), {}, {}, chat).ok());
  const Json body = server.body();
  EXPECT_EQ(body["max_tokens"], 77);
  EXPECT_FLOAT_EQ(body["temperature"].get<float>(), 0.25f);
  EXPECT_FLOAT_EQ(body["top_p"].get<float>(), 0.5f);
  EXPECT_EQ(body["stop"], Json::array({"</s>", "END"}));
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["name"], "response");
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"], *chat.response_schema);
  EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
}

TEST(OpenAiChatModelTest, ReplyLargerThanTheLimitIsRefused) {
  FakeOpenAi server([](int, const HttpRequest&) { return JsonFixture(200, "chat_plain.json"); });
  auto options = Options(server, false);
  options.max_response_bytes = 64;
  auto r = Ask(*Make(options));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
}

TEST(OpenAiChatModelTest, OptionsAreChecked) {
  OpenAiOptions ok;
  ok.base_url = "http://127.0.0.1:1/v1/";
  ok.model = "m";
  auto model = MakeOpenAiChatModel(ok);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->Describe(), "openai: m at http://127.0.0.1:1/v1");
  EXPECT_EQ((*model)->ContextLength(), OpenAiOptions::kDefaultContextLength);

  const std::vector<std::function<void(OpenAiOptions&)>> bad = {
      [](OpenAiOptions& o) { o.base_url = "ftp://x/v1"; },
      [](OpenAiOptions& o) { o.context_length = 0; },
      [](OpenAiOptions& o) { o.max_retries = -1; },
      [](OpenAiOptions& o) { o.timeout = 0ms; },
      [](OpenAiOptions& o) { o.max_backoff = 1ms; },
      [](OpenAiOptions& o) { o.max_response_bytes = 0; },
  };
  for (const auto& change : bad) {
    OpenAiOptions o = ok;
    change(o);
    auto r = MakeOpenAiChatModel(o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  // Bad calls fail before anything is sent.
  ChatOptions chat;
  chat.max_tokens = 0;
  EXPECT_EQ(Ask(**model, {}, {}, chat).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*model)->Chat({}, {}, {}, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenAiChatModelTest, UnreachableServerIsUnavailableAfterRetries) {
  OpenAiOptions options;
  {
    FakeOpenAi gone([](int, const HttpRequest&) { return JsonFixture(200, "chat_plain.json"); });
    options = Options(gone, false);
  }
  options.max_retries = 2;
  auto r = Ask(*Make(options));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), "3 attempts")) << r.status().message();
}

}  // namespace
}  // namespace sextant::llm
