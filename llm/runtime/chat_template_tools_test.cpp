// Tool descriptions, tool calls and tool results in each family's template.
#include <gtest/gtest.h>

#include "llm/runtime/chat_template.h"

namespace sextant::llm {
namespace {

Json WeatherTool() {
  Result<Json> tool = ParseJson(R"({"type": "function", "function": {"name": "get_weather",
      "description": "Get the weather", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}}, "required": ["city"]}}})");
  EXPECT_TRUE(tool.ok());
  return tool.value_or(Json());
}

// The tool as Python's json.dumps writes it with its keys in authored order.
constexpr std::string_view kToolJson =
    R"({"type": "function", "function": {"name": "get_weather", "description": "Get the weather", )"
    R"("parameters": {"type": "object", "properties": {"city": {"type": "string"}}, )"
    R"("required": ["city"]}}})";

constexpr std::string_view kToolJsonIndent4 = R"({
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {
                    "type": "string"
                }
            },
            "required": [
                "city"
            ]
        }
    }
})";

Message Msg(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

Message Call(std::string id, std::string content = "") {
  Message m = Msg(Role::kAssistant, std::move(content));
  m.tool_calls.push_back({std::move(id), "get_weather", {{"city", "Paris"}}});
  return m;
}

Message ToolResult(std::string id, std::string content) {
  Message m = Msg(Role::kTool, std::move(content));
  m.tool_call_id = std::move(id);
  return m;
}

std::string Render(ChatTemplateKind kind, const std::vector<Message>& messages,
                   const RenderOptions& options) {
  Result<std::string> out = RenderChat(kind, messages, {WeatherTool()}, options);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.value_or("");
}

const std::string kQwenTools =
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
    std::string(kToolJson) +
    "\n</tools>\n\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": "
    "<function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

TEST(ChatMLToolsTest, QwenToolCallAndResults) {
  RenderOptions options;
  options.default_system = kQwenDefaultSystem;
  const std::vector<Message> messages = {Msg(Role::kUser, "Weather in Paris and Rome?"),
                                         Call("call_0", "Checking."), ToolResult("call_0", "21 C"),
                                         ToolResult("call_1", "25 C")};
  EXPECT_EQ(Render(ChatTemplateKind::kChatML, messages, options),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.\n\n" +
                kQwenTools +
                "<|im_start|>user\nWeather in Paris and Rome?<|im_end|>\n"
                "<|im_start|>assistant\nChecking.\n<tool_call>\n"
                "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                "</tool_call><|im_end|>\n"
                "<|im_start|>user\n<tool_response>\n21 C\n</tool_response>\n"
                "<tool_response>\n25 C\n</tool_response><|im_end|>\n"
                "<|im_start|>assistant\n");
}

TEST(ChatMLToolsTest, SystemMessageAndNoDefault) {
  RenderOptions options;
  options.add_generation_prompt = false;
  EXPECT_EQ(
      Render(ChatTemplateKind::kChatML, {Msg(Role::kSystem, "S"), Msg(Role::kUser, "Q")}, options),
      "<|im_start|>system\nS\n\n" + kQwenTools + "<|im_start|>user\nQ<|im_end|>\n");
  EXPECT_EQ(Render(ChatTemplateKind::kChatML, {Msg(Role::kUser, "Q")}, options),
            "<|im_start|>system\n" + kQwenTools + "<|im_start|>user\nQ<|im_end|>\n");
}

TEST(Llama3ToolsTest, ToolsInFirstUserMessageAndQuotedResults) {
  RenderOptions options;
  options.bos_text = "<|begin_of_text|>";
  const std::vector<Message> messages = {Msg(Role::kSystem, "You are a bot."),
                                         Msg(Role::kUser, "Weather in Paris?"), Call("c1"),
                                         ToolResult("c1", "{\"temp_c\": 21}\n")};
  EXPECT_EQ(Render(ChatTemplateKind::kLlama3, messages, options),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Environment: ipython\nCutting Knowledge Date: December 2023\n"
            "Today Date: 26 Jul 2024\n\nYou are a bot.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\n"
            "Given the following functions, please respond with a JSON for a function call with "
            "its proper arguments that best answers the given prompt.\n\n"
            "Respond in the format {\"name\": function name, \"parameters\": dictionary of "
            "argument name and its value}.Do not use variables.\n\n" +
                std::string(kToolJsonIndent4) +
                "\n\nWeather in Paris?<|eot_id|>"
                "<|start_header_id|>assistant<|end_header_id|>\n\n"
                "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"
                "<|start_header_id|>ipython<|end_header_id|>\n\n"
                "\"{\\\"temp_c\\\": 21}\\n\"<|eot_id|>"
                "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(Llama3ToolsTest, TextBeforeTheCallIsDroppedAndLimitsHold) {
  RenderOptions options;
  options.add_generation_prompt = false;
  Result<std::string> out = RenderChat(
      ChatTemplateKind::kLlama3, {Msg(Role::kUser, "Q"), Call("c1", "ignored text")}, {}, options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->ends_with(
      "<|start_header_id|>assistant<|end_header_id|>\n\n"
      "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"));
  EXPECT_EQ(out->find("ignored text"), std::string::npos);

  Message two = Call("c1");
  two.tool_calls.push_back(two.tool_calls.front());
  Result<std::string> bad =
      RenderChat(ChatTemplateKind::kLlama3, {Msg(Role::kUser, "Q"), two}, {}, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("2 tool calls"), std::string::npos);

  Result<std::string> no_user =
      RenderChat(ChatTemplateKind::kLlama3, {Msg(Role::kSystem, "S")}, {WeatherTool()}, options);
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.status().code(), StatusCode::kInvalidArgument);
}

TEST(MistralToolsTest, ToolsCallsAndResults) {
  RenderOptions options;
  options.bos_text = "<s>";
  options.eos_text = "</s>";
  const std::string tools = "[AVAILABLE_TOOLS] [" + std::string(kToolJson) + "][/AVAILABLE_TOOLS]";
  // The system message goes into the last message only when it is a user's.
  EXPECT_EQ(Render(ChatTemplateKind::kMistral,
                   {Msg(Role::kSystem, "Be brief."), Msg(Role::kUser, "Weather in Paris?"),
                    Call("abcDEF123"), ToolResult("abcDEF123", "{\"temp_c\": 21}")},
                   options),
            "<s>" + tools +
                "[INST] Weather in Paris?[/INST][TOOL_CALLS] [{\"name\": \"get_weather\", "
                "\"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}]</s>"
                "[TOOL_RESULTS] {\"content\": {\"temp_c\": 21}, \"call_id\": \"abcDEF123\"}"
                "[/TOOL_RESULTS]");
  EXPECT_EQ(Render(ChatTemplateKind::kMistral,
                   {Msg(Role::kSystem, "Be brief."), Msg(Role::kUser, "Hi"),
                    Msg(Role::kAssistant, "Hello!"), Msg(Role::kUser, "Weather?")},
                   options),
            "<s>[INST] Hi[/INST] Hello!</s>" + tools + "[INST] Be brief.\n\nWeather?[/INST]");
}

TEST(MistralToolsTest, TekkenLayout) {
  RenderOptions options;
  options.eos_text = "</s>";
  options.mistral_tekken = true;
  EXPECT_EQ(
      Render(ChatTemplateKind::kMistral,
             {Msg(Role::kUser, "Q"), Call("abcDEF123"), ToolResult("abcDEF123", "21")}, options),
      "[AVAILABLE_TOOLS][" + std::string(kToolJson) +
          "][/AVAILABLE_TOOLS][INST]Q[/INST][TOOL_CALLS][{\"name\": \"get_weather\", "
          "\"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}]</s>"
          "[TOOL_RESULTS]{\"content\": 21, \"call_id\": \"abcDEF123\"}[/TOOL_RESULTS]");
}

TEST(MistralToolsTest, OtherIdsMapToStableNineCharacterIds) {
  Result<std::string> out =
      RenderChat(ChatTemplateKind::kMistral,
                 {Msg(Role::kUser, "Q"), Call("call_0"), ToolResult("call_0", "21")}, {}, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::string id_key = "\"id\": \"";
  const size_t at = out->find(id_key);
  ASSERT_NE(at, std::string::npos);
  const std::string id = out->substr(at + id_key.size(), 9);
  for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;
  EXPECT_EQ(out->at(at + id_key.size() + 9), '"');
  EXPECT_NE(out->find("\"call_id\": \"" + id + "\""), std::string::npos) << *out;
  EXPECT_EQ(out->find("call_0"), std::string::npos);
}

TEST(ToolRenderTest, InvalidToolsAreRejected) {
  Json bad = WeatherTool();
  bad["function"]["name"] = "no spaces allowed";
  for (ChatTemplateKind kind :
       {ChatTemplateKind::kChatML, ChatTemplateKind::kLlama3, ChatTemplateKind::kMistral}) {
    Result<std::string> out = RenderChat(kind, {Msg(Role::kUser, "Q")}, {bad}, {});
    ASSERT_FALSE(out.ok());
    EXPECT_NE(out.status().message().find("tools[0]"), std::string::npos);
  }
}

TEST(ToolRenderTest, NonAsciiAndEscapesFollowPythonJson) {
  Message call = Msg(Role::kAssistant, "");
  call.tool_calls.push_back({"c", "say", {{"text", "caf\xC3\xA9 \"q\"\n\x01"}, {"n", 1.5}}});
  RenderOptions options;
  options.add_generation_prompt = false;
  Result<std::string> out =
      RenderChat(ChatTemplateKind::kChatML, {Msg(Role::kUser, "Q"), call}, {}, options);
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find(R"({"name": "say", "arguments": {"n": 1.5, "text": "café \"q\"\n\u0001"}})"),
            std::string::npos)
      << *out;
}

}  // namespace
}  // namespace sextant::llm
