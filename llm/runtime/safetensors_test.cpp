#include "llm/runtime/safetensors.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <string>

#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/readers_test_util.h"
#include "llm/runtime/reference_test_util.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;
using namespace ::sextant::llm::testing;  // NOLINT(google-build-using-namespace)
using ::sextant::testing::Contains;
using ::sextant::testing::TempDir;
using ::sextant::testing::WriteFile;

using ::sextant::llm::testing::ReadReferenceJson;
using ::sextant::testing::ReadFile;

std::string Bytes(const SafetensorsTensor& t) {
  return {reinterpret_cast<const char*>(t.data), static_cast<size_t>(t.n_bytes)};
}

TEST(SafetensorsModelTest, TinyModelsMatchReference) {
  SEXTANT_TESTDATA_OR_SKIP(models, "models");
  for (const char* name : {"tiny-llama", "tiny-qwen2"}) {
    SCOPED_TRACE(name);
    const fs::path dir = models / name;
    const Json ref = ReadReferenceJson(dir / "reference.json");
    auto model = SafetensorsModel::Open(dir);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ((*model)->dir(), dir);
    const Json& config = (*model)->config();
    EXPECT_EQ(config.at("num_hidden_layers"), ref.at("config").at("num_hidden_layers"));
    EXPECT_EQ(config.at("hidden_size"), ref.at("config").at("hidden_size"));

    int64_t params = 0;
    int64_t bytes = 0;
    for (const SafetensorsTensor* t : (*model)->tensors()) {
      EXPECT_TRUE(t->supported) << t->name << " " << t->dtype_name;
      EXPECT_EQ((*model)->Find(t->name), t);
      params += t->n_elements;
      bytes += t->n_bytes;
    }
    EXPECT_EQ(params, ref.at("n_params").get<int64_t>());
    // The tensors fill the whole data section.
    auto file = SafetensorsFile::Open(dir / "model.safetensors");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    const SafetensorsTensor& last = (*file)->tensors().back();
    const auto* first = (*file)->tensors().front().data;
    EXPECT_EQ(last.data + last.n_bytes - first, bytes);
    const std::string raw = ReadFile(dir / "model.safetensors");
    uint64_t header_size = 0;
    std::memcpy(&header_size, raw.data(), sizeof(header_size));
    EXPECT_EQ(raw.size(), sizeof(header_size) + header_size + static_cast<uint64_t>(bytes));
  }
}

// The F32 GGUF holds 1-D tensors converted exactly from the bf16 safetensors.
TEST(SafetensorsModelTest, NormWeightsEqualTheF32Gguf) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
  const Json ref = ReadReferenceJson(dir / "reference.json");
  auto model = SafetensorsModel::Open(dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto gguf = GgufFile::Open(dir / ref["variants"]["gguf-F32"]["gguf"]["file"].get<std::string>());
  ASSERT_TRUE(gguf.ok()) << gguf.status().ToString();
  const SafetensorsTensor* st = (*model)->Find("model.norm.weight");
  const GgufTensorInfo* gg = (*gguf)->FindTensor("output_norm.weight");
  ASSERT_NE(st, nullptr);
  ASSERT_NE(gg, nullptr);
  ASSERT_EQ(st->dtype, kernels::DType::kBF16);
  ASSERT_EQ(st->n_elements, gg->n_elements);
  for (int64_t i = 0; i < st->n_elements; ++i) {
    uint16_t bf16 = 0;
    float f32 = 0;
    std::memcpy(&bf16, st->data + 2 * i, sizeof(bf16));
    std::memcpy(&f32, gg->data + 4 * i, sizeof(f32));
    ASSERT_EQ(std::bit_cast<float>(static_cast<uint32_t>(bf16) << 16), f32) << i;
  }
}

// Splits a real model into two shards with an index and opens it back.
TEST(SafetensorsModelTest, ShardedModel) {
  SEXTANT_TESTDATA_OR_SKIP(src, "models/tiny-llama");
  auto whole = SafetensorsFile::Open(src / "model.safetensors");
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  TempDir dir;
  WriteFile(dir.path() / "config.json", ReadFile(src / "config.json"));
  std::vector<StTensor> shards[2];
  Json weight_map = Json::object();
  const std::string names[2] = {"model-00001-of-00002.safetensors",
                                "model-00002-of-00002.safetensors"};
  size_t i = 0;
  for (const SafetensorsTensor& t : (*whole)->tensors()) {
    const size_t s = i++ % 2;
    shards[s].push_back({t.name, t.dtype_name, t.shape, Bytes(t)});
    weight_map[t.name] = names[s];
  }
  for (size_t s = 0; s < 2; ++s) WriteFile(dir.path() / names[s], BuildSafetensors(shards[s]));
  WriteFile(dir.path() / "model.safetensors.index.json",
            DumpJson({{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}));

  auto model = SafetensorsModel::Open(dir.path());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config(), ReadReferenceJson(src / "config.json"));
  ASSERT_EQ((*model)->tensors().size(), (*whole)->tensors().size());
  for (const SafetensorsTensor& t : (*whole)->tensors()) {
    const SafetensorsTensor* got = (*model)->Find(t.name);
    ASSERT_NE(got, nullptr) << t.name;
    EXPECT_EQ(got->shape, t.shape);
    EXPECT_EQ(Bytes(*got), Bytes(t)) << t.name;
  }

  SafetensorsLimits limits;
  limits.max_shards = 2;
  EXPECT_TRUE(SafetensorsModel::Open(dir.path(), limits).ok());
  limits.max_shards = 1;
  EXPECT_EQ(SafetensorsModel::Open(dir.path(), limits).status().code(),
            StatusCode::kResourceExhausted);
}

