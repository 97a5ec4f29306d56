#include "common/sse.h"

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_client.h"
#include "common/json.h"
#include "common/testing/loopback_http_server.h"

namespace sextant {
namespace {

using namespace std::string_literals;

struct Expected {
  std::string event;
  std::string data;
  std::string id;
  std::optional<int> retry_ms;
};

struct Case {
  const char* name;
  std::string stream;
  std::vector<Expected> events;
};

// Feeds `stream` in pieces of the given sizes (the rest in one piece).
Status FeedInPieces(SseParser& parser, std::string_view stream,
                    const std::vector<std::size_t>& sizes, std::vector<SseEvent>& out) {
  auto collect = [&out](const SseEvent& e) {
    out.push_back(e);
    return true;
  };
  std::size_t pos = 0;
  for (std::size_t size : sizes) {
    if (pos >= stream.size()) break;
    SEXTANT_RETURN_IF_ERROR(parser.Feed(stream.substr(pos, size), collect));
    pos += size;
  }
  if (pos < stream.size()) return parser.Feed(stream.substr(pos), collect);
  return Status::Ok();
}

void ExpectEvents(const std::vector<SseEvent>& got, const std::vector<Expected>& want,
                  const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].event, want[i].event) << where << " event " << i;
    EXPECT_EQ(got[i].data, want[i].data) << where << " event " << i;
    EXPECT_EQ(got[i].id, want[i].id) << where << " event " << i;
    EXPECT_EQ(got[i].retry_ms, want[i].retry_ms) << where << " event " << i;
  }
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"single event", "data: hello\n\n", {{"message", "hello", "", {}}}},
      {"multi-line data", "data: a\ndata: b\n\n", {{"message", "a\nb", "", {}}}},
      {"crlf endings", "data: a\r\ndata: b\r\n\r\n", {{"message", "a\nb", "", {}}}},
      {"cr endings", "data: a\rdata: b\r\r", {{"message", "a\nb", "", {}}}},
      {"mixed endings", "data: a\r\ndata: b\rdata: c\n\n", {{"message", "a\nb\nc", "", {}}}},
      {"lf then crlf blank", "data: a\n\r\n", {{"message", "a", "", {}}}},
      {"comment", ": keep-alive\ndata: x\n: another\n\n", {{"message", "x", "", {}}}},
      {"comment only", ":\n\n: x\n\n", {}},
      {"no space after colon", "data:x\n\n", {{"message", "x", "", {}}}},
      {"only one space stripped", "data:  two\n\n", {{"message", " two", "", {}}}},
      {"tab is kept", "data:\tt\n\n", {{"message", "\tt", "", {}}}},
      {"colon in value", "data: a:b: c\n\n", {{"message", "a:b: c", "", {}}}},
      {"field without colon", "data\n\n", {{"message", "", "", {}}}},
      {"two bare data fields", "data\ndata\n\n", {{"message", "\n", "", {}}}},
      {"empty data line kept", "data: a\ndata:\n\n", {{"message", "a\n", "", {}}}},
      {"bom stripped",
       "\xEF\xBB\xBF"
       "data: x\n\n",
       {{"message", "x", "", {}}}},
      {"second bom kept",
       "\xEF\xBB\xBF\xEF\xBB\xBF"
       "data: x\n\n",
       {}},
      {"event type",
       "event: add\ndata: 1\n\ndata: 2\n\n",
       {{"add", "1", "", {}}, {"message", "2", "", {}}}},
      {"last event type wins", "event: a\nevent: b\ndata: 1\n\n", {{"b", "1", "", {}}}},
      {"empty event type", "event:\ndata: 1\n\n", {{"message", "1", "", {}}}},
      {"no data no dispatch", "event: x\n\ndata: y\n\n", {{"message", "y", "", {}}}},
      {"blank lines only", "\n\n\r\n\r\r", {}},
      {"id persists",
       "id: 7\ndata: a\n\ndata: b\n\n",
       {{"message", "a", "7", {}}, {"message", "b", "7", {}}}},
      {"bare id resets",
       "id: 7\ndata: a\n\nid\ndata: b\n\n",
       {{"message", "a", "7", {}}, {"message", "b", "", {}}}},
      {"id with nul ignored",
       "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"s,
       {{"message", "a", "1", {}}, {"message", "b", "1", {}}}},
      {"id without data is kept", "id: 3\n\ndata: a\n\n", {{"message", "a", "3", {}}}},
      {"retry", "retry: 1500\ndata: a\n\n", {{"message", "a", "", 1500}}},
      {"retry persists", "retry: 10\n\ndata: a\n\n", {{"message", "a", "", 10}}},
      {"bad retries ignored",
       "retry: 15x\nretry: -1\nretry:  5\nretry:\nretry: 99999999999\nretry: 1.5\ndata: a\n\n",
       {{"message", "a", "", {}}}},
      {"unknown field ignored", "foo: bar\ndata: a\n\n", {{"message", "a", "", {}}}},
      {"field names are case-sensitive", "Data: x\nDATA: y\n\n", {}},
      {"space before field name", " data: x\n\n", {}},
      {"pending event discarded at end", "data: a\n\ndata: b\n", {{"message", "a", "", {}}}},
      {"unterminated line discarded", "data: a", {}},
      {"nul in data kept", "data: a\0b\n\n"s, {{"message", "a\0b"s, "", {}}}},
      {"utf-8 kept",
       "data: h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\n\n",
       {{"message", "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", "", {}}}},
      {"invalid utf-8 replaced",
       "data: a\xFF"
       "b\xC3\n\n",
       {{"message",
         "a\xEF\xBF\xBD"
         "b\xEF\xBF\xBD",
         "",
         {}}}},
      {"truncated sequence replaced once",
       "data: \xE2\x82x\n\n",
       {{"message", "\xEF\xBF\xBDx", "", {}}}},
      {"surrogate encoding replaced",
       "data: \xED\xA0\x80\n\n",
       {{"message", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", "", {}}}},
      {"openai stream",
       "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n",
       {{"message", "{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}", "", {}},
        {"message", "[DONE]", "", {}}}},
  };
  return cases;
}

TEST(SseParserTest, WholeStream) {
  for (const Case& c : Cases()) {
    SseParser parser;
    std::vector<SseEvent> got;
    ASSERT_TRUE(FeedInPieces(parser, c.stream, {}, got).ok()) << c.name;
    ExpectEvents(got, c.events, c.name);
  }
}

TEST(SseParserTest, ByteByByte) {
  for (const Case& c : Cases()) {
    SseParser parser;
    std::vector<SseEvent> got;
    ASSERT_TRUE(
        FeedInPieces(parser, c.stream, std::vector<std::size_t>(c.stream.size(), 1), got).ok())
        << c.name;
    ExpectEvents(got, c.events, c.name);
  }
}

TEST(SseParserTest, EverySplitPoint) {
  for (const Case& c : Cases()) {
    for (std::size_t split = 0; split <= c.stream.size(); ++split) {
      SseParser parser;
      std::vector<SseEvent> got;
      ASSERT_TRUE(FeedInPieces(parser, c.stream, {split}, got).ok()) << c.name;
      ExpectEvents(got, c.events, std::string(c.name) + " split at " + std::to_string(split));
    }
  }
}

TEST(SseParserTest, EmptyChunksAreHarmless) {
  SseParser parser;
  int count = 0;
  auto on_event = [&count](const SseEvent&) {
    ++count;
    return true;
  };
  for (std::string_view piece : {"", "\xEF", "", "\xBB\xBF", "", "data: x\r", "", "\n", "\n"}) {
    ASSERT_TRUE(parser.Feed(piece, on_event).ok());
  }
  EXPECT_EQ(count, 1);
}

TEST(SseParserTest, AccessorsTrackIdAndRetry) {
  SseParser parser;
  auto ignore = [](const SseEvent&) { return true; };
  ASSERT_TRUE(parser.Feed("id: abc\nretry: 250\n\n", ignore).ok());
  EXPECT_EQ(parser.last_event_id(), "abc");
  EXPECT_EQ(parser.retry_ms(), 250);
}

TEST(SseParserTest, CallbackStopsParsing) {
  SseParser parser;
  int count = 0;
  auto stop_after_first = [&count](const SseEvent&) { return ++count < 1; };
  Status s = parser.Feed("data: 1\n\ndata: 2\n\n", stop_after_first);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(parser.Feed("data: 3\n\n", stop_after_first).code(), StatusCode::kAborted);
  EXPECT_EQ(count, 1);
}

TEST(SseParserTest, HugeLineWithoutNewlineHitsTheLimit) {
  SseParser parser(SseParserOptions{.max_event_bytes = 1024});
  auto ignore = [](const SseEvent&) { return true; };
  const std::string piece(100, 'a');
  Status s;
  int fed = 0;
  while (s.ok() && fed < 100) {
    s = parser.Feed(piece, ignore);
    ++fed;
  }
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_EQ(fed, 11);  // 1,100 bytes pending is the first size over 1,024
  // The parser stays failed.
  EXPECT_EQ(parser.Feed("\n\n", ignore).code(), StatusCode::kResourceExhausted);
}

TEST(SseParserTest, HugeLineInOneChunkHitsTheLimit) {
  SseParser parser(SseParserOptions{.max_event_bytes = 1024});
  const std::string stream = "data: " + std::string(2000, 'x') + "\n\n";
  int count = 0;
  Status s = parser.Feed(stream, [&count](const SseEvent&) { return ++count > 0; });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(count, 0);
}

TEST(SseParserTest, ManyDataLinesHitTheLimit) {
  SseParser parser(SseParserOptions{.max_event_bytes = 1024});
  std::string stream;
  for (int i = 0; i < 200; ++i) stream += "data: 0123456789\n";
  Status s = parser.Feed(stream, [](const SseEvent&) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

TEST(SseParserTest, LimitIsPerEvent) {
  SseParser parser(SseParserOptions{.max_event_bytes = 1024});
  const std::string event = "data: " + std::string(900, 'y') + "\n\n";
  int count = 0;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(parser.Feed(event, [&count](const SseEvent&) { return ++count > 0; }).ok());
  }
  EXPECT_EQ(count, 100);
}

TEST(SseParserTest, CommentLinesDoNotAccumulate) {
  SseParser parser(SseParserOptions{.max_event_bytes = 64});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(parser.Feed(": ping 0123456789\n", [](const SseEvent&) { return true; }).ok());
  }
}

TEST(SseParserTest, RandomBytesNeverCrash) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> small(0, 9);
  for (int round = 0; round < 200; ++round) {
    SseParser parser(SseParserOptions{.max_event_bytes = 4096});
    std::string noise;
    for (int i = 0; i < 2000; ++i) {
      // Favour the bytes the parser cares about.
      const int pick = small(rng);
      noise += pick == 0 ? '\n' : pick == 1 ? '\r' : pick == 2 ? ':' : static_cast<char>(byte(rng));
    }
    Status s;
    for (std::size_t pos = 0; pos < noise.size() && s.ok(); pos += 37) {
      s = parser.Feed(std::string_view(noise).substr(pos, 37),
                      [](const SseEvent& e) { return e.data.size() <= 4096; });
    }
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kResourceExhausted) << s.ToString();
  }
}

