// Generation on a real tiny model: greedy matches the reference, seeds are
// deterministic, the KV cache prefix is reused, and every stop condition and
// limit ends generation as documented.
#include "llm/runtime/generator.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/runtime/reference_test_util.h"
#include "llm/runtime/runtime_chat_model.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;

class GeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
    dir_ = dir;
    ref_ = testing::ReadReferenceJson(dir_ / "reference.json");
    ASSERT_FALSE(ref_.is_null());
    LoadOptions options;
    options.threads = 2;
    options.context = 256;
    auto model = Model::Load(dir_ / "tiny-llama-F32.gguf", options);
    ASSERT_TRUE(model.ok()) << model.status().message();
    model_ = std::move(*model);
  }

  std::vector<int32_t> PromptIds(int i) const {
    return ref_["prompts"][i]["ids"].get<std::vector<int32_t>>();
  }

  static GenerateOptions Greedy(int64_t n) {
    GenerateOptions o;
    o.max_tokens = n;
    o.sampling.temperature = 0;
    o.stop_at_end_tokens = false;
    return o;
  }

  fs::path dir_;
  Json ref_;
  std::unique_ptr<Model> model_;
};

TEST_F(GeneratorTest, GreedyMatchesReferenceForEveryPrompt) {
  Session session(*model_);
  for (const auto& pp : ref_["variants"]["gguf-F32"]["per_prompt"]) {
    const int i = pp["prompt_index"].get<int>();
    auto out = session.Generate(PromptIds(i), Greedy(16));
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->tokens, pp["greedy"]["tokens"].get<std::vector<int32_t>>()) << "prompt " << i;
    EXPECT_EQ(out->finish, FinishReason::kLength);
    // Streamed text, invalid UTF-8 replaced as Python's decode does.
    EXPECT_EQ(out->text, pp["greedy_text"].get<std::string>()) << "prompt " << i;
  }
}

TEST_F(GeneratorTest, SameSeedSameTokensAndDifferentSeedsDiffer) {
  GenerateOptions o;
  o.max_tokens = 24;
  o.sampling.temperature = 1.5f;
  o.sampling.top_k = 0;
  o.sampling.top_p = 1.0f;
  o.sampling.min_p = 0.0f;
  o.stop_at_end_tokens = false;
  o.sampling.seed = 7;
  Session a(*model_);
  auto first = a.Generate(PromptIds(0), o);
  auto again = a.Generate(PromptIds(0), o);
  o.sampling.seed = 8;
  auto other = a.Generate(PromptIds(0), o);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_EQ(first->tokens, again->tokens);
  EXPECT_NE(first->tokens, other->tokens);
}

TEST_F(GeneratorTest, ReusesTheCachedPrefixAndGivesTheSameResult) {
  Session warm(*model_);
  auto prompt = PromptIds(1);
  ASSERT_TRUE(warm.Generate(prompt, Greedy(4)).ok());
  std::vector<int32_t> longer = warm.tokens();
  longer.insert(longer.end(), prompt.begin(), prompt.begin() + 5);
  auto reused = warm.Generate(longer, Greedy(8));
  ASSERT_TRUE(reused.ok());
  EXPECT_GE(reused->reused_tokens, static_cast<int64_t>(prompt.size()));

  Session cold(*model_);
  auto fresh = cold.Generate(longer, Greedy(8));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->reused_tokens, 0);
  EXPECT_EQ(reused->tokens, fresh->tokens);
}

TEST_F(GeneratorTest, StopStringEndsGenerationAndIsNotReturned) {
  Session session(*model_);
  auto full = session.Generate(PromptIds(0), Greedy(16));
  ASSERT_TRUE(full.ok());
  ASSERT_GE(full->text.size(), 4u);
  const std::string stop = full->text.substr(full->text.size() / 2, 2);
  GenerateOptions o = Greedy(16);
  o.stop = {stop};
  auto cut = session.Generate(PromptIds(0), o);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->finish, FinishReason::kStop);
  EXPECT_EQ(cut->text, full->text.substr(0, full->text.find(stop)));
}

TEST_F(GeneratorTest, StopTokenAndCancelAndZeroBudget) {
  Session session(*model_);
  auto full = session.Generate(PromptIds(2), Greedy(8));
  ASSERT_TRUE(full.ok());
  GenerateOptions o = Greedy(8);
  o.stop_tokens = {full->tokens[3]};
  auto stopped = session.Generate(PromptIds(2), o);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->finish, FinishReason::kStop);
  EXPECT_EQ(stopped->tokens.size(), 4u);

  int calls = 0;
  auto cancelled = session.Generate(PromptIds(2), Greedy(8),
                                    [&](int32_t, std::string_view) { return ++calls < 2; });
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->finish, FinishReason::kCancelled);
  EXPECT_EQ(cancelled->tokens.size(), 2u);

  auto none = session.Generate(PromptIds(2), Greedy(0));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->tokens.empty());
}

TEST_F(GeneratorTest, LimitsGiveClearErrors) {
  Session session(*model_);
  std::vector<int32_t> too_long(256, 5);
  auto out = session.Generate(too_long, Greedy(1));
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(out.status().message().find("context of 256"), std::string::npos);
  EXPECT_EQ(session.Generate({}, Greedy(1)).status().code(), StatusCode::kInvalidArgument);
  GenerateOptions bad = Greedy(1);
  bad.sampling.top_p = -1;
  EXPECT_EQ(session.Generate(PromptIds(0), bad).status().code(), StatusCode::kInvalidArgument);
  std::vector<int32_t> bad_id = {1, 5000};
  EXPECT_EQ(session.Generate(bad_id, Greedy(1)).status().code(), StatusCode::kInvalidArgument);
  // Generation that reaches the context end stops with kLength.
  std::vector<int32_t> near_full(250, 5);
  auto capped = session.Generate(near_full, Greedy(100));
  ASSERT_TRUE(capped.ok()) << capped.status().message();
  EXPECT_EQ(capped->finish, FinishReason::kLength);
  EXPECT_LE(capped->tokens.size(), 7u);
}

TEST_F(GeneratorTest, ChatModelRendersTheReferenceChatPrompt) {
  const Json& example = ref_["chat_template_example"];
  auto kind = ChooseChatTemplate(model_->tokenizer(), "");
  ASSERT_TRUE(kind.ok()) << kind.status().message();
  EXPECT_EQ(*kind, ChatTemplateKind::kChatML);
  auto messages = MessagesFromJson(example["messages"]);
  ASSERT_TRUE(messages.ok());
  auto rendered =
      RenderChat(*kind, *messages, {}, RenderOptionsForModel(*kind, model_->tokenizer()));
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(*rendered, example["rendered"].get<std::string>());
  auto ids = model_->tokenizer().Encode(*rendered);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, example["ids"].get<std::vector<int32_t>>());

  auto chat = MakeRuntimeChatModel(std::move(model_), *kind);
  ASSERT_TRUE(chat.ok());
  ChatOptions options;
  options.max_tokens = 5;
  options.sampling.temperature = 0;
  std::string streamed;
  auto reply = (*chat)->Chat(*messages, {}, options, [&](std::string_view t) {
    streamed += t;
    return true;
  });
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->usage.prompt_tokens, static_cast<int64_t>(ids->size()));
  EXPECT_LE(reply->usage.completion_tokens, 5);
  EXPECT_EQ(reply->text, streamed);
  EXPECT_NE((*chat)->Describe().find("chatml"), std::string::npos);
  options.response_schema = Json::object();
  EXPECT_EQ((*chat)->Chat(*messages, {}, options, {}).status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace sextant::llm
