#include "llm/runtime/gguf.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "kernels/dtype.h"
#include "llm/runtime/readers_test_util.h"
#include "llm/runtime/reference_test_util.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;
using namespace ::sextant::llm::testing;  // NOLINT(google-build-using-namespace)

using ::sextant::testing::ReadFile;

// Checks one GGUF file against its reference.json variant entry.
void CheckAgainstReference(const fs::path& dir, const Json& gguf_ref) {
  const fs::path path = dir / gguf_ref.at("file").get<std::string>();
  SCOPED_TRACE(path.string());
  auto file = GgufFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const GgufFile& f = **file;
  EXPECT_TRUE(f.version() == 2 || f.version() == 3);

  const Json& types = gguf_ref.at("tensor_types");
  ASSERT_EQ(f.tensors().size(), types.size());
  const auto* begin = reinterpret_cast<const uint8_t*>(f.tensors().front().data) -
                      f.tensors().front().offset;  // the data section
  for (const auto& [name, type] : types.items()) {
    const GgufTensorInfo* t = f.FindTensor(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->type_name, type.get<std::string>()) << name;
    ASSERT_TRUE(t->type.has_value()) << name;
    EXPECT_EQ(kernels::DTypeName(*t->type), t->type_name);
    EXPECT_EQ(t->data, begin + t->offset);
    EXPECT_EQ(t->offset % f.alignment(), 0u);
    const int64_t rows = t->n_elements / t->shape[0];
    EXPECT_EQ(t->n_bytes, *kernels::RowBytes(*t->type, t->shape[0]) * rows) << name;
  }
  EXPECT_EQ(f.FindTensor("no.such.tensor"), nullptr);

  for (const auto& [key, want] : gguf_ref.at("kv").items()) {
    SCOPED_TRACE(key);
    ASSERT_NE(f.Find(key), nullptr);
    if (want.is_boolean()) {
      EXPECT_EQ(f.GetBool(key).value_or(!want.get<bool>()), want.get<bool>());
    } else if (want.is_number_integer()) {
      auto got = f.GetInt(key);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, want.get<int64_t>());
    } else if (want.is_number_float()) {
      auto got = f.GetFloat(key);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_DOUBLE_EQ(*got, want.get<double>());
    } else if (want.is_string() && want.get<std::string>().rfind("<array of ", 0) == 0) {
      const GgufValue* v = f.Find(key);
      ASSERT_EQ(v->type, GgufType::kArray);
      EXPECT_EQ(std::to_string(v->array.size()),
                want.get<std::string>().substr(10, want.get<std::string>().size() - 11));
    } else {
      auto got = f.GetString(key);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, want.get<std::string>());
    }
  }
}

TEST(GgufFileTest, TinyModelsMatchReference) {
  SEXTANT_TESTDATA_OR_SKIP(models, "models");
  int checked = 0;
  for (const char* model : {"tiny-llama", "tiny-qwen2"}) {
    const fs::path dir = models / model;
    const Json ref = ReadReferenceJson(dir / "reference.json");
    for (const auto& [variant, entry] : ref.at("variants").items()) {
      if (!entry.contains("gguf")) continue;
      CheckAgainstReference(dir, entry.at("gguf"));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(GgufFileTest, TokenizerArraysHaveTypedGetters) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
  const Json ref = ReadReferenceJson(dir / "reference.json");
  const fs::path path = dir / ref["variants"]["gguf-F32"]["gguf"]["file"].get<std::string>();
  auto file = GgufFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto tokens = (*file)->GetStringArray("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(static_cast<int64_t>(tokens->size()), ref["tokenizer"]["vocab_size"].get<int64_t>());
  const int64_t bos = ref["tokenizer"]["bos_id"].get<int64_t>();
  const Json& special = ref["tokenizer"]["special_tokens"];
  bool found = false;
  for (const auto& s : special) found |= s.is_string() && s.get<std::string>() == (*tokens)[bos];
  EXPECT_TRUE(found) << (*tokens)[bos];
  auto types = (*file)->GetIntArray("tokenizer.ggml.token_type");
  ASSERT_TRUE(types.ok()) << types.status().ToString();
  EXPECT_EQ(types->size(), tokens->size());
  auto merges = (*file)->GetStringArray("tokenizer.ggml.merges");
  ASSERT_TRUE(merges.ok()) << merges.status().ToString();
  EXPECT_FALSE(merges->empty());
}

TEST(GgufFileTest, VocabOnlyFilesOpen) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "tokenizer/llama.cpp");
  int opened = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".gguf") continue;
    SCOPED_TRACE(entry.path().string());
    auto file = GgufFile::Open(entry.path());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_TRUE((*file)->tensors().empty());
    auto tokens = (*file)->GetStringArray("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    // Every expected token id of the vectors indexes the vocabulary.
    std::ifstream out(entry.path().string() + ".out");
    int64_t id = 0;
    while (out >> id) EXPECT_LT(id, static_cast<int64_t>(tokens->size()));
    ++opened;
  }
  EXPECT_GT(opened, 0);
}

