// Malformed chat-completions replies, plain and streamed: each is refused
// with a status that says what was wrong, never a crash or a silent default.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "llm/openai/internal/openai_wire.h"

namespace sextant::llm::openai_internal {
namespace {

using sextant::testing::Contains;

struct Case {
  const char* body;
  StatusCode code;
  const char* says;
};

TEST(OpenAiMalformedTest, CompletionBodies) {
  const Case cases[] = {
      {"", StatusCode::kDataLoss, "not JSON"},
      {"{\"choices\": [", StatusCode::kDataLoss, "not JSON"},
      {"[1, 2]", StatusCode::kDataLoss, "not a JSON object"},
      {"{}", StatusCode::kDataLoss, "choices must be an array"},
      {R"({"choices": {}})", StatusCode::kDataLoss, "choices must be an array"},
      {R"({"choices": []})", StatusCode::kDataLoss, "choices is empty"},
      {R"({"choices": [3]})", StatusCode::kDataLoss, "choices[0] must be an object"},
      {R"({"choices": [{}]})", StatusCode::kDataLoss, "choices[0].message must be an object"},
      {R"({"choices": [{"message": {"content": 5}}]})", StatusCode::kDataLoss,
       "choices[0].message.content"},
      {R"({"choices": [{"message": {"tool_calls": {}}}]})", StatusCode::kDataLoss,
       "tool_calls must be an array"},
      {R"({"choices": [{"message": {"tool_calls": [7]}}]})", StatusCode::kDataLoss,
       "tool_calls[0].function must be an object"},
      {R"({"choices": [{"message": {"tool_calls": [{"function": {}}]}}]})", StatusCode::kDataLoss,
       "tool_calls[0].function.name is missing"},
      {R"({"choices": [{"message": {"tool_calls": [{"function": {"name": 1}}]}}]})",
       StatusCode::kDataLoss, "name"},
      {R"({"choices": [{"message": {"tool_calls": [{"id": 5, "function": {"name": "f"}}]}}]})",
       StatusCode::kDataLoss, "id"},
      {R"({"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": 3}}]}}]})",
       StatusCode::kDataLoss, "arguments must be a string"},
      {R"({"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": "{"}}]}}]})",
       StatusCode::kInvalidArgument, "tool call 0 (f): arguments are not valid JSON"},
      {R"({"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}}]})",
       StatusCode::kInvalidArgument, "tool call 0 (f): arguments must be a JSON object"},
      {R"({"choices": [{"message": {"content": "x"}, "finish_reason": 1}]})", StatusCode::kDataLoss,
       "finish_reason"},
      {R"({"choices": [{"message": {"content": "x"}}], "usage": []})", StatusCode::kDataLoss,
       "usage must be an object"},
      {R"({"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "3"}})",
       StatusCode::kDataLoss, "prompt_tokens"},
      {R"({"error": {"message": "overloaded"}})", StatusCode::kUnavailable, "overloaded"},
  };
  for (const Case& c : cases) {
    auto r = ParseCompletion(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), c.code) << c.body << " -> " << r.status().ToString();
    EXPECT_TRUE(Contains(r.status().message(), c.says)) << c.body << " -> " << r.status().message();
  }
}

TEST(OpenAiMalformedTest, TooManyToolCalls) {
  Json calls = Json::array();
  for (std::size_t i = 0; i <= kMaxToolCalls; ++i) {
    calls.push_back({{"id", "c"}, {"function", {{"name", "f"}, {"arguments", "{}"}}}});
  }
  const Json body = {{"choices", {{{"message", {{"tool_calls", calls}}}}}}};
  auto r = ParseCompletion(DumpJson(body));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(r.status().message(), "more than")) << r.status().message();
}

TEST(OpenAiMalformedTest, LenientWhereServersDiffer) {
  // No usage, null content, arguments as an object, unknown finish reason.
  auto r = ParseCompletion(
      R"({"choices": [{"message": {"content": null, "tool_calls": [{"function":
         {"name": "f", "arguments": {"a": 1}}}]}, "finish_reason": "content_filter"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tool_calls.at(0).arguments, Json({{"a", 1}}));
  EXPECT_EQ(r->finish, FinishReason::kToolCalls);
  EXPECT_EQ(r->usage.prompt_tokens, 0);
}

