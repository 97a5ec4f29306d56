// Loading checks every tensor against the config: a file whose tensors do
// not fit its metadata gives a clear error naming the tensor, never a crash.
#include "llm/runtime/weights.h"

#include <gtest/gtest.h>

#include <string>

#include "common/testing/testdata.h"
#include "llm/runtime/model.h"
#include "llm/runtime/synth.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;

class WeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SynthOptions o;
    o.shape = R"({"vocab": 300, "embd": 256, "layers": 2, "heads": 4, "kv_heads": 2, "ff": 512})";
    o.type = "q8_0";
    ASSERT_TRUE(SynthesizeModel(o, dir_.path() / "good.gguf").ok());
    bytes_ = ::sextant::testing::ReadFile(dir_.path() / "good.gguf");
  }

  // Writes the model with `from` replaced by `to` (same length) once.
  fs::path Patched(const std::string& from, const std::string& to) {
    std::string b = bytes_;
    const size_t at = b.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    EXPECT_EQ(from.size(), to.size());
    if (at != std::string::npos) b.replace(at, from.size(), to);
    const fs::path p = dir_.path() / "patched.gguf";
    ::sextant::testing::WriteFile(p, b);
    return p;
  }

  // The u32 value that follows a metadata key (after its 4-byte type).
  fs::path WithU32(const std::string& key, uint32_t value) {
    std::string encoded(4, '\0');
    for (int i = 0; i < 4; ++i) encoded[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    const size_t at = bytes_.find(key);
    EXPECT_NE(at, std::string::npos);
    std::string b = bytes_;
    b.replace(at + key.size() + 4, 4, encoded);
    const fs::path p = dir_.path() / "patched.gguf";
    ::sextant::testing::WriteFile(p, b);
    return p;
  }

  static Status LoadStatus(const fs::path& p, LoadOptions options = {}) {
    options.threads = 1;
    auto m = Model::Load(p, options);
    return m.ok() ? Status::Ok() : m.status();
  }

  ::sextant::testing::TempDir dir_;
  std::string bytes_;
};

TEST_F(WeightsTest, GoodFileLoads) { EXPECT_TRUE(LoadStatus(dir_.path() / "good.gguf").ok()); }

TEST_F(WeightsTest, MissingTensorIsNamed) {
  const Status s = LoadStatus(Patched("blk.1.ffn_up.weight", "blk.1.ffn_up.weighX"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("'blk.1.ffn_up.weight'"), std::string::npos) << s.message();
}

TEST_F(WeightsTest, ShapeThatContradictsTheMetadataIsNamed) {
  const Status s = LoadStatus(WithU32("llama.feed_forward_length", 768));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("blk.0.ffn_gate.weight' has shape [512, 256], expected [768, 256]"),
            std::string::npos)
      << s.message();
}

TEST_F(WeightsTest, InconsistentHeadsAreRejected) {
  const Status s = LoadStatus(WithU32("llama.attention.head_count_kv", 3));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("multiple of head_count_kv 3"), std::string::npos) << s.message();
}

TEST_F(WeightsTest, UnknownArchitectureIsUnimplemented) {
  std::string b = bytes_;
  const std::string key = "general.architecture";
  const size_t at = b.find(key);
  ASSERT_NE(at, std::string::npos);
  // key, type (4), length (8), then "llama".
  b.replace(at + key.size() + 12, 5, "gpt99");
  ::sextant::testing::WriteFile(dir_.path() / "arch.gguf", b);
  const Status arch = LoadStatus(dir_.path() / "arch.gguf");
  EXPECT_EQ(arch.code(), StatusCode::kUnimplemented);
  EXPECT_NE(arch.message().find("'gpt99'"), std::string::npos) << arch.message();
}

TEST_F(WeightsTest, MemoryLimitAndContextLimitAreEnforced) {
  LoadOptions small;
  small.max_memory_bytes = 1024;
  const Status s = LoadStatus(dir_.path() / "good.gguf", small);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("over the limit of 1.0 KiB"), std::string::npos) << s.message();
  LoadOptions ctx;
  ctx.context = 4097;  // the synthesized model's context is 4096
  EXPECT_EQ(LoadStatus(dir_.path() / "good.gguf", ctx).code(), StatusCode::kInvalidArgument);
  ctx.context = -1;
  EXPECT_EQ(LoadStatus(dir_.path() / "good.gguf", ctx).code(), StatusCode::kInvalidArgument);
}

TEST_F(WeightsTest, EstimateIsReportedBeforeLoading) {
  MemoryEstimate seen;
  LoadOptions options;
  options.context = 128;
  auto m =
      Model::Load(dir_.path() / "good.gguf", options, [&](const MemoryEstimate& e) { seen = e; });
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(seen.context, 128);
  EXPECT_EQ(seen.kv_cache_bytes, 2 * 2 * 128 * 128 * 4);  // k and v, layers, positions, kv_dim, f32
  EXPECT_GT(seen.weight_bytes, 0);
  EXPECT_NE(seen.ToString().find("128 positions"), std::string::npos);
}

}  // namespace
}  // namespace sextant::llm
