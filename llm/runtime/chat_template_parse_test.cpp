// Tool calls parsed back from model replies, including replies rendered by
// the templates (round trips) and malformed ones.
#include <gtest/gtest.h>

#include "llm/runtime/chat_template.h"

namespace sextant::llm {
namespace {

Json Args(std::string_view text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  return json.value_or(Json());
}

Message User(std::string content) {
  Message m;
  m.content = std::move(content);
  return m;
}

Message Assistant(std::string content, std::vector<ToolCall> calls) {
  Message m;
  m.role = Role::kAssistant;
  m.content = std::move(content);
  m.tool_calls = std::move(calls);
  return m;
}

// The assistant turn that `kind` renders for `reply` as the last message,
// without the framing around it (header and end-of-turn text).
std::string RenderedReply(ChatTemplateKind kind, const Message& reply) {
  RenderOptions options;
  options.add_generation_prompt = false;
  options.eos_text = "</s>";
  Result<std::string> out = RenderChat(kind, {User("Q"), reply}, {}, options);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  const std::string text = out.value_or("");
  std::string_view head;
  std::string_view tail;
  switch (kind) {
    case ChatTemplateKind::kChatML:
      head = "<|im_start|>assistant";
      tail = "<|im_end|>\n";
      break;
    case ChatTemplateKind::kLlama3:
      head = "<|start_header_id|>assistant<|end_header_id|>\n\n";
      tail = "<|eot_id|>";
      break;
    case ChatTemplateKind::kMistral:
      head = "[/INST]";
      tail = "</s>";
      break;
  }
  const size_t begin = text.rfind(head);
  EXPECT_NE(begin, std::string::npos) << text;
  EXPECT_TRUE(text.ends_with(tail)) << text;
  std::string body = text.substr(begin + head.size());
  body.resize(body.size() - tail.size());
  if (kind == ChatTemplateKind::kChatML && body.starts_with("\n")) body.erase(0, 1);
  return body;
}

void ExpectSameCalls(const std::vector<ToolCall>& got, const std::vector<ToolCall>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].arguments, want[i].arguments);
    EXPECT_FALSE(got[i].id.empty());
  }
}

TEST(ParseToolCallsTest, RoundTripsEachFamily) {
  const ToolCall weather{"call_0", "get_weather", Args(R"({"city": "Paris", "days": [1, 2]})")};
  const ToolCall time{"call_1", "get_time", Args(R"({"tz": "Europe/Paris"})")};
  struct Case {
    ChatTemplateKind kind;
    Message reply;
    std::string content;
  };
  const Case cases[] = {
      {ChatTemplateKind::kChatML, Assistant("Let me check.", {weather, time}), "Let me check."},
      {ChatTemplateKind::kChatML, Assistant("", {weather}), ""},
      {ChatTemplateKind::kLlama3, Assistant("", {weather}), ""},
      {ChatTemplateKind::kMistral, Assistant("", {weather, time}), ""},
  };
  for (const Case& c : cases) {
    const std::string text = RenderedReply(c.kind, c.reply);
    const ParsedReply parsed = ParseToolCalls(c.kind, text);
    SCOPED_TRACE(std::string(ChatTemplateName(c.kind)) + ": " + text);
    EXPECT_TRUE(parsed.problems.empty()) << parsed.problems.front();
    EXPECT_EQ(parsed.content, c.content);
    ExpectSameCalls(parsed.calls, c.reply.tool_calls);
  }
}

TEST(ParseToolCallsTest, PlainRepliesHaveNoCalls) {
  for (ChatTemplateKind kind :
       {ChatTemplateKind::kChatML, ChatTemplateKind::kLlama3, ChatTemplateKind::kMistral}) {
    const ParsedReply parsed = ParseToolCalls(kind, "The answer is 4.");
    EXPECT_EQ(parsed.content, "The answer is 4.");
    EXPECT_TRUE(parsed.calls.empty());
    EXPECT_TRUE(parsed.problems.empty());
  }
  // A JSON answer that is not a call stays an answer.
  const ParsedReply json = ParseToolCalls(ChatTemplateKind::kLlama3, R"({"answer": 4})");
  EXPECT_TRUE(json.calls.empty());
  EXPECT_TRUE(json.problems.empty());
  EXPECT_EQ(json.content, R"({"answer": 4})");
}

TEST(ParseToolCallsTest, QwenCallIdsAndStringArguments) {
  const ParsedReply parsed = ParseToolCalls(
      ChatTemplateKind::kChatML,
      "<tool_call>\n{\"name\": \"a\", \"arguments\": \"{\\\"x\\\": 1}\"}\n</tool_call>\n"
      "<tool_call>{\"name\": \"b\"}</tool_call> done");
  ASSERT_TRUE(parsed.problems.empty()) << parsed.problems.front();
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_EQ(parsed.calls[0].id, "call_0");
  EXPECT_EQ(parsed.calls[0].arguments, Args(R"({"x": 1})"));
  EXPECT_EQ(parsed.calls[1].id, "call_1");
  EXPECT_EQ(parsed.calls[1].arguments, Json::object());
  EXPECT_EQ(parsed.content, "done");
}

