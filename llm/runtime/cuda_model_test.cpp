// The CUDA forward pass against transformers' reference logits and against
// the CPU forward pass, for every tiny test model and file variant; batched
// decode against one-sequence decode; memory-plan and argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "kernels/cuda/cuda_ops.h"
#include "llm/runtime/cuda_model.h"
#include "llm/runtime/model.h"
#include "llm/runtime/reference_test_util.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;

// The KV cache is bf16 (8 significant bits), so logits move by a few tenths
// of a percent of the largest logit; F32 files are also rounded to F16.
constexpr float kRelativeTolerance = 1e-2f;

using testing::Case;
using testing::CaseName;
using testing::Ids;

int32_t Argmax(const float* logits, int64_t n) {
  return static_cast<int32_t>(std::max_element(logits, logits + n) - logits);
}

float MaxAbs(const Json& values) {
  float m = 0;
  for (const auto& v : values) m = std::max(m, std::abs(v.get<float>()));
  return m;
}

// Int8 activations (the int8 GEMV and GEMM) round each value to 1/254 of
// its block of 32's largest; through the layers of these random-weight
// models that moves logits by up to about 4% of the largest (bench/llm_gpu/NOTES.md §7).
constexpr float kInt8RelativeTolerance = 4e-2f;

// Checks every position's top-5 logits and the last row against transformers,
// within `relative` of the largest reference logit.
void ExpectReferenceLogits(CudaModel& gpu, const Json& ref, const Json& variant, int64_t n_vocab,
                           float relative = kRelativeTolerance) {
  for (const auto& pp : variant["per_prompt"]) {
    const int index = pp["prompt_index"].get<int>();
    const auto prompt = Ids(ref["prompts"][index]["ids"]);
    std::vector<float> logits;
    ASSERT_TRUE(gpu.Forward(prompt, 0, 0, LogitsMode::kAll, &logits).ok());
    for (size_t pos = 0; pos < prompt.size(); ++pos) {
      const float* row = &logits[pos * n_vocab];
      const Json& want = pp["top5_logits"][pos];
      const float tol = relative * MaxAbs(want);
      const auto ids = Ids(pp["top5_ids"][pos]);
      for (size_t i = 0; i < ids.size(); ++i) {
        EXPECT_NEAR(row[ids[i]], want[i].get<float>(), tol)
            << "prompt " << index << " position " << pos << " top-" << i + 1;
      }
      // Our pick is the reference's, or within the tolerance of it.
      const int32_t pick = Argmax(row, n_vocab);
      EXPECT_GE(row[ids[0]], row[pick] - tol) << "prompt " << index << " position " << pos;
    }
    const Json& last = pp["last_logits"];
    const float tol = relative * MaxAbs(last);
    const float* row = &logits[(prompt.size() - 1) * n_vocab];
    float worst = 0;
    for (int64_t i = 0; i < n_vocab; ++i)
      worst = std::max(worst, std::abs(row[i] - last[i].get<float>()));
    EXPECT_LE(worst, tol) << "prompt " << index << " last logits";
  }
}

class CudaModelTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (kernels::cuda::DeviceCount() == 0) GTEST_SKIP() << "no CUDA device";
    SEXTANT_TESTDATA_OR_SKIP(dir, fs::path("models") / GetParam().model);
    ref_ = testing::ReadReferenceJson(dir / "reference.json");
    auto it = ref_["variants"].find(GetParam().variant);
    if (it == ref_["variants"].end()) GTEST_SKIP() << "variant absent from reference.json";
    variant_ = *it;
    const fs::path weights = dir / variant_["weights_file"].get<std::string>();
    if (!fs::exists(weights)) GTEST_SKIP() << weights << " is absent";
    LoadOptions options;
    options.threads = 4;
    options.device = Device::kCpu;  // the CPU pass is a reference; the GPU model is built below
    model_path_ = weights.extension() == ".gguf" ? weights : dir;
    auto model = Model::Load(model_path_, options);
    ASSERT_TRUE(model.ok()) << model.status().message();
    model_ = std::move(*model);
    CudaModelOptions cuda_options;
    cuda_options.n_ctx = model_->context();
    cuda_options.n_slots = 4;
    cuda_options.n_batch = 64;
    // The float32-activation paths; the int8 ones have their own tests.
    cuda_options.int8_gemv = false;
    cuda_options.int8_gemm = false;
    auto gpu = CudaModel::Create(model_->config(), model_->weights(), cuda_options);
    ASSERT_TRUE(gpu.ok()) << gpu.status().message();
    gpu_ = std::move(*gpu);
  }

  // Feeds the prompt, then the reference's greedy tokens one step at a time.
  // Each step's pick must be the reference's, or a near-tie: the reference's
  // token within the tolerance of our best (bf16 keys and values can swap
  // two logits that close). Returns how many picks were exact.
  int TeacherForcedGreedy(const std::vector<int32_t>& prompt, const std::vector<int32_t>& want,
                          const std::string& where) {
    std::vector<float> logits;
    EXPECT_TRUE(gpu_->Forward(prompt, 0, 0, LogitsMode::kLast, &logits).ok());
    const int64_t n_vocab = model_->config().n_vocab;
    auto pos = static_cast<int64_t>(prompt.size());
    int exact = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const int32_t pick = Argmax(logits.data(), n_vocab);
      float max_abs = 0;
      for (float v : logits) max_abs = std::max(max_abs, std::abs(v));
      exact += pick == want[i] ? 1 : 0;
      EXPECT_GE(logits[want[i]], logits[pick] - tie_tolerance_ * max_abs)
          << where << " step " << i << ": picked " << pick << ", reference " << want[i];
      EXPECT_TRUE(gpu_->Forward({&want[i], 1}, 0, pos++, LogitsMode::kLast, &logits).ok());
    }
    return exact;
  }

  float tie_tolerance_ = kRelativeTolerance;
  fs::path model_path_;
  Json ref_;
  Json variant_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<CudaModel> gpu_;
};

TEST_P(CudaModelTest, LogitsMatchReferenceAtEveryPosition) {
  ExpectReferenceLogits(*gpu_, ref_, variant_, model_->config().n_vocab);
}

// The same through the tensor-core GEMM for every prompt of two tokens or
// more (bf16 activations in the matrix products).
TEST_P(CudaModelTest, GemmPrefillLogitsMatchReference) {
  CudaModelOptions options;
  options.n_ctx = model_->context();
  options.n_batch = 64;
  options.gemm_min_tokens = 2;
  options.int8_gemv = false;
  options.int8_gemm = false;
  auto gpu = CudaModel::Create(model_->config(), model_->weights(), options);
  ASSERT_TRUE(gpu.ok()) << gpu.status().message();
  ExpectReferenceLogits(**gpu, ref_, variant_, model_->config().n_vocab);
}

// The int8 GEMV (decode, and prompts under 32 tokens: prompt 5 has 18).
TEST_P(CudaModelTest, Int8GemvLogitsMatchReference) {
  CudaModelOptions options;
  options.n_ctx = model_->context();
  options.n_batch = 64;
  options.int8_gemv = true;
  options.int8_gemm = false;
  auto gpu = CudaModel::Create(model_->config(), model_->weights(), options);
  ASSERT_TRUE(gpu.ok()) << gpu.status().message();
  ExpectReferenceLogits(**gpu, ref_, variant_, model_->config().n_vocab, kInt8RelativeTolerance);
}

// Prompts of 18 to 112 tokens (chunks of up to 64) through the int8
// tensor-core GEMM.
TEST_P(CudaModelTest, Int8GemmLogitsMatchReference) {
  CudaModelOptions options;
  options.n_ctx = model_->context();
  options.n_batch = 64;
  options.int8_gemv = true;
  options.int8_gemm = true;
  options.int8_gemm_max_tokens = 64;
  auto gpu = CudaModel::Create(model_->config(), model_->weights(), options);
  ASSERT_TRUE(gpu.ok()) << gpu.status().message();
  ExpectReferenceLogits(**gpu, ref_, variant_, model_->config().n_vocab, kInt8RelativeTolerance);
}