// Server-Sent Events end to end: HttpClient::StreamEvents against a real
// loopback server.
class SseOverHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = testing::LoopbackHttpServer::Start();
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    options_.proxy = "";  // ignore any proxy in the environment
  }

  HttpCall Call(const std::string& path) const {
    HttpCall call;
    call.method = "POST";
    call.url = server_->Url(path);
    call.headers = {{"Content-Type", "application/json"}};
    call.body = R"({"stream":true})";
    return call;
  }

  std::unique_ptr<testing::LoopbackHttpServer> server_;
  HttpClientOptions options_;
};

// An OpenAI-style completion stream, with CRLF and LF events and a comment.
std::string OpenAiStream(const std::vector<std::string>& words) {
  std::string stream;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const Json chunk = {{"id", "chatcmpl-1"},
                        {"object", "chat.completion.chunk"},
                        {"choices", {{{"index", 0}, {"delta", {{"content", words[i]}}}}}}};
    stream += "data: " + DumpJson(chunk) + (i % 2 == 0 ? "\n\n" : "\r\n\r\n");
  }
  return stream + ": keep-alive\n\ndata: [DONE]\n\n";
}

TEST_F(SseOverHttpTest, OpenAiStreamInAwkwardPieces) {
  const std::string stream = OpenAiStream({"Hel", "lo", ", ", "wor", "ld", "!"});
  testing::ScriptedReply reply =
      testing::ScriptedReply::Chunked(200, {{"Content-Type", "text/event-stream"}});
  // Cut right after a CR (between CR and LF), then in pieces of varied sizes.
  const std::size_t cr = stream.find('\r');
  ASSERT_NE(cr, std::string::npos);
  reply.Chunk(stream.substr(0, cr + 1)).Pause(std::chrono::milliseconds(2));
  const std::size_t sizes[] = {1, 7, 2, 13, 3, 29};
  for (std::size_t pos = cr + 1, i = 0; pos < stream.size(); ++i) {
    const std::size_t size = sizes[i % std::size(sizes)];
    reply.Chunk(stream.substr(pos, size)).Pause(std::chrono::milliseconds(1));
    pos += size;
  }
  server_->On("/v1/chat/completions", reply.EndChunks());

  std::string text;
  std::vector<std::string> data;
  auto result =
      HttpClient(options_).StreamEvents(Call("/v1/chat/completions"), [&](const SseEvent& event) {
        data.push_back(event.data);
        if (event.data == "[DONE]") return true;
        auto chunk = ParseJson(event.data);
        if (!chunk.ok()) return false;
        text += (*chunk)["choices"][0]["delta"]["content"].get<std::string>();
        return true;
      });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(text, "Hello, world!");
  ASSERT_EQ(data.size(), 7u);
  EXPECT_EQ(data.back(), "[DONE]");
  const testing::ReceivedRequest request = server_->requests().at(0);
  EXPECT_EQ(request.Header("accept"), "text/event-stream");
  EXPECT_EQ(request.body, R"({"stream":true})");
}