// A model folder for the error cases: config.json and two tiny shards.
class ModelFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.path() / "config.json", R"({"hidden_size": 4})");
    WriteFile(dir_.path() / "a.safetensors",
              BuildSafetensors({{"x", "F32", {1}, std::string(4, 'x')}}));
    WriteFile(dir_.path() / "b.safetensors",
              BuildSafetensors({{"y", "F32", {1}, std::string(4, 'y')}}));
  }
  void WriteIndex(const Json& weight_map) {
    WriteFile(dir_.path() / "model.safetensors.index.json", DumpJson({{"weight_map", weight_map}}));
  }
  Status Open() { return SafetensorsModel::Open(dir_.path()).status(); }
  void Expect(StatusCode code, std::string_view part) {
    const Status s = Open();
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), part)) << s.message() << " lacks " << part;
  }

  TempDir dir_;
};

TEST_F(ModelFolderTest, IndexWithTwoShardsOpens) {
  WriteIndex({{"x", "a.safetensors"}, {"y", "b.safetensors"}});
  auto model = SafetensorsModel::Open(dir_.path());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->tensors().size(), 2u);
  EXPECT_EQ((*model)->Find("y")->data[0], 'y');
  EXPECT_EQ((*model)->Find("z"), nullptr);
}

TEST_F(ModelFolderTest, NoWeights) { Expect(StatusCode::kNotFound, "neither model.safetensors"); }

TEST_F(ModelFolderTest, ConfigMissingOrBad) {
  std::filesystem::remove(dir_.path() / "config.json");
  Expect(StatusCode::kNotFound, "config.json");
  WriteFile(dir_.path() / "config.json", "[1, 2]");
  Expect(StatusCode::kInvalidArgument, "config.json is not a JSON object");
  WriteFile(dir_.path() / "config.json", "{nope");
  Expect(StatusCode::kInvalidArgument, "invalid JSON");
}

TEST_F(ModelFolderTest, ShardNamesMustBePlainFileNames) {
  for (const char* bad :
       {"../a.safetensors", "/tmp/a.safetensors", "sub/a.safetensors", "..", ".", "", "a\\b"}) {
    WriteIndex({{"x", bad}});
    Expect(StatusCode::kInvalidArgument, "not a plain file name");
  }
}

TEST_F(ModelFolderTest, BadIndex) {
  WriteIndex(Json::array());
  Expect(StatusCode::kInvalidArgument, "weight_map");
  WriteIndex({{"x", 3}});
  Expect(StatusCode::kInvalidArgument, "weight_map entry 'x' is not a string");
  WriteFile(dir_.path() / "model.safetensors.index.json", "[]");
  Expect(StatusCode::kInvalidArgument, "weight_map");
}

TEST_F(ModelFolderTest, IndexNamesATensorItsShardLacks) {
  WriteIndex({{"x", "a.safetensors"}, {"y", "a.safetensors"}, {"z", "b.safetensors"}});
  Expect(StatusCode::kInvalidArgument, "maps tensor 'y' to shard 'a.safetensors'");
}

TEST_F(ModelFolderTest, TensorInTwoShards) {
  WriteFile(dir_.path() / "b.safetensors",
            BuildSafetensors({{"x", "F32", {1}, std::string(4, 'y')}}));
  WriteIndex({{"x", "a.safetensors"}, {"y", "b.safetensors"}});
  Expect(StatusCode::kInvalidArgument, "appears in both");
}

TEST_F(ModelFolderTest, MissingShard) {
  WriteIndex({{"x", "a.safetensors"}, {"y", "c.safetensors"}});
  Expect(StatusCode::kNotFound, "c.safetensors");
}

TEST_F(ModelFolderTest, BadShardNamesItsFile) {
  WriteFile(dir_.path() / "b.safetensors", "garbage");
  WriteIndex({{"x", "a.safetensors"}, {"y", "b.safetensors"}});
  Expect(StatusCode::kDataLoss, "b.safetensors");
}

}  // namespace
}  // namespace sextant::llm