TEST_P(CudaModelTest, LongContextPastOriginalRopeWindow) {
  const Json& lc = ref_["long_context"];
  if (lc.is_null() || !lc["variants"].contains(GetParam().variant)) {
    GTEST_SKIP() << "no long-context reference for this model";
  }
  const Json& v = lc["variants"][GetParam().variant];
  const auto prompt = Ids(lc["ids"]);
  std::vector<float> logits;
  ASSERT_TRUE(gpu_->Forward(prompt, 0, 0, LogitsMode::kLast, &logits).ok());
  const float tol = kRelativeTolerance * MaxAbs(v["last_logits"]);
  float worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    worst = std::max(worst, std::abs(logits[i] - v["last_logits"][i].get<float>()));
  }
  EXPECT_LE(worst, tol) << prompt.size() << "-token prompt";
  const int exact = TeacherForcedGreedy(prompt, Ids(v["greedy"]["tokens"]), "long context");
  EXPECT_GE(exact, 15);
}

TEST_P(CudaModelTest, GreedyContinuationsMatchUpToNearTies) {
  int exact = 0;
  int total = 0;
  for (const auto& pp : variant_["per_prompt"]) {
    const int index = pp["prompt_index"].get<int>();
    const auto prompt = Ids(ref_["prompts"][index]["ids"]);
    const auto want = Ids(pp["greedy"]["tokens"]);
    exact += TeacherForcedGreedy(prompt, want, "prompt " + std::to_string(index));
    total += static_cast<int>(want.size());
  }
  // Near-ties are rare: nearly every pick is exact.
  EXPECT_GE(exact, total - total / 50) << exact << " of " << total << " picks exact";
  std::printf("greedy picks exact: %d of %d\n", exact, total);
}

// Greedy decoding with the default options (int8 activations for the
// quantized types): every pick is the reference's or within the int8
// tolerance of it, and nearly all are exact.
TEST_P(CudaModelTest, DefaultOptionsGreedyContinuationsMostlyMatch) {
  CudaModelOptions options;
  options.n_ctx = model_->context();
  options.n_batch = 64;
  auto gpu = CudaModel::Create(model_->config(), model_->weights(), options);
  ASSERT_TRUE(gpu.ok()) << gpu.status().message();
  gpu_ = std::move(*gpu);
  tie_tolerance_ = kInt8RelativeTolerance;
  int exact = 0;
  int total = 0;
  for (const auto& pp : variant_["per_prompt"]) {
    const int index = pp["prompt_index"].get<int>();
    const auto want = Ids(pp["greedy"]["tokens"]);
    exact += TeacherForcedGreedy(Ids(ref_["prompts"][index]["ids"]), want,
                                 "prompt " + std::to_string(index));
    total += static_cast<int>(want.size());
  }
  EXPECT_GE(exact, total - total / 10) << exact << " of " << total << " picks exact";
  std::printf("default options: greedy picks exact: %d of %d\n", exact, total);
}

TEST_P(CudaModelTest, AgreesWithTheCpuForwardPass) {
  const auto prompt = Ids(ref_["prompts"][0]["ids"]);
  std::vector<float> gpu_logits;
  ASSERT_TRUE(gpu_->Forward(prompt, 1, 0, LogitsMode::kAll, &gpu_logits).ok());
  auto cache = model_->NewCache();
  std::vector<float> cpu_logits;
  ASSERT_TRUE(model_->cpu().Forward(prompt, *cache, LogitsMode::kAll, &cpu_logits).ok());
  double diff = 0;
  double norm = 0;
  for (size_t i = 0; i < cpu_logits.size(); ++i) {
    ASSERT_FALSE(std::isnan(gpu_logits[i])) << i;
    diff += (gpu_logits[i] - cpu_logits[i]) * static_cast<double>(gpu_logits[i] - cpu_logits[i]);
    norm += cpu_logits[i] * static_cast<double>(cpu_logits[i]);
  }
  EXPECT_LT(std::sqrt(diff / norm), kRelativeTolerance);
}