TEST(OpenAiMalformedTest, StreamChunks) {
  const Case cases[] = {
      {"not json", StatusCode::kDataLoss, "stream chunk 0 is not JSON"},
      {"[]", StatusCode::kDataLoss, "stream chunk 0 is not a JSON object"},
      {R"({"choices": 1})", StatusCode::kDataLoss, "choices must be an array"},
      {R"({"choices": [1]})", StatusCode::kDataLoss, "choices[0] must be an object"},
      {R"({"choices": [{"delta": 1}]})", StatusCode::kDataLoss, "delta must be an object"},
      {R"({"choices": [{"delta": {"content": []}}]})", StatusCode::kDataLoss, "content"},
      {R"({"choices": [{"delta": {"tool_calls": {}}}]})", StatusCode::kDataLoss,
       "tool_calls must be an array"},
      {R"({"choices": [{"delta": {"tool_calls": [1]}}]})", StatusCode::kDataLoss,
       "tool_calls[0] must be an object"},
      {R"({"choices": [{"delta": {"tool_calls": [{"index": -1}]}}]})", StatusCode::kDataLoss,
       "index must not be negative"},
      {R"({"choices": [{"delta": {"tool_calls": [{"index": "0"}]}}]})", StatusCode::kDataLoss,
       "index"},
      {R"({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": 2}]}}]})",
       StatusCode::kDataLoss, "function must be an object"},
      {R"({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": 2}}]}}]})",
       StatusCode::kDataLoss, "arguments"},
      {R"({"choices": [{"finish_reason": 2}]})", StatusCode::kDataLoss, "finish_reason"},
      {R"({"choices": [], "usage": "x"})", StatusCode::kDataLoss, "usage must be an object"},
      {R"({"error": {"message": "model crashed"}})", StatusCode::kUnavailable, "model crashed"},
  };
  for (const Case& c : cases) {
    StreamAccumulator acc;
    std::string delta;
    Status st = acc.Add(c.body, delta);
    ASSERT_FALSE(st.ok()) << c.body;
    EXPECT_EQ(st.code(), c.code) << c.body << " -> " << st.ToString();
    EXPECT_TRUE(Contains(st.message(), c.says)) << c.body << " -> " << st.message();
  }
}

TEST(OpenAiMalformedTest, StreamedCallsCheckedAtTheEnd) {
  {
    StreamAccumulator acc;
    std::string delta;
    ASSERT_TRUE(acc.Add(R"({"choices": [{"delta": {"tool_calls": [{"index": 0,
        "function": {"arguments": "{}"}}]}}]})",
                        delta)
                    .ok());
    ASSERT_TRUE(acc.Add("[DONE]", delta).ok());
    auto r = acc.Finish();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(r.status().message(), "no function name")) << r.status().message();
  }
  {
    StreamAccumulator acc;
    std::string delta;
    ASSERT_TRUE(acc.Add(R"({"choices": [{"delta": {"tool_calls": [{"index": 3, "id": "c",
        "function": {"name": "search", "arguments": "{\"q\": "}}]}}]})",
                        delta)
                    .ok());
    ASSERT_TRUE(acc.Add("[DONE]", delta).ok());
    auto r = acc.Finish();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(r.status().message(), "tool call 3 (search)")) << r.status().message();
  }
  {
    StreamAccumulator acc;
    std::string delta;
    for (std::size_t i = 0; i <= kMaxToolCalls; ++i) {
      Status st = acc.Add(R"({"choices": [{"delta": {"tool_calls": [{"index": )" +
                              std::to_string(i) + R"(, "function": {"name": "f"}}]}}]})",
                          delta);
      if (i < kMaxToolCalls) {
        ASSERT_TRUE(st.ok()) << st.ToString();
      } else {
        EXPECT_EQ(st.code(), StatusCode::kDataLoss);
      }
    }
  }
}

TEST(OpenAiMalformedTest, PayloadsAfterDoneAreIgnored) {
  StreamAccumulator acc;
  std::string delta;
  ASSERT_TRUE(acc.Add(R"({"choices": [{"delta": {"content": "hi"}}]})", delta).ok());
  EXPECT_EQ(delta, "hi");
  ASSERT_TRUE(acc.Add("[DONE]", delta).ok());
  EXPECT_TRUE(acc.done());
  EXPECT_TRUE(acc.Add("garbage", delta).ok());
  auto r = acc.Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "hi");
}

TEST(OpenAiMalformedTest, ErrorBodiesAndRetryAfter) {
  EXPECT_EQ(ErrorMessageOf(R"({"error": {"message": "m", "type": "t"}})"), "m");
  EXPECT_EQ(ErrorMessageOf(R"({"error": "plain"})"), "plain");
  EXPECT_EQ(ErrorMessageOf("line1\nline2"), "line1 line2");
  EXPECT_EQ(ErrorMessageOf(""), "(empty body)");
  EXPECT_LT(ErrorMessageOf(std::string(10000, 'x')).size(), 400u);

  EXPECT_EQ(StatusForHttpError(400, "{}").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusForHttpError(401, "{}").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusForHttpError(403, "{}").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusForHttpError(404, "{}").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusForHttpError(429, "{}").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusForHttpError(500, "{}").code(), StatusCode::kUnavailable);
  EXPECT_EQ(StatusForHttpError(503, "{}").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(IsRetryableHttpStatus(429));
  EXPECT_TRUE(IsRetryableHttpStatus(502));
  EXPECT_FALSE(IsRetryableHttpStatus(400));
  EXPECT_FALSE(IsRetryableHttpStatus(401));

  EXPECT_EQ(ParseRetryAfter("3"), std::chrono::milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter(" 0 "), std::chrono::milliseconds(0));
  for (const char* bad : {"", "-1", "1.5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT",
                          "99999999999999999999", "999999"}) {
    EXPECT_FALSE(ParseRetryAfter(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sextant::llm::openai_internal
