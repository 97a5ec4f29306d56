// Checks the CPU forward pass against transformers' float32 reference
// outputs for every tiny test model and every file variant of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/runtime/model.h"
#include "llm/runtime/reference_test_util.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;

// Logits must agree within this fraction of the largest reference logit.
constexpr float kRelativeTolerance = 1e-4f;

using testing::Case;
using testing::CaseName;
using testing::Ids;

using testing::ReadReferenceJson;

std::vector<int32_t> TopK(const float* logits, int64_t n, int k) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>(i);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  ids.resize(static_cast<size_t>(k));
  return ids;
}

int32_t Argmax(const std::vector<float>& logits) {
  return TopK(logits.data(), static_cast<int64_t>(logits.size()), 1)[0];
}

class ModelReferenceTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    SEXTANT_TESTDATA_OR_SKIP(dir, fs::path("models") / GetParam().model);
    dir_ = dir;
    ref_ = ReadReferenceJson(dir_ / "reference.json");
    auto it = ref_["variants"].find(GetParam().variant);
    if (it == ref_["variants"].end()) GTEST_SKIP() << "variant absent from reference.json";
    variant_ = *it;
    const fs::path weights = dir_ / variant_["weights_file"].get<std::string>();
    model_path_ = weights.extension() == ".gguf" ? weights : dir_;
    LoadOptions options;
    options.threads = 2;
    options.device = Device::kCpu;  // these tests check the CPU pass
    auto model = Model::Load(model_path_, options);
    ASSERT_TRUE(model.ok()) << model.status().message();
    model_ = std::move(*model);
  }

  // Greedy continuation with the KV cache, one token per forward step.
  std::vector<int32_t> Greedy(const std::vector<int32_t>& prompt, int n) {
    auto cache = model_->NewCache();
    std::vector<float> logits;
    std::vector<int32_t> out;
    Status s = model_->cpu().Forward(prompt, *cache, LogitsMode::kLast, &logits);
    for (int i = 0; i < n && s.ok(); ++i) {
      out.push_back(Argmax(logits));
      const int32_t next = out.back();
      s = model_->cpu().Forward({&next, 1}, *cache, LogitsMode::kLast, &logits);
    }
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  void ExpectClose(const float* got, const Json& want, const std::string& where) {
    float max_ref = 0;
    for (const auto& v : want) max_ref = std::max(max_ref, std::abs(v.get<float>()));
    const float tol = kRelativeTolerance * max_ref;
    float worst = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const float d = std::abs(got[i] - want[i].get<float>());
      if (d > worst) {
        worst = d;
        worst_i = i;
      }
    }
    EXPECT_LE(worst, tol) << where << ": worst |diff| at index " << worst_i;
  }

  fs::path dir_;
  fs::path model_path_;
  Json ref_;
  Json variant_;
  std::unique_ptr<Model> model_;
};

TEST_P(ModelReferenceTest, TokenizerReproducesPromptIds) {
  for (const auto& prompt : ref_["prompts"]) {
    auto ids = model_->tokenizer().Encode(prompt["text"].get<std::string>());
    ASSERT_TRUE(ids.ok()) << ids.status().message();
    EXPECT_EQ(*ids, Ids(prompt["ids"])) << prompt["category"];
  }
}

TEST_P(ModelReferenceTest, LogitsAndTop5MatchAtEveryPosition) {
  const int64_t n_vocab = model_->config().n_vocab;
  for (const auto& pp : variant_["per_prompt"]) {
    const int index = pp["prompt_index"].get<int>();
    const auto prompt = Ids(ref_["prompts"][index]["ids"]);
    auto cache = model_->NewCache();
    std::vector<float> logits;
    ASSERT_TRUE(model_->cpu().Forward(prompt, *cache, LogitsMode::kAll, &logits).ok());
    for (size_t pos = 0; pos < prompt.size(); ++pos) {
      const float* row = &logits[pos * n_vocab];
      const std::string where =
          "prompt " + std::to_string(index) + " position " + std::to_string(pos);
      EXPECT_EQ(TopK(row, n_vocab, 5), Ids(pp["top5_ids"][pos])) << where;
      std::vector<float> top;
      for (const auto& id : pp["top5_ids"][pos]) top.push_back(row[id.get<int32_t>()]);
      ExpectClose(top.data(), pp["top5_logits"][pos], where + " top-5 logits");
    }
    ExpectClose(&logits[(prompt.size() - 1) * n_vocab], pp["last_logits"],
                "prompt " + std::to_string(index) + " last logits");
  }
}

