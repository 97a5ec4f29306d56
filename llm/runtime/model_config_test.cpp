#include "llm/runtime/model_config.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/reference_test_util.h"

namespace sextant::llm {
namespace {

Json TinyLlamaConfig() {
  return Json::parse(R"({
    "model_type": "llama", "vocab_size": 1024, "hidden_size": 256, "intermediate_size": 512,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64,
    "max_position_embeddings": 512, "rms_norm_eps": 1e-05, "tie_word_embeddings": false,
    "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
      "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}})");
}

using testing::ReadReferenceJson;

TEST(ModelConfigTest, ReadsTransformersConfigs) {
  auto c = ModelConfigFromHf(TinyLlamaConfig());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->arch, Arch::kLlama);
  EXPECT_EQ(c->kv_dim(), 128);
  EXPECT_EQ(c->rope.scaling, RopeScaling::kLlama3);
  EXPECT_EQ(c->rope.original_context, 64);
  EXPECT_EQ(c->rope.layout, kernels::cpu::RopeLayout::kSplitHalf);

  Json old = TinyLlamaConfig();
  old.erase("rope_parameters");
  old["rope_theta"] = 10000.0;
  old["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  c = ModelConfigFromHf(old);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rope.scaling, RopeScaling::kLinear);
  EXPECT_FLOAT_EQ(c->rope.factor, 2.0f);

  Json qwen3 = TinyLlamaConfig();
  qwen3["model_type"] = "qwen3";
  qwen3.erase("rope_parameters");
  c = ModelConfigFromHf(qwen3);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->qkv_bias);
  qwen3["model_type"] = "qwen2";
  c = ModelConfigFromHf(qwen3);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->qkv_bias);
}

TEST(ModelConfigTest, MalformedConfigsGiveClearErrors) {
  struct Bad {
    const char* key;
    Json value;
    StatusCode code;
    const char* needle;
  };
  const Bad cases[] = {
      {"model_type", "gpt2", StatusCode::kUnimplemented, "gpt2"},
      {"model_type", 5, StatusCode::kInvalidArgument, "model_type"},
      {"hidden_size", "big", StatusCode::kInvalidArgument, "hidden_size"},
      {"hidden_size", nullptr, StatusCode::kInvalidArgument, "hidden_size"},
      {"num_key_value_heads", 3, StatusCode::kInvalidArgument, "multiple"},
      {"num_hidden_layers", 0, StatusCode::kInvalidArgument, "block count"},
      {"vocab_size", -1, StatusCode::kInvalidArgument, "vocabulary"},
      {"rms_norm_eps", 0, StatusCode::kInvalidArgument, "epsilon"},
      {"rope_parameters", Json{{"rope_type", "yarn"}, {"factor", 4.0}}, StatusCode::kUnimplemented,
       "yarn"},
      {"rope_parameters", Json{{"rope_type", "llama3"}, {"factor", 8.0}},
       StatusCode::kInvalidArgument, "low_freq_factor"},
  };
  for (const Bad& b : cases) {
    Json j = TinyLlamaConfig();
    j[b.key] = b.value;
    auto c = ModelConfigFromHf(j);
    ASSERT_FALSE(c.ok()) << b.key;
    EXPECT_EQ(c.status().code(), b.code) << b.key << ": " << c.status().message();
    EXPECT_NE(c.status().message().find(b.needle), std::string::npos) << c.status().message();
  }
  EXPECT_FALSE(ModelConfigFromHf(Json::array()).ok());
}

TEST(ModelConfigTest, Llama3InverseFrequenciesMatchTransformers) {
  SEXTANT_TESTDATA_OR_SKIP(ref_path, "models/tiny-llama/reference.json");
  const Json ref = ReadReferenceJson(ref_path);
  const auto hf = ref["rope_freqs_check"]["hf_inv_freq"].get<std::vector<float>>();
  const auto factors = ref["rope_freqs_check"]["rope_freqs"].get<std::vector<float>>();
  auto c = ModelConfigFromHf(TinyLlamaConfig());
  ASSERT_TRUE(c.ok());
  const std::vector<float> ours = RopeInverseFrequencies(c->rope, {});
  const std::vector<float> from_factors = RopeInverseFrequencies(c->rope, factors);
  ASSERT_EQ(ours.size(), hf.size());
  for (size_t i = 0; i < hf.size(); ++i) {
    EXPECT_NEAR(ours[i], hf[i], 1e-6f * hf[i]) << i;
    EXPECT_NEAR(from_factors[i], hf[i], 1e-6f * hf[i]) << i;
  }
}

TEST(ModelConfigTest, ReadsGgufHyperParameters) {
  SEXTANT_TESTDATA_OR_SKIP(path, "models/tiny-qwen2/tiny-qwen2-Q8_0.gguf");
  auto gguf = GgufFile::Open(path);
  ASSERT_TRUE(gguf.ok());
  auto c = ModelConfigFromGguf(**gguf);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->arch, Arch::kQwen2);
  EXPECT_TRUE(c->tied_embeddings);
  EXPECT_TRUE(c->qkv_bias);
  EXPECT_EQ(c->n_vocab, 1024);
  EXPECT_EQ(c->rope.layout, kernels::cpu::RopeLayout::kSplitHalf);

  SEXTANT_TESTDATA_OR_SKIP(llama, "models/tiny-llama/tiny-llama-F16.gguf");
  gguf = GgufFile::Open(llama);
  ASSERT_TRUE(gguf.ok());
  c = ModelConfigFromGguf(**gguf);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rope.layout, kernels::cpu::RopeLayout::kInterleaved);
  EXPECT_FALSE(c->tied_embeddings);
}

TEST(ModelConfigTest, VocabOnlyGgufIsNotAModel) {
  SEXTANT_TESTDATA_OR_SKIP(path, "tokenizer/llama.cpp/ggml-vocab-gpt-2.gguf");
  auto gguf = GgufFile::Open(path);
  ASSERT_TRUE(gguf.ok());
  auto c = ModelConfigFromGguf(**gguf);
  EXPECT_FALSE(c.ok());
}

}  // namespace
}  // namespace sextant::llm
