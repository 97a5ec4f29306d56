#include "llm/scripted/scripted_chat_model.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::llm {
namespace {

using sextant::testing::Contains;

const char kTranscript[] = R"({
  "context_length": 4096,
  "responses": [
    {"text": "I will look it up.", "tool_calls": [{"name": "web_search", "arguments": {"q": "weather"}}],
     "usage": {"prompt_tokens": 120, "completion_tokens": 9}},
    {"text": "Sunny, 21 °C.", "expect": "sunny"},
    {"tool_calls": [{"name": "a", "id": "x1"}, {"name": "b", "arguments": {"n": 2}}], "finish": "length"}
  ]
})";

std::unique_ptr<ChatModel> Model(ScriptedOptions options = {}) {
  auto model = MakeScriptedChatModel(Json::parse(kTranscript), options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(model).value() : nullptr;
}

Message Msg(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

std::vector<Message> UserSays(const std::string& text) { return {Msg(Role::kUser, text)}; }

TEST(ScriptedChatModelTest, ReplaysResponsesInOrder) {
  auto model = Model();
  EXPECT_EQ(model->Describe(), "scripted: inline (3 responses)");
  EXPECT_EQ(model->ContextLength(), 4096);

  auto r0 = model->Chat(UserSays("weather?"), {}, {}, {});
  ASSERT_TRUE(r0.ok()) << r0.status().ToString();
  EXPECT_EQ(r0->text, "I will look it up.");
  ASSERT_EQ(r0->tool_calls.size(), 1u);
  EXPECT_EQ(r0->tool_calls[0].name, "web_search");
  EXPECT_EQ(r0->tool_calls[0].arguments, Json({{"q", "weather"}}));
  EXPECT_EQ(r0->tool_calls[0].id, "call_0_0");
  EXPECT_EQ(r0->finish, FinishReason::kToolCalls);
  EXPECT_EQ(r0->usage.prompt_tokens, 120);
  EXPECT_EQ(r0->usage.completion_tokens, 9);

  std::vector<Message> conversation = UserSays("weather?");
  Message assistant = Msg(Role::kAssistant, "");
  assistant.tool_calls = r0->tool_calls;
  conversation.push_back(assistant);
  Message tool = Msg(Role::kTool, "it is sunny today");
  tool.tool_call_id = "call_0_0";
  tool.name = "web_search";
  conversation.push_back(tool);
  auto r1 = model->Chat(conversation, {}, {}, {});
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->text, "Sunny, 21 °C.");
  EXPECT_EQ(r1->finish, FinishReason::kStop);
  std::size_t bytes = 0;
  for (const Message& m : conversation) bytes += m.content.size();
  bytes += std::string("web_search").size() + DumpJson(r0->tool_calls[0].arguments).size();
  EXPECT_EQ(r1->usage.prompt_tokens, static_cast<int64_t>(bytes / 4));

  auto r2 = model->Chat(UserSays("go"), {}, {}, {});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->finish, FinishReason::kLength);
  ASSERT_EQ(r2->tool_calls.size(), 2u);
  EXPECT_EQ(r2->tool_calls[0].id, "x1");
  EXPECT_EQ(r2->tool_calls[0].arguments, Json::object());
  EXPECT_EQ(r2->tool_calls[1].id, "call_2_1");

  auto r3 = model->Chat(UserSays("more"), {}, {}, {});
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r3.status().message(), "scripted transcript exhausted after 3 responses");
}

TEST(ScriptedChatModelTest, ExpectMismatchSaysWhatWasExpectedAndSeen) {
  auto model = Model({.start_index = 1});
  auto r = model->Chat(UserSays("it is raining"), {}, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(r.status().message(), "scripted response 1")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "\"sunny\"")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "\"it is raining\"")) << r.status().message();
  // The response is not used up: a matching call gets it.
  auto ok = model->Chat(UserSays("sunny skies"), {}, {}, {});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->text, "Sunny, 21 °C.");
  // Only user and tool messages count; an assistant message saying it does not.
  auto none = Model({.start_index = 1})
                  ->Chat({Msg(Role::kSystem, "sunny"), Msg(Role::kAssistant, "sunny")}, {}, {}, {});
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(Contains(none.status().message(), "no user or tool message"))
      << none.status().message();
}

TEST(ScriptedChatModelTest, StartIndexSkipsResponses) {
  auto model = Model({.start_index = 2});
  auto r = model->Chat(UserSays("x"), {}, {}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tool_calls.at(0).id, "x1");
  EXPECT_EQ(Model({.start_index = 3})->Chat(UserSays("x"), {}, {}, {}).status().code(),
            StatusCode::kFailedPrecondition);
  auto past = MakeScriptedChatModel(Json::parse(kTranscript), {.start_index = 4});
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), StatusCode::kInvalidArgument);
}

