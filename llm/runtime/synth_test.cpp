// Synthesized models: every type and architecture writes a GGUF that the
// reader, loader and forward pass accept, with llama.cpp's K-quant fallbacks.
#include "llm/runtime/synth.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/model.h"

namespace sextant::llm {
namespace {

constexpr const char* kSmall =
    R"({"vocab": 300, "embd": 256, "layers": 2, "heads": 4, "kv_heads": 2, "ff": 512, "context": 64})";

void ExpectRuns(const std::filesystem::path& path) {
  LoadOptions options;
  options.threads = 2;
  options.device = Device::kCpu;
  auto model = Model::Load(path, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto cache = (*model)->NewCache();
  std::vector<float> logits;
  const std::vector<int32_t> tokens = {1, 2, 3, 4};
  ASSERT_TRUE((*model)->cpu().Forward(tokens, *cache, LogitsMode::kAll, &logits).ok());
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(SynthTest, EveryTypeAndArchitectureLoadsAndRuns) {
  sextant::testing::TempDir tmp;
  for (const char* arch_name : {"llama", "qwen2", "qwen3"}) {
    for (const char* type :
         {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q6_k", "q4_k_m"}) {
      SCOPED_TRACE(std::string(arch_name) + " " + type);
      SynthOptions o;
      o.arch = std::string(arch_name) == "llama"   ? Arch::kLlama
               : std::string(arch_name) == "qwen2" ? Arch::kQwen2
                                                   : Arch::kQwen3;
      o.shape = kSmall;
      o.type = type;
      const auto path = tmp.path() / (std::string(arch_name) + "-" + type + ".gguf");
      auto bytes = SynthesizeModel(o, path);
      ASSERT_TRUE(bytes.ok()) << bytes.status().message();
      ExpectRuns(path);
    }
  }
}

TEST(SynthTest, KQuantRowsNotMultipleOf256FallBackLikeLlamaCpp) {
  sextant::testing::TempDir tmp;
  SynthOptions o;
  o.arch = Arch::kQwen2;
  o.shape = R"({"vocab": 300, "embd": 384, "layers": 1, "heads": 6, "kv_heads": 2, "ff": 512})";
  o.type = "q4_k";
  ASSERT_TRUE(SynthesizeModel(o, tmp.path() / "a.gguf").ok());
  auto gguf = GgufFile::Open(tmp.path() / "a.gguf");
  ASSERT_TRUE(gguf.ok());
  EXPECT_EQ((*gguf)->FindTensor("blk.0.attn_q.weight")->type_name, "Q5_0");    // 384-wide rows
  EXPECT_EQ((*gguf)->FindTensor("blk.0.ffn_down.weight")->type_name, "Q4_K");  // 512-wide rows
  o.type = "q6_k";
  ASSERT_TRUE(SynthesizeModel(o, tmp.path() / "b.gguf").ok());
  gguf = GgufFile::Open(tmp.path() / "b.gguf");
  ASSERT_TRUE(gguf.ok());
  EXPECT_EQ((*gguf)->FindTensor("blk.0.attn_q.weight")->type_name, "Q8_0");
  ExpectRuns(tmp.path() / "b.gguf");
}

TEST(SynthTest, Q4KMMixesQ6KIntoOutputAndSomeLayers) {
  sextant::testing::TempDir tmp;
  SynthOptions o;
  o.shape = R"({"vocab": 300, "embd": 256, "layers": 8, "heads": 4, "ff": 256})";
  o.type = "q4_k_m";
  ASSERT_TRUE(SynthesizeModel(o, tmp.path() / "m.gguf").ok());
  auto gguf = GgufFile::Open(tmp.path() / "m.gguf");
  ASSERT_TRUE(gguf.ok());
  EXPECT_EQ((*gguf)->FindTensor("output.weight")->type_name, "Q6_K");
  EXPECT_EQ((*gguf)->FindTensor("blk.0.ffn_down.weight")->type_name, "Q6_K");
  EXPECT_EQ((*gguf)->FindTensor("blk.1.ffn_down.weight")->type_name, "Q4_K");
  EXPECT_EQ((*gguf)->FindTensor("blk.0.attn_q.weight")->type_name, "Q4_K");
}

TEST(SynthTest, PresetShapesAreRealAndBadInputIsRejected) {
  SynthOptions o;
  o.shape = "qwen2.5-0.5b";
  o.arch = Arch::kQwen2;
  auto c = SynthConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->n_embd, 896);
  EXPECT_EQ(c->n_vocab, 151936);
  EXPECT_TRUE(c->tied_embeddings);
  o.shape = "llama3-8b";
  c = SynthConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->n_layer, 32);
  o.shape = "{\"vocab\": 300}";
  EXPECT_EQ(SynthConfig(o).status().code(), StatusCode::kInvalidArgument);
  o.shape = "gpt-5";
  EXPECT_EQ(SynthConfig(o).status().code(), StatusCode::kInvalidArgument);
  o.shape = kSmall;
  o.type = "q3_k";
  sextant::testing::TempDir tmp;
  EXPECT_EQ(SynthesizeModel(o, tmp.path() / "x.gguf").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::llm