TEST(GgufFileTest, MissingFileIsNotFound) {
  auto file = GgufFile::Open("/nonexistent/model.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
}

// A file with one key of every value type, nested arrays and two tensors.
std::string AllTypesFile() {
  GgufBuilder b;
  b.Kv("u8", GgufType::kUint8, U8(200))
      .Kv("i8", GgufType::kInt8, U8(0x80))
      .Kv("u16", GgufType::kUint16, U16(65535))
      .Kv("i16", GgufType::kInt16, U16(0xfffe))
      .Kv("u32", GgufType::kUint32, U32(4000000000u))
      .Kv("i32", GgufType::kInt32, U32(0xffffff85))
      .Kv("f32", GgufType::kFloat32, F32(1.5f))
      .Kv("bool", GgufType::kBool, U8(1))
      .Kv("str", GgufType::kString, Str("hello"))
      .Kv("u64", GgufType::kUint64, U64(~uint64_t{0}))
      .Kv("i64", GgufType::kInt64, U64(static_cast<uint64_t>(-5)))
      .Kv("f64", GgufType::kFloat64, F64(-2.25))
      .Kv("strs", GgufType::kArray, Array(GgufType::kString, {Str("a"), Str(""), Str("ccc")}))
      .Kv("ints", GgufType::kArray, Array(GgufType::kInt32, {U32(1), U32(0xffffffff)}))
      .Kv("floats", GgufType::kArray, Array(GgufType::kFloat32, {F32(0.5f), F32(-1)}))
      .Kv("nested", GgufType::kArray,
          Array(GgufType::kArray,
                {Array(GgufType::kUint8, {U8(1), U8(2)}), Array(GgufType::kUint8, {})}));
  b.AddTensor("w", {64, 2}, 8).AddTensor("b", {3}, 0);
  return b.Build();
}

TEST(GgufFileTest, ReadsEveryValueType) {
  const std::string bytes = AllTypesFile();
  auto file = GgufFile::FromBuffer(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const GgufFile& f = **file;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), kGgufDefaultAlignment);
  ASSERT_EQ(f.metadata().size(), 16u);
  EXPECT_EQ(f.Find("u8")->u, 200u);
  EXPECT_EQ(f.Find("i8")->i, -128);
  EXPECT_EQ(f.Find("u16")->u, 65535u);
  EXPECT_EQ(f.Find("i16")->i, -2);
  EXPECT_EQ(f.Find("u32")->u, 4000000000u);
  EXPECT_EQ(f.Find("i32")->i, -123);
  EXPECT_EQ(f.Find("f32")->f, 1.5);
  EXPECT_TRUE(f.Find("bool")->b);
  EXPECT_EQ(f.Find("str")->str, "hello");
  EXPECT_EQ(f.Find("u64")->u, ~uint64_t{0});
  EXPECT_EQ(f.Find("i64")->i, -5);
  EXPECT_EQ(f.Find("f64")->f, -2.25);
  const GgufValue* nested = f.Find("nested");
  ASSERT_EQ(nested->array.size(), 2u);
  EXPECT_EQ(nested->elem_type, GgufType::kArray);
  EXPECT_EQ(nested->array[0].array[1].u, 2u);
  EXPECT_TRUE(nested->array[1].array.empty());
  EXPECT_EQ(f.Find("absent"), nullptr);

  ASSERT_EQ(f.tensors().size(), 2u);
  const GgufTensorInfo* w = f.FindTensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->type_name, "Q8_0");
  EXPECT_EQ(w->n_elements, 128);
  EXPECT_EQ(w->n_bytes, 4 * 34);
  EXPECT_EQ(w->data[0], 7);
  const GgufTensorInfo* b = f.FindTensor("b");
  EXPECT_EQ(b->offset % kGgufDefaultAlignment, 0u);
  EXPECT_EQ(b->n_bytes, 12);
}

