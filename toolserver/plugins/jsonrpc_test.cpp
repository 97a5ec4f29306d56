#include "toolserver/plugins/jsonrpc.h"

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;

Result<IncomingMessage> Classify(std::string_view line) { return ClassifyMessage(line, {}); }

TEST(JsonRpcTest, ClassifiesResultResponse) {
  auto m = Classify(R"({"jsonrpc":"2.0","id":7,"result":{"x":1}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, MessageKind::kResponse);
  ASSERT_TRUE(m->id.has_value());
  EXPECT_EQ(*m->id, 7);
  ASSERT_TRUE(m->result.has_value());
  EXPECT_EQ((*m->result)["x"], 1);
  EXPECT_FALSE(m->error.has_value());
  EXPECT_TRUE(m->malformed.empty());
}

TEST(JsonRpcTest, ClassifiesErrorResponse) {
  auto m = Classify(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"nope"}})");
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->error.has_value());
  EXPECT_EQ(DescribeRpcError(*m->error), "nope (code -32601)");
}

TEST(JsonRpcTest, ClassifiesRequestsAndNotifications) {
  auto request = Classify(R"({"jsonrpc":"2.0","id":"s1","method":"ping"})");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->kind, MessageKind::kRequest);
  EXPECT_EQ(request->raw_id, "s1");
  EXPECT_EQ(request->method, "ping");
  auto note = Classify(R"({"jsonrpc":"2.0","method":"notifications/x","params":{"a":1}})");
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->kind, MessageKind::kNotification);
  EXPECT_EQ(note->params["a"], 1);
}

TEST(JsonRpcTest, RejectsMalformedLines) {
  struct Case {
    const char* line;
    const char* reason;
  };
  const Case cases[] = {
      {"this is not json", "not JSON"},
      {"[1,2,3]", "not a JSON object"},
      {R"({"jsonrpc":"1.0","id":1,"result":{}})", "\"jsonrpc\" is not \"2.0\""},
      {R"({"id":1,"result":{}})", "\"jsonrpc\" is not \"2.0\""},
      {R"({"jsonrpc":"2.0","result":{}})", "response without an id"},
      {R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}})",
       "error response without an id: parse"},
      {R"({"jsonrpc":"2.0","id":1,"method":5})", "\"method\" is not a string"},
      {R"({"jsonrpc":"2.0","id":[1],"method":"x"})", "neither a string nor an integer"},
      {R"({"jsonrpc":"2.0","id":1,"result":{})", "not JSON"},
  };
  for (const Case& c : cases) {
    auto m = Classify(c.line);
    ASSERT_FALSE(m.ok()) << c.line;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << c.line;
    EXPECT_TRUE(Contains(m.status().message(), c.reason))
        << c.line << " -> " << m.status().message();
  }
}

TEST(JsonRpcTest, FlagsResponsesThatBreakTheProtocol) {
  auto both = Classify(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})");
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(Contains(both->malformed, "both"));
  auto neither = Classify(R"({"jsonrpc":"2.0","id":1})");
  ASSERT_TRUE(neither.ok());
  EXPECT_TRUE(Contains(neither->malformed, "neither"));
  auto bad_error = Classify(R"({"jsonrpc":"2.0","id":1,"error":"boom"})");
  ASSERT_TRUE(bad_error.ok());
  EXPECT_TRUE(Contains(bad_error->malformed, "not an object"));
}

TEST(JsonRpcTest, StringIdsOfResponsesAreNotOurs) {
  auto m = Classify(R"({"jsonrpc":"2.0","id":"7","result":{}})");
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->id.has_value());
}

TEST(JsonRpcTest, RespectsTheSizeLimit) {
  JsonLimits limits;
  limits.max_bytes = 16;
  auto m = ClassifyMessage(R"({"jsonrpc":"2.0","id":1,"result":{}})", limits);
  ASSERT_FALSE(m.ok());
}

TEST(JsonRpcTest, EncodesOneLineEach) {
  std::string request = EncodeRequest(5, "tools/call", {{"name", "a\nb"}});
  EXPECT_EQ(request.back(), '\n');
  EXPECT_EQ(request.find('\n'), request.size() - 1);
  auto parsed = ParseJson(request);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["id"], 5);
  EXPECT_EQ((*parsed)["params"]["name"], "a\nb");
  auto note = ParseJson(EncodeNotification("notifications/initialized", nullptr));
  ASSERT_TRUE(note.ok());
  EXPECT_FALSE(note->contains("params"));
  EXPECT_FALSE(note->contains("id"));
  auto reply = ParseJson(EncodeErrorReply("s1", kJsonRpcMethodNotFound, "no"));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ((*reply)["error"]["code"], kJsonRpcMethodNotFound);
  EXPECT_EQ((*reply)["id"], "s1");
}

TEST(JsonRpcTest, FindsIdsInFragmentsOfLongLines) {
  EXPECT_EQ(FindIdInFragments(R"({"result":{"content":[{"text":"ggg)",
                              R"(ggg"}]},"jsonrpc":"2.0","id":42})"),
            42);
  EXPECT_EQ(FindIdInFragments(R"({"jsonrpc":"2.0","id" : 9,"result":{"te)", "gggg\"}}"), 9);
  EXPECT_EQ(FindIdInFragments("no ids here", "\"id\":\"str\""), std::nullopt);
}

}  // namespace
}  // namespace sextant::toolserver::plugins