TEST_F(SseOverHttpTest, CallbackAbortsAnOpenStream) {
  server_->On("/events",
              testing::ScriptedReply::Chunked(200, {{"Content-Type", "text/event-stream"}})
                  .Chunk("data: first\n\n")
                  .Hang());
  options_.timeout_ms = 10000;
  int events = 0;
  auto result = HttpClient(options_).StreamEvents(Call("/events"), [&](const SseEvent& event) {
    ++events;
    return event.data != "first";
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted) << result.status().ToString();
  EXPECT_EQ(events, 1);
}

TEST_F(SseOverHttpTest, OversizedEventIsResourceExhausted) {
  server_->On("/big", testing::ScriptedReply::Full(200, "data: " + std::string(5000, 'z') + "\n\n",
                                                   {{"Content-Type", "text/event-stream"}}));
  int events = 0;
  auto result = HttpClient(options_).StreamEvents(
      Call("/big"), [&](const SseEvent&) { return ++events > 0; },
      SseParserOptions{.max_event_bytes = 1024});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted) << result.status().ToString();
  EXPECT_NE(result.status().message().find(server_->Url("/big")), std::string::npos);
  EXPECT_EQ(events, 0);
}

TEST_F(SseOverHttpTest, ErrorStatusBodyIsBufferedNotParsed) {
  server_->On("/denied", testing::ScriptedReply::Full(401, "data: not an event\n\n"));
  int events = 0;
  HttpCall call = Call("/denied");
  call.headers.emplace_back("Accept", "application/json, text/event-stream");
  auto result = HttpClient(options_).StreamEvents(call, [&](const SseEvent&) {
    ++events;
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->body, "data: not an event\n\n");
  EXPECT_EQ(events, 0);
  EXPECT_EQ(server_->requests().at(0).Header("accept"), "application/json, text/event-stream");
}

}  // namespace
}  // namespace sextant