TEST(GgufFileTest, TypedGetters) {
  const std::string bytes = AllTypesFile();
  auto file = GgufFile::FromBuffer(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const GgufFile& f = **file;
  EXPECT_EQ(f.GetInt("u32").value_or(0), 4000000000);
  EXPECT_EQ(f.GetInt("i8").value_or(0), -128);
  EXPECT_EQ(f.GetFloat("f32").value_or(0), 1.5);
  EXPECT_EQ(f.GetFloat("i64").value_or(0), -5.0);
  EXPECT_EQ(f.GetString("str").value_or(""), "hello");
  EXPECT_TRUE(f.GetBool("bool").value_or(false));
  auto strs = f.GetStringArray("strs");
  ASSERT_TRUE(strs.ok());
  EXPECT_EQ(*strs, (std::vector<std::string_view>{"a", "", "ccc"}));
  EXPECT_EQ(f.GetIntArray("ints").value_or({}), (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(f.GetFloatArray("floats").value_or({}), (std::vector<double>{0.5, -1}));
  EXPECT_EQ(f.GetFloatArray("ints").value_or({}), (std::vector<double>{1, -1}));

  EXPECT_EQ(f.GetInt("absent").status().code(), StatusCode::kNotFound);
  const Status wrong = f.GetInt("str").status();
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(::sextant::testing::Contains(wrong.message(), "'str'")) << wrong.message();
  EXPECT_TRUE(::sextant::testing::Contains(wrong.message(), "found string")) << wrong.message();
  EXPECT_EQ(f.GetInt("u64").status().code(), StatusCode::kInvalidArgument);  // > int64 max
  EXPECT_EQ(f.GetString("u8").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.GetBool("u8").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.GetFloat("str").status().code(), StatusCode::kInvalidArgument);
  const Status array = f.GetStringArray("ints").status();
  EXPECT_TRUE(::sextant::testing::Contains(array.message(), "array of int32")) << array.message();
  EXPECT_EQ(f.GetIntArray("strs").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.GetFloatArray("nested").status().code(), StatusCode::kInvalidArgument);
}

TEST(GgufFileTest, VersionTwoAndCustomAlignment) {
  GgufBuilder b;
  b.version = 2;
  b.alignment = 64;
  b.Kv("general.alignment", GgufType::kUint32, U32(64));
  b.AddTensor("a", {5}, 0).AddTensor("b", {7}, 0);
  const std::string bytes = b.Build();
  auto file = GgufFile::FromBuffer(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->version(), 2u);
  EXPECT_EQ((*file)->alignment(), 64u);
  EXPECT_EQ((*file)->FindTensor("b")->offset, 64u);
  // The data section is 64-aligned and ends with b: 7 floats at offset 64.
  const auto a_at = static_cast<size_t>((*file)->FindTensor("a")->data -
                                        reinterpret_cast<const uint8_t*>(bytes.data()));
  EXPECT_EQ(a_at % 64, 0u);
  EXPECT_EQ(a_at, bytes.size() - 64 - 7 * 4);
}

TEST(GgufFileTest, TypesThisBuildCannotComputeStillOpen) {
  GgufBuilder b;
  b.AddTensor("k", {256, 2}, 10).AddTensor("iq", {256}, 16).AddTensor("mx", {64}, 39);
  const std::string bytes = b.Build();
  auto file = GgufFile::FromBuffer(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const GgufTensorInfo* k = (*file)->FindTensor("k");
  EXPECT_EQ(k->type_name, "Q2_K");
  EXPECT_FALSE(k->type.has_value());
  EXPECT_EQ(k->n_bytes, 2 * 84);
  EXPECT_EQ((*file)->FindTensor("iq")->type_name, "IQ2_XXS");
  EXPECT_EQ((*file)->FindTensor("mx")->n_bytes, 2 * 17);
}

TEST(GgmlTypeInfoTest, AgreesWithKernelsForComputedTypes) {
  int agreed = 0;
  for (uint32_t id = 0; id < 64; ++id) {
    std::optional<kernels::DType> dtype = kernels::DTypeFromGgmlId(id);
    if (!dtype) continue;
    std::optional<GgmlTypeTraits> traits = GgmlTypeInfo(id);
    ASSERT_TRUE(traits.has_value()) << id;
    EXPECT_EQ(traits->name, kernels::DTypeName(*dtype));
    EXPECT_EQ(traits->block_elements, kernels::BlockElements(*dtype));
    EXPECT_EQ(traits->block_bytes, kernels::BlockBytes(*dtype));
    ++agreed;
  }
  EXPECT_GT(agreed, 0);
  EXPECT_FALSE(GgmlTypeInfo(4).has_value());  // removed Q4_2
  EXPECT_FALSE(GgmlTypeInfo(1000).has_value());
  EXPECT_EQ(GgufTypeName(GgufType::kFloat64), "float64");
}

}  // namespace
}  // namespace sextant::llm