TEST_P(CudaModelTest, BatchedDecodeMatchesOneSequenceAtATime) {
  const int64_t n_vocab = model_->config().n_vocab;
  const int n_prompts = std::min<int>(3, static_cast<int>(ref_["prompts"].size()));
  std::vector<int32_t> next(n_prompts);
  std::vector<int32_t> slots(n_prompts);
  std::vector<int32_t> positions(n_prompts);
  std::vector<std::vector<float>> single(n_prompts);
  for (int p = 0; p < n_prompts; ++p) {
    const auto prompt = Ids(ref_["prompts"][p]["ids"]);
    std::vector<float> logits;
    ASSERT_TRUE(gpu_->Forward(prompt, p, 0, LogitsMode::kLast, &logits).ok());
    next[p] = Argmax(logits.data(), n_vocab);
    slots[p] = p;
    positions[p] = static_cast<int32_t>(prompt.size());
    // The same step alone, in a spare slot holding the same prompt.
    ASSERT_TRUE(gpu_->Forward(prompt, 3, 0, LogitsMode::kLast, &logits).ok());
    ASSERT_TRUE(gpu_->Forward({&next[p], 1}, 3, positions[p], LogitsMode::kLast, &single[p]).ok());
  }
  std::vector<float> batched;
  std::vector<int32_t> ids;
  ASSERT_TRUE(gpu_->Decode(next, slots, positions, &batched).ok());
  ASSERT_TRUE(gpu_->Decode(next, slots, positions, nullptr, &ids).ok());  // rewrites the same KV
  for (int p = 0; p < n_prompts; ++p) {
    for (int64_t i = 0; i < n_vocab; ++i) {
      ASSERT_NEAR(batched[p * n_vocab + i], single[p][i], 1e-4f * (1 + std::abs(single[p][i])))
          << "sequence " << p << " token " << i;
    }
    EXPECT_EQ(ids[p], Argmax(&batched[p * n_vocab], n_vocab)) << "sequence " << p;
  }
}

TEST_P(CudaModelTest, GraphReplayGivesTheSameLogitsAsDirectLaunches) {
  const auto prompt = Ids(ref_["prompts"][0]["ids"]);
  const int64_t n_vocab = model_->config().n_vocab;
  std::vector<std::vector<float>> runs[2];
  for (int graphs = 0; graphs < 2; ++graphs) {
    gpu_->SetCudaGraphs(graphs == 1);
    std::vector<float> logits;
    ASSERT_TRUE(gpu_->Forward(prompt, 2, 0, LogitsMode::kLast, &logits).ok());
    auto pos = static_cast<int64_t>(prompt.size());
    for (int step = 0; step < 4; ++step) {
      const int32_t next = Argmax(logits.data(), n_vocab);
      ASSERT_TRUE(gpu_->Forward({&next, 1}, 2, pos++, LogitsMode::kLast, &logits).ok());
      runs[graphs].push_back(logits);
    }
  }
  for (size_t step = 0; step < runs[0].size(); ++step) {
    EXPECT_EQ(runs[0][step], runs[1][step]) << "step " << step;
  }
}

// Programmatic dependent launch changes when kernels start, not what they
// compute: prefill, decode steps (graphs) and a batched step, bit for bit,
// with float and with int8 activations.
TEST_P(CudaModelTest, DependentLaunchGivesTheSameLogits) {
  const auto prompt = Ids(ref_["prompts"][0]["ids"]);
  const int64_t n_vocab = model_->config().n_vocab;
  for (const bool int8 : {false, true}) {
    gpu_->SetInt8Gemv(int8);
    gpu_->SetInt8Gemm(int8);
    std::vector<std::vector<float>> runs[2];
    for (int on = 0; on < 2; ++on) {
      gpu_->SetDependentLaunch(on == 1);
      std::vector<float> logits;
      ASSERT_TRUE(gpu_->Forward(prompt, 2, 0, LogitsMode::kAll, &logits).ok());
      runs[on].push_back(logits);
      auto pos = static_cast<int64_t>(prompt.size());
      for (int step = 0; step < 3; ++step) {
        const int32_t next = Argmax(logits.data() + logits.size() - n_vocab, n_vocab);
        ASSERT_TRUE(gpu_->Forward({&next, 1}, 2, pos++, LogitsMode::kLast, &logits).ok());
        runs[on].push_back(logits);
      }
      const std::vector<int32_t> tokens = {1, 2, 3};
      const std::vector<int32_t> slots = {0, 1, 2};
      const std::vector<int32_t> positions = {0, 0, static_cast<int32_t>(pos)};
      ASSERT_TRUE(gpu_->Decode(tokens, slots, positions, &logits).ok());
      runs[on].push_back(logits);
    }
    ASSERT_EQ(runs[0].size(), runs[1].size());
    for (size_t i = 0; i < runs[0].size(); ++i) {
      EXPECT_EQ(runs[0][i], runs[1][i]) << "run " << i << (int8 ? " int8" : " float");
    }
  }
  gpu_->SetInt8Gemv(false);  // as the fixture made it
  gpu_->SetInt8Gemm(false);
  gpu_->SetDependentLaunch(true);
}

