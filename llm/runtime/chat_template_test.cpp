#include "llm/runtime/chat_template.h"

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::llm {
namespace {

Message Msg(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

// The conversation llama.cpp's chat-template tests use, whose expected
// outputs were produced by each model's Jinja template.
std::vector<Message> Conversation() {
  return {Msg(Role::kSystem, "You are a helpful assistant"),
          Msg(Role::kUser, "Hello"),
          Msg(Role::kAssistant, "Hi there"),
          Msg(Role::kUser, "Who are you"),
          Msg(Role::kAssistant, "   I am an assistant   "),
          Msg(Role::kUser, "Another question")};
}

std::string Render(ChatTemplateKind kind, const std::vector<Message>& messages,
                   const RenderOptions& options) {
  Result<std::string> out = RenderChat(kind, messages, {}, options);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.value_or("");
}

TEST(ChatTemplateNameTest, RoundTripsAndRejectsUnknown) {
  for (ChatTemplateKind kind :
       {ChatTemplateKind::kChatML, ChatTemplateKind::kLlama3, ChatTemplateKind::kMistral}) {
    Result<ChatTemplateKind> parsed = ParseChatTemplateName(ChatTemplateName(kind));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, kind);
  }
  Result<ChatTemplateKind> bad = ParseChatTemplateName("gemma");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("chatml, llama3, mistral"), std::string::npos);
}

TEST(DetectChatTemplateTest, RecognizesMarkers) {
  EXPECT_EQ(DetectChatTemplate("{{'<|im_start|>' + message['role']}}"), ChatTemplateKind::kChatML);
  EXPECT_EQ(DetectChatTemplate("{{ '<|start_header_id|>' + role }}"), ChatTemplateKind::kLlama3);
  EXPECT_EQ(DetectChatTemplate("{{ '[INST] ' + content + '[/INST]' }}"),
            ChatTemplateKind::kMistral);
  EXPECT_EQ(DetectChatTemplate("<start_of_turn>user"), std::nullopt);
  EXPECT_EQ(DetectChatTemplate(""), std::nullopt);
}

TEST(DetectChatTemplateTest, ReadsTheModelsTemplate) {
  SEXTANT_TESTDATA_OR_SKIP(path, "models/tiny-llama/tokenizer_config.json");
  Result<Json> config = ParseJson(::sextant::testing::ReadFile(path));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const std::string jinja = config->at("chat_template").get<std::string>();
  EXPECT_EQ(DetectChatTemplate(jinja), ChatTemplateKind::kChatML);
  EXPECT_EQ(RenderOptionsForTemplate(ChatTemplateKind::kChatML, jinja).default_system, "");
}

TEST(RenderOptionsTest, FollowsTheTemplateText) {
  const std::string qwen =
      "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You "
      "are a helpful assistant.<|im_end|>\\n' }}";
  EXPECT_EQ(RenderOptionsForTemplate(ChatTemplateKind::kChatML, qwen).default_system,
            kQwenDefaultSystem);
  EXPECT_TRUE(RenderOptionsForTemplate(ChatTemplateKind::kLlama3,
                                       "{{- \"Cutting Knowledge Date: December 2023\\n\" }}")
                  .llama_dated_system);
  EXPECT_FALSE(RenderOptionsForTemplate(ChatTemplateKind::kLlama3, "<|start_header_id|>")
                   .llama_dated_system);
  EXPECT_TRUE(RenderOptionsForTemplate(ChatTemplateKind::kMistral,
                                       "{{- \"[INST]\" + message[\"content\"] }}")
                  .mistral_tekken);
  EXPECT_FALSE(RenderOptionsForTemplate(ChatTemplateKind::kMistral,
                                        "{{- \"[INST] \" + message[\"content\"] }}")
                   .mistral_tekken);
}

TEST(RenderChatMLTest, MatchesTransformersReference) {
  SEXTANT_TESTDATA_OR_SKIP(path, "models/tiny-llama/reference.json");
  Result<Json> reference = ParseJson(::sextant::testing::ReadFile(path));
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  const Json& example = reference->at("chat_template_example");
  Result<std::vector<Message>> messages = MessagesFromJson(example.at("messages"));
  ASSERT_TRUE(messages.ok()) << messages.status().ToString();
  RenderOptions options;
  options.add_generation_prompt = example.at("add_generation_prompt").get<bool>();
  EXPECT_EQ(Render(ChatTemplateKind::kChatML, *messages, options),
            example.at("rendered").get<std::string>());
}

TEST(RenderChatMLTest, MultiTurnKeepsContentVerbatim) {
  EXPECT_EQ(Render(ChatTemplateKind::kChatML, Conversation(), {}),
            "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n"
            "<|im_start|>user\nWho are you<|im_end|>\n"
            "<|im_start|>assistant\n   I am an assistant   <|im_end|>\n"
            "<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n");
}

TEST(RenderChatMLTest, QwenDefaultSystemAndNoGenerationPrompt) {
  RenderOptions options;
  options.default_system = kQwenDefaultSystem;
  options.add_generation_prompt = false;
  EXPECT_EQ(Render(ChatTemplateKind::kChatML, {Msg(Role::kUser, "Hi")}, options),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
  // A system message replaces the default; a later one is an ordinary turn.
  EXPECT_EQ(
      Render(ChatTemplateKind::kChatML,
             {Msg(Role::kSystem, "S"), Msg(Role::kUser, "Hi"), Msg(Role::kSystem, "T")}, options),
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
      "<|im_start|>system\nT<|im_end|>\n");
  EXPECT_EQ(Render(ChatTemplateKind::kChatML, {Msg(Role::kUser, "Hi")}, {}),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(RenderLlama3Test, Llama30MatchesOfficialOutput) {
  RenderOptions options;
  options.llama_dated_system = false;
  EXPECT_EQ(Render(ChatTemplateKind::kLlama3, Conversation(), options),
            "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(RenderLlama3Test, Llama31SystemHeaderAndBos) {
  RenderOptions options;
  options.bos_text = "<|begin_of_text|>";
  options.add_generation_prompt = false;
  EXPECT_EQ(Render(ChatTemplateKind::kLlama3,
                   {Msg(Role::kSystem, " Be brief.\n"), Msg(Role::kUser, "  Hi  ")}, options),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
            "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
  options.llama_date = "30 Sep 2026";
  options.add_generation_prompt = true;
  EXPECT_EQ(Render(ChatTemplateKind::kLlama3, {Msg(Role::kUser, "Hi")}, options),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Cutting Knowledge Date: December 2023\nToday Date: 30 Sep 2026\n\n<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(RenderMistralTest, V3PutsSystemIntoLastUserMessage) {
  RenderOptions options;
  options.eos_text = "</s>";
  EXPECT_EQ(Render(ChatTemplateKind::kMistral, Conversation(), options),
            "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>"
            "[INST] You are a helpful assistant\n\nAnother question[/INST]");
  // Mistral has no generation prompt: the output ends with [/INST] either way.
  options.add_generation_prompt = false;
  EXPECT_EQ(Render(ChatTemplateKind::kMistral, Conversation(), options),
            "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>"
            "[INST] You are a helpful assistant\n\nAnother question[/INST]");
}

TEST(RenderMistralTest, TekkenHasNoSpacesAndKeepsContent) {
  RenderOptions options;
  options.bos_text = "<s>";
  options.eos_text = "</s>";
  options.mistral_tekken = true;
  EXPECT_EQ(Render(ChatTemplateKind::kMistral, Conversation(), options),
            "<s>[INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>"
            "[INST]You are a helpful assistant\n\nAnother question[/INST]");
}

TEST(RenderMistralTest, RejectsWhatTheTemplateRejects) {
  Result<std::string> twice = RenderChat(ChatTemplateKind::kMistral,
                                         {Msg(Role::kUser, "a"), Msg(Role::kUser, "b")}, {}, {});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(twice.status().message().find("alternate"), std::string::npos);
  Result<std::string> assistant_first =
      RenderChat(ChatTemplateKind::kMistral, {Msg(Role::kAssistant, "a")}, {}, {});
  EXPECT_FALSE(assistant_first.ok());
  Result<std::string> late_system = RenderChat(
      ChatTemplateKind::kMistral,
      {Msg(Role::kUser, "a"), Msg(Role::kAssistant, "b"), Msg(Role::kSystem, "c")}, {}, {});
  ASSERT_FALSE(late_system.ok());
  EXPECT_NE(late_system.status().message().find("system"), std::string::npos);
}

}  // namespace
}  // namespace sextant::llm