TEST(ScriptedChatModelTest, OnTokenGetsPiecesAtCharacterBoundaries) {
  auto model = Model({.start_index = 1});
  std::vector<std::string> pieces;
  auto r = model->Chat(UserSays("sunny"), {}, {}, [&](std::string_view t) {
    pieces.emplace_back(t);
    return true;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_GT(pieces.size(), 1u);
  std::string joined;
  for (const std::string& p : pieces) {
    joined += p;
    ASSERT_FALSE(p.empty());
    EXPECT_NE(static_cast<unsigned char>(p[0]) & 0xC0, 0x80) << "piece starts mid-character";
  }
  EXPECT_EQ(joined, r->text);
}

TEST(ScriptedChatModelTest, OnTokenFalseCancels) {
  auto model = Model();
  std::string seen;
  auto r = model->Chat(UserSays("x"), {}, {}, [&](std::string_view t) {
    seen += t;
    return false;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish, FinishReason::kCancelled);
  EXPECT_EQ(r->text, seen);
  EXPECT_LT(r->text.size(), std::string("I will look it up.").size());
  EXPECT_TRUE(r->tool_calls.empty());
}

TEST(ScriptedChatModelTest, MalformedTranscriptsNameThePath) {
  const struct {
    const char* json;
    const char* path;
  } cases[] = {
      {"[]", "transcript"},
      {R"({})", "responses"},
      {R"({"responses": {}})", "responses"},
      {R"({"responses": [], "extra": 1})", "unknown member \"extra\""},
      {R"({"responses": [], "context_length": 0})", "context_length"},
      {R"({"responses": [], "context_length": "big"})", "context_length"},
      {R"({"responses": [1]})", "responses[0]"},
      {R"({"responses": [{}, {"txt": "x"}]})", "responses[1]: unknown member \"txt\""},
      {R"({"responses": [{"text": 1}]})", "responses[0].text"},
      {R"({"responses": [{"tool_calls": {}}]})", "responses[0].tool_calls"},
      {R"({"responses": [{}, {}, {}, {"tool_calls": [{}]}]})", "responses[3].tool_calls[0].name"},
      {R"({"responses": [{"tool_calls": [{"name": ""}]}]})", "responses[0].tool_calls[0].name"},
      {R"({"responses": [{"tool_calls": [3]}]})", "responses[0].tool_calls[0]"},
      {R"({"responses": [{"tool_calls": [{"name": "f", "arguments": "{}"}]}]})",
       "responses[0].tool_calls[0].arguments"},
      {R"({"responses": [{"tool_calls": [{"name": "f", "id": 1}]}]})",
       "responses[0].tool_calls[0].id"},
      {R"({"responses": [{"tool_calls": [{"name": "f", "args": {}}]}]})",
       "responses[0].tool_calls[0]: unknown member \"args\""},
      {R"({"responses": [{"finish": "done"}]})", "responses[0].finish"},
      {R"({"responses": [{"finish": 1}]})", "responses[0].finish"},
      {R"({"responses": [{"usage": 1}]})", "responses[0].usage"},
      {R"({"responses": [{"usage": {"prompt_tokens": -1}}]})", "responses[0].usage.prompt_tokens"},
      {R"({"responses": [{"usage": {"completion_tokens": 1.5}}]})",
       "responses[0].usage.completion_tokens"},
      {R"({"responses": [{"expect": 3}]})", "responses[0].expect"},
  };
  for (const auto& c : cases) {
    auto r = MakeScriptedChatModel(Json::parse(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_TRUE(Contains(r.status().message(), c.path)) << c.json << " -> " << r.status().message();
  }
}

TEST(ScriptedChatModelTest, LoadsFromFile) {
  sextant::testing::TempDir dir;
  const auto file = dir.path() / "transcript.json";
  sextant::testing::WriteFile(file, kTranscript);
  auto model = LoadScriptedChatModel(file, {.start_index = 2});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->Describe(), "scripted: " + file.string() + " (3 responses)");
  ASSERT_TRUE((*model)->Chat(UserSays("x"), {}, {}, {}).ok());

  auto missing = LoadScriptedChatModel(dir.path() / "absent.json");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  sextant::testing::WriteFile(dir.path() / "bad.json", "{\"responses\": [");
  auto bad = LoadScriptedChatModel(dir.path() / "bad.json");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(bad.status().message(), "bad.json")) << bad.status().message();

  sextant::testing::WriteFile(dir.path() / "wrong.json", R"({"responses": [{"text": 1}]})");
  auto wrong = LoadScriptedChatModel(dir.path() / "wrong.json");
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(wrong.status().message(), "wrong.json: responses[0].text"))
      << wrong.status().message();
}

TEST(ScriptedChatModelTest, ChecksOptionsAndTools) {
  auto model = Model();
  ChatOptions bad;
  bad.max_tokens = 0;
  EXPECT_EQ(model->Chat(UserSays("x"), {}, bad, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model->Chat(UserSays("x"), {Json::object()}, {}, {}).status().code(),
            StatusCode::kInvalidArgument);
  // Neither failure used up a response.
  auto r = model->Chat(UserSays("x"), {}, {}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "I will look it up.");
}

}  // namespace
}  // namespace sextant::llm

namespace sextant::llm {
namespace {

TEST(ScriptedChatModelTest, APromptOverTheContextIsRefusedAndNotUsedUp) {
  auto model = MakeScriptedChatModel(
      Json{{"context_length", 100}, {"responses", Json::array({{{"text", "fits"}}})}});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ChatOptions options;
  options.max_tokens = 20;
  const std::vector<Message> big = {{Role::kUser, std::string(400, 'x'), {}, "", ""}};
  auto refused = (*model)->Chat(big, {}, options, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("exceeds the context of 100"), std::string::npos);
  const std::vector<Message> small = {{Role::kUser, std::string(300, 'x'), {}, "", ""}};
  auto answered = (*model)->Chat(small, {}, options, nullptr);
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  EXPECT_EQ(answered->text, "fits");
}

}  // namespace
}  // namespace sextant::llm