TEST_P(CudaModelTest, BadArgumentsAreClearErrors) {
  std::vector<float> logits;
  const int32_t token = 1;
  EXPECT_EQ(gpu_->Forward({&token, 1}, 4, 0, LogitsMode::kLast, &logits).code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(gpu_->Forward({&token, 1}, 0, model_->context(), LogitsMode::kLast, &logits).code(),
            StatusCode::kOutOfRange);
  const int32_t bad = static_cast<int32_t>(model_->config().n_vocab);
  EXPECT_EQ(gpu_->Forward({&bad, 1}, 0, 0, LogitsMode::kLast, &logits).code(),
            StatusCode::kInvalidArgument);
  const std::vector<int32_t> one = {1};
  const std::vector<int32_t> two = {0, 1};
  EXPECT_EQ(gpu_->Decode(one, two, one, &logits).code(), StatusCode::kInvalidArgument);
}

TEST_P(CudaModelTest, ModelThatDoesNotFitIsRefusedBeforeAllocating) {
  CudaModelOptions huge;
  huge.n_ctx = model_->context();
  huge.n_slots = 1 << 20;  // terabytes of KV cache
  bool planned = false;
  auto gpu = CudaModel::Create(model_->config(), model_->weights(), huge,
                               [&](const CudaMemoryPlan&) { planned = true; });
  ASSERT_FALSE(gpu.ok());
  EXPECT_TRUE(planned);
  EXPECT_EQ(gpu.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(gpu.status().message().find("does not fit the GPU"), std::string::npos)
      << gpu.status().message();
}

TEST_P(CudaModelTest, ModelOnCudaLeasesOneSlotPerCache) {
  LoadOptions options;
  options.device = Device::kCuda;
  options.gpu_slots = 1;
  std::string plan;
  options.on_device_plan = [&](const std::string& text) { plan = text; };
  auto model = Model::Load(model_path_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->device(), Device::kCuda);
  EXPECT_NE(plan.find("GPU: weights"), std::string::npos) << plan;
  const auto prompt = Ids(ref_["prompts"][0]["ids"]);
  std::vector<float> gpu_logits;
  auto first = (*model)->NewCache();
  ASSERT_TRUE((*model)->Forward(prompt, *first, LogitsMode::kLast, &gpu_logits).ok());
  EXPECT_EQ(first->n_past(), static_cast<int64_t>(prompt.size()));
  std::vector<float> logits;
  auto second = (*model)->NewCache();
  EXPECT_EQ((*model)->Forward(prompt, *second, LogitsMode::kLast, &logits).code(),
            StatusCode::kResourceExhausted);
  first.reset();
  auto third = (*model)->NewCache();
  ASSERT_TRUE((*model)->Forward(prompt, *third, LogitsMode::kLast, &logits).ok());
  EXPECT_EQ(logits, gpu_logits);
  // The CPU pass refuses a GPU cache rather than writing through it.
  EXPECT_EQ((*model)->cpu().Forward(prompt, *third, LogitsMode::kLast, &logits).code(),
            StatusCode::kFailedPrecondition);
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
    {"tiny-qwen3", "safetensors-bf16"}, {"tiny-qwen3", "gguf-Q8_0"},
};

INSTANTIATE_TEST_SUITE_P(AllModels, CudaModelTest, ::testing::ValuesIn(kCases), CaseName);

}  // namespace
}  // namespace sextant::llm