TEST_P(ModelReferenceTest, GreedyContinuationsMatch) {
  for (const auto& pp : variant_["per_prompt"]) {
    const int index = pp["prompt_index"].get<int>();
    const auto prompt = Ids(ref_["prompts"][index]["ids"]);
    EXPECT_EQ(Greedy(prompt, 16), Ids(pp["greedy"]["tokens"])) << "prompt " << index;
  }
}

TEST_P(ModelReferenceTest, LongContextPastOriginalRopeWindow) {
  const Json& lc = ref_["long_context"];
  if (lc.is_null() || !lc["variants"].contains(GetParam().variant)) {
    GTEST_SKIP() << "no long-context reference for this model";
  }
  const Json& v = lc["variants"][GetParam().variant];
  const auto prompt = Ids(lc["ids"]);
  auto cache = model_->NewCache();
  std::vector<float> logits;
  ASSERT_TRUE(model_->cpu().Forward(prompt, *cache, LogitsMode::kLast, &logits).ok());
  ExpectClose(logits.data(), v["last_logits"], "long context last logits");
  EXPECT_EQ(Greedy(prompt, 16), Ids(v["greedy"]["tokens"]));
}

TEST_P(ModelReferenceTest, ContextOverflowIsAClearError) {
  LoadOptions options;
  options.context = 8;
  options.device = Device::kCpu;
  auto small = Model::Load(model_path_, options);
  ASSERT_TRUE(small.ok()) << small.status().message();
  auto cache = (*small)->NewCache();
  std::vector<int32_t> tokens(9, 1);
  std::vector<float> logits;
  const Status s = (*small)->cpu().Forward(tokens, *cache, LogitsMode::kLast, &logits);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_NE(s.message().find("context"), std::string::npos) << s.message();
}

constexpr Case kCases[] = {
    {"tiny-llama", "safetensors-bf16"}, {"tiny-llama", "gguf-F32"},
    {"tiny-llama", "gguf-F16"},         {"tiny-llama", "gguf-BF16"},
    {"tiny-llama", "gguf-Q8_0"},        {"tiny-llama", "gguf-Q4_0"},
    {"tiny-llama", "gguf-Q4_K"},        {"tiny-llama", "gguf-Q6_K"},
    {"tiny-qwen2", "safetensors-bf16"}, {"tiny-qwen2", "gguf-F32"},
    {"tiny-qwen2", "gguf-F16"},         {"tiny-qwen2", "gguf-BF16"},
    {"tiny-qwen2", "gguf-Q8_0"},        {"tiny-qwen2", "gguf-Q4_0"},
    {"tiny-qwen2", "gguf-Q4_K"},        {"tiny-qwen2", "gguf-Q6_K"},
    {"tiny-qwen3", "safetensors-bf16"}, {"tiny-qwen3", "gguf-F32"},
    {"tiny-qwen3", "gguf-F16"},         {"tiny-qwen3", "gguf-BF16"},
    {"tiny-qwen3", "gguf-Q8_0"},        {"tiny-qwen3", "gguf-Q4_0"},
    {"tiny-qwen3", "gguf-Q4_K"},        {"tiny-qwen3", "gguf-Q6_K"},
};

INSTANTIATE_TEST_SUITE_P(AllModels, ModelReferenceTest, ::testing::ValuesIn(kCases), CaseName);

}  // namespace
}  // namespace sextant::llm
