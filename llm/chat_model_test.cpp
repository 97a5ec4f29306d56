#include "llm/chat_model.h"

#include <gtest/gtest.h>

namespace sextant::llm {
namespace {

Json Parse(std::string_view text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  return json.value_or(Json());
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kSystem, Role::kUser, Role::kAssistant, Role::kTool}) {
    Result<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(RoleName(Role::kAssistant), "assistant");
  Result<Role> bad = ParseRole("developer");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("developer"), std::string::npos);
}

TEST(FinishReasonTest, NamesRoundTrip) {
  for (FinishReason r : {FinishReason::kStop, FinishReason::kLength, FinishReason::kToolCalls,
                         FinishReason::kCancelled}) {
    Result<FinishReason> parsed = ParseFinishReason(FinishReasonName(r));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(FinishReasonName(FinishReason::kToolCalls), "tool_calls");
  EXPECT_FALSE(ParseFinishReason("done").ok());
}

TEST(MessageJsonTest, AssistantToolCallUsesOpenAiShape) {
  Message m;
  m.role = Role::kAssistant;
  m.tool_calls.push_back({"call_1", "get_weather", Parse(R"({"city": "Paris"})")});
  const Json json = MessageToJson(m);
  EXPECT_EQ(json["role"], "assistant");
  EXPECT_TRUE(json["content"].is_null());
  ASSERT_EQ(json["tool_calls"].size(), 1u);
  EXPECT_EQ(json["tool_calls"][0]["type"], "function");
  EXPECT_EQ(json["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(json["tool_calls"][0]["function"]["name"], "get_weather");
  ASSERT_TRUE(json["tool_calls"][0]["function"]["arguments"].is_string());
  EXPECT_EQ(Parse(json["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            m.tool_calls[0].arguments);

  Result<Message> back = MessageFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
}

TEST(MessageJsonTest, RoundTripsEveryRole) {
  std::vector<Message> messages = {
      {Role::kSystem, "Be brief.", {}, "", ""},
      {Role::kUser, "Weather in Paris?", {}, "", ""},
      {Role::kAssistant,
       "Checking.",
       {{"c1", "get_weather", Parse(R"({"city":"Paris"})")}},
       "",
       ""},
      {Role::kTool, "{\"temp\": 21}", {}, "c1", "get_weather"},
      {Role::kAssistant,
       "It is 21 \xC2\xB0"
       "C.",
       {},
       "",
       ""},
  };
  Result<std::vector<Message>> back = MessagesFromJson(MessagesToJson(messages));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, messages);
}

TEST(MessageJsonTest, AcceptsTextPartsAndObjectArguments) {
  Result<Message> m = MessageFromJson(Parse(R"({"role": "user", "content":
      [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}]})"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->content, "Hello, world");

  Result<Message> a = MessageFromJson(Parse(R"({"role": "assistant", "tool_calls": [
      {"id": "x", "type": "function", "function": {"name": "f", "arguments": {"n": 1}}}]})"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->tool_calls.at(0).arguments, Parse(R"({"n": 1})"));
}

TEST(MessageJsonTest, MalformedInputNamesTheMember) {
  struct Case {
    const char* json;
    const char* expect_in_message;
  };
  const Case cases[] = {
      {R"([1])", "object"},
      {R"({"content": "hi"})", "role"},
      {R"({"role": 3})", "role"},
      {R"({"role": "wizard"})", "wizard"},
      {R"({"role": "user", "content": 5})", "content"},
      {R"({"role": "user", "content": [{"type": "image_url"}]})", "content[0]"},
      {R"({"role": "user", "content": [{"type": "text", "text": 1}]})", "content[0]"},
      {R"({"role": "assistant", "tool_calls": {}})", "tool_calls"},
      {R"({"role": "user", "tool_calls": [{"function": {"name": "f"}}]})", "tool_calls"},
      {R"({"role": "assistant", "tool_calls": [{"function": {"name": ""}}]})", "name"},
      {R"({"role": "assistant", "tool_calls": [{"type": "x", "function": {"name": "f"}}]})",
       "tool_calls[0].type"},
      {R"({"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{"}}]})",
       "tool_calls[0].function.arguments"},
      {R"({"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]})",
       "arguments"},
      {R"({"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": 7}}]})",
       "arguments"},
      {R"({"role": "tool", "content": "42"})", "tool_call_id"},
      {R"({"role": "tool", "content": "42", "tool_call_id": 9})", "tool_call_id"},
  };
  for (const Case& c : cases) {
    Result<Message> m = MessageFromJson(Parse(c.json));
    ASSERT_FALSE(m.ok()) << c.json;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(m.status().message().find(c.expect_in_message), std::string::npos)
        << c.json << " -> " << m.status().message();
  }
  Result<std::vector<Message>> list = MessagesFromJson(Parse(R"([{"role": "user"}, {}])"));
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("messages[1]"), std::string::npos);
  EXPECT_FALSE(MessagesFromJson(Parse(R"({"role": "user"})")).ok());
}

Json WeatherTool() {
  return Parse(R"({"type": "function", "function": {"name": "get_weather",
      "description": "Current weather", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}}, "required": ["city"]}}})");
}

TEST(ToolSpecTest, AcceptsOpenAiFunction) {
  EXPECT_TRUE(CheckToolSpec(WeatherTool()).ok());
  EXPECT_TRUE(CheckToolSpec(Parse(R"({"type": "function", "function": {"name": "a-b_9"}})")).ok());
}

TEST(ToolSpecTest, RejectsMalformedSpecs) {
  struct Case {
    const char* json;
    const char* expect_in_message;
  };
  const Case cases[] = {
      {R"("get_weather")", "object"},
      {R"({"function": {"name": "f"}})", "tool.type"},
      {R"({"type": "tool", "function": {"name": "f"}})", "tool.type"},
      {R"({"type": "function"})", "tool.function"},
      {R"({"type": "function", "function": {}})", "tool.function.name"},
      {R"({"type": "function", "function": {"name": "has space"}})", "has space"},
      {R"({"type": "function", "function": {"name": ""}})", "tool.function.name"},
      {R"({"type": "function", "function": {"name": "f", "description": 1}})", "description"},
      {R"({"type": "function", "function": {"name": "f", "parameters": "x"}})", "parameters"},
  };
  for (const Case& c : cases) {
    Status s = CheckToolSpec(Parse(c.json));
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.expect_in_message), std::string::npos)
        << c.json << " -> " << s.message();
  }
  Json long_name = WeatherTool();
  long_name["function"]["name"] = std::string(65, 'a');
  EXPECT_FALSE(CheckToolSpec(long_name).ok());
  long_name["function"]["name"] = std::string(64, 'a');
  EXPECT_TRUE(CheckToolSpec(long_name).ok());
}

TEST(ToolSpecTest, RejectsDuplicateNames) {
  Status s = CheckToolSpecs({WeatherTool(), WeatherTool()});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tools[1]"), std::string::npos);
  EXPECT_TRUE(CheckToolSpecs({WeatherTool()}).ok());
}

TEST(ChatOptionsTest, ValidationChecksEveryPart) {
  ChatOptions options;
  EXPECT_TRUE(ValidateChatOptions(options).ok());
  options.max_tokens = 0;
  Status s = ValidateChatOptions(options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("max_tokens"), std::string::npos);
  options.max_tokens = 1;
  options.stop = {"</s>", ""};
  s = ValidateChatOptions(options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("stop[1]"), std::string::npos);
  options.stop = {"</s>"};
  options.sampling.top_p = 2;
  s = ValidateChatOptions(options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("top_p"), std::string::npos);
}

}  // namespace
}  // namespace sextant::llm