TEST(ParseToolCallsTest, QwenMalformedBlocksBecomeProblems) {
  struct Case {
    std::string text;
    std::string problem;
    size_t calls;
  };
  const Case cases[] = {
      {"<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": }\n</tool_call>", "invalid JSON", 0},
      {"<tool_call>\n{\"arguments\": {}}\n</tool_call>", "name", 0},
      {"<tool_call>\n{\"name\": \"a\", \"arguments\": [1]}\n</tool_call>", "arguments", 0},
      {"<tool_call>\n{\"name\": \"a\", \"arguments\": \"nope\"}\n</tool_call>", "arguments", 0},
      {"<tool_call>\n[1, 2]\n</tool_call>", "object", 0},
      {"<tool_call>\n{\"name\": \"a\", \"arguments\": {}}", "not closed", 0},
      {"<tool_call>{\"name\": \"a\"}</tool_call>\n<tool_call>{bad}</tool_call>", "invalid JSON", 1},
  };
  for (const Case& c : cases) {
    const ParsedReply parsed = ParseToolCalls(ChatTemplateKind::kChatML, c.text);
    SCOPED_TRACE(c.text);
    ASSERT_EQ(parsed.problems.size(), 1u);
    EXPECT_NE(parsed.problems[0].find(c.problem), std::string::npos) << parsed.problems[0];
    EXPECT_EQ(parsed.calls.size(), c.calls);
    if (c.calls == 0) {
      EXPECT_EQ(parsed.content, c.text);
    }
  }
  // The malformed block's text stays in the content next to a good call.
  const ParsedReply mixed =
      ParseToolCalls(ChatTemplateKind::kChatML,
                     "<tool_call>{\"name\": \"a\"}</tool_call>\n<tool_call>{bad}</tool_call>");
  EXPECT_EQ(mixed.content, "<tool_call>{bad}</tool_call>");
}

TEST(ParseToolCallsTest, LlamaPythonTagAndSeveralCalls) {
  const ParsedReply tagged = ParseToolCalls(
      ChatTemplateKind::kLlama3,
      "<|python_tag|>{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", "
      "\"arguments\": {}}\n{\"name\": \"c\", \"parameters\": {}}");
  ASSERT_TRUE(tagged.problems.empty()) << tagged.problems.front();
  ASSERT_EQ(tagged.calls.size(), 3u);
  EXPECT_EQ(tagged.calls[0].name, "a");
  EXPECT_EQ(tagged.calls[0].arguments, Args(R"({"x": 1})"));
  EXPECT_EQ(tagged.calls[1].name, "b");
  EXPECT_EQ(tagged.calls[2].id, "call_2");
  EXPECT_EQ(tagged.content, "");
}

TEST(ParseToolCallsTest, LlamaMalformedCallsBecomeProblems) {
  const std::pair<std::string, std::string> cases[] = {
      {"{\"name\": \"a\", \"parameters\": {\"x\": 1}", "not closed"},
      {"{\"name\": \"a\", \"parameters\": {\"x\" 1}}", "invalid JSON"},
      {"{\"name\": \"a\", \"parameters\": 5}", "parameters"},
      {"<|python_tag|>print(1)", "python_tag"},
      {"<|python_tag|>{\"parameters\": {}}", "name"},
      {"{\"name\": \"a\", \"parameters\": {}} and then some prose", "unexpected text"},
  };
  for (const auto& [text, problem] : cases) {
    const ParsedReply parsed = ParseToolCalls(ChatTemplateKind::kLlama3, text);
    SCOPED_TRACE(text);
    ASSERT_EQ(parsed.problems.size(), 1u);
    EXPECT_NE(parsed.problems[0].find(problem), std::string::npos) << parsed.problems[0];
    EXPECT_TRUE(parsed.calls.empty());
    EXPECT_EQ(parsed.content, text);
  }
}

TEST(ParseToolCallsTest, MistralIdsAndContent) {
  const ParsedReply parsed =
      ParseToolCalls(ChatTemplateKind::kMistral,
                     "Sure. [TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {\"x\": \"]\"}, \"id\": "
                     "\"abcDEF123\"}, {\"name\": \"b\", \"arguments\": {}}]");
  ASSERT_TRUE(parsed.problems.empty()) << parsed.problems.front();
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_EQ(parsed.calls[0].id, "abcDEF123");
  EXPECT_EQ(parsed.calls[0].arguments, Args(R"({"x": "]"})"));
  EXPECT_EQ(parsed.calls[1].id, "call_1");
  EXPECT_EQ(parsed.content, "Sure.");
}

TEST(ParseToolCallsTest, MistralMalformedCallsBecomeProblems) {
  const std::pair<std::string, std::string> cases[] = {
      {"[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {}}", "complete JSON array"},
      {"[TOOL_CALLS] {\"name\": \"a\"}", "complete JSON array"},
      {"[TOOL_CALLS]", "complete JSON array"},
      {"[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {,}}]", "invalid JSON"},
      {"[TOOL_CALLS] [{\"name\": \"a\"}, {\"arguments\": {}}]", "element 1"},
      {"[TOOL_CALLS] [\"a\"]", "element 0"},
  };
  for (const auto& [text, problem] : cases) {
    const ParsedReply parsed = ParseToolCalls(ChatTemplateKind::kMistral, text);
    SCOPED_TRACE(text);
    ASSERT_EQ(parsed.problems.size(), 1u);
    EXPECT_NE(parsed.problems[0].find(problem), std::string::npos) << parsed.problems[0];
    EXPECT_TRUE(parsed.calls.empty());
    EXPECT_EQ(parsed.content, text);
  }
}

}  // namespace
}  // namespace sextant::llm
