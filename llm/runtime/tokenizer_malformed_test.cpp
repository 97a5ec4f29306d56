// Malformed tokenizer.json, tokenizer_config.json and GGUF tokenizer
// metadata: each gives a clear Status, never a crash.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/internal/bpe_bytes.h"
#include "llm/runtime/readers_test_util.h"
#include "llm/runtime/tokenizer.h"
#include "llm/runtime/tokenizer_test_util.h"

namespace sextant::llm {
namespace {

using ::sextant::testing::Contains;
using testing::ByteLevelTokenizerJson;

Status LoadText(const std::string& text, const TokenizerLimits& limits = {}) {
  return Tokenizer::FromTokenizerJsonText(text, limits).status();
}
Status LoadJson(const Json& j) { return LoadText(DumpJson(j)); }

void ExpectError(const Status& s, StatusCode code, std::string_view part) {
  ASSERT_FALSE(s.ok()) << "expected an error mentioning '" << part << "'";
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), part)) << s.ToString();
}

TEST(TokenizerJsonMalformedTest, BadJsonAndShape) {
  ExpectError(LoadText("{"), StatusCode::kInvalidArgument, "tokenizer.json");
  ExpectError(LoadText("[1, 2]"), StatusCode::kInvalidArgument, "not an object");
  ExpectError(LoadText("{\"version\": \"1.0\"}"), StatusCode::kInvalidArgument, "model");
  ExpectError(LoadText("{\"model\": 3}"), StatusCode::kInvalidArgument, "model");
  ExpectError(LoadText("{\"model\": {\"type\": \"BPE\", \"vocab\": [1]}}"),
              StatusCode::kInvalidArgument, "vocab");
  ExpectError(LoadText("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": {}}}"),
              StatusCode::kInvalidArgument, "merges");
}

TEST(TokenizerJsonMalformedTest, UnsupportedTypesAreUnimplemented) {
  Json j = ByteLevelTokenizerJson({});
  j["model"]["type"] = "WordPiece";
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "WordPiece");

  j = ByteLevelTokenizerJson({});
  j["model"]["byte_fallback"] = true;
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "byte_fallback");

  j = ByteLevelTokenizerJson({});
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "Whitespace");

  j = ByteLevelTokenizerJson({});
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Removed"}};
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "Removed");

  j = ByteLevelTokenizerJson({});
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"invert", true}};
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "invert");

  j = ByteLevelTokenizerJson({});
  j["normalizer"] = {{"type", "Lowercase"}};
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "Lowercase");

  j = ByteLevelTokenizerJson({});
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Digits"}}, {{"type", "ByteLevel"}, {"add_prefix_space", true}}}}};
  ExpectError(LoadJson(j), StatusCode::kUnimplemented, "add_prefix_space");
}

TEST(TokenizerJsonMalformedTest, BadPatterns) {
  Json j = ByteLevelTokenizerJson({});
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}};
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "(unclosed");
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Other", "x"}}}};
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "pattern");
  j["pre_tokenizer"] = {{"no_type", true}};
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "type");
}

TEST(TokenizerJsonMalformedTest, MergesNamingUnknownTokens) {
  Json j = ByteLevelTokenizerJson({"a b"});
  j["model"]["merges"].push_back("a qq");
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "merge 1");

  j = ByteLevelTokenizerJson({"a b"});
  j["model"]["vocab"].erase("ab");
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "'ab'");

  j = ByteLevelTokenizerJson({});
  j["model"]["merges"] = Json::array({"ab"});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "merge 0");

  j = ByteLevelTokenizerJson({});
  j["model"]["merges"] = Json::array({Json::array({1, 2})});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "merge 0");
}

TEST(TokenizerJsonMalformedTest, DuplicateAndOutOfRangeIds) {
  Json j = ByteLevelTokenizerJson({});
  j["model"]["vocab"]["zz"] = 5;
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "duplicate id 5");

  j = ByteLevelTokenizerJson({});
  j["model"]["vocab"]["zz"] = -1;
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "out of range");

  j = ByteLevelTokenizerJson({});
  j["model"]["vocab"]["zz"] = int64_t{1} << 40;
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "out of range");

  j = ByteLevelTokenizerJson({});
  j["model"]["vocab"]["zz"] = "seven";
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "not an integer");

  j = ByteLevelTokenizerJson({});
  j["added_tokens"] =
      Json::array({{{"id", 300}, {"content", "<a>"}}, {{"id", 300}, {"content", "<b>"}}});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "duplicate added token id 300");

  j = ByteLevelTokenizerJson({});
  j["added_tokens"] = Json::array({{{"content", "<a>"}}});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "lacks an id");

  j = ByteLevelTokenizerJson({});
  j["added_tokens"] = Json::array({{{"id", 300}, {"content", ""}}});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "no content");

  j = ByteLevelTokenizerJson({});
  j["added_tokens"] = Json::array({{{"id", 300}, {"content", "<a>"}, {"special", "yes"}}});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "special");

  // Two added tokens with one content but different ids share a spelling.
  j = ByteLevelTokenizerJson({});
  j["added_tokens"] =
      Json::array({{{"id", 300}, {"content", "<a>"}}, {{"id", 301}, {"content", "<a>"}}});
  ExpectError(LoadJson(j), StatusCode::kInvalidArgument, "two ids");
}

TEST(TokenizerJsonMalformedTest, BadConfig) {
  ::sextant::testing::TempDir dir;
  ::sextant::testing::WriteFile(dir.path() / "tokenizer.json",
                                DumpJson(ByteLevelTokenizerJson({})));
  const auto with_config = [&](const std::string& config) {
    ::sextant::testing::WriteFile(dir.path() / "tokenizer_config.json", config);
    return Tokenizer::FromModelDir(dir.path()).status();
  };
  ExpectError(with_config("{"), StatusCode::kInvalidArgument, "tokenizer_config.json");
  ExpectError(with_config("[]"), StatusCode::kInvalidArgument, "not an object");
  ExpectError(with_config(R"({"add_bos_token": "yes"})"), StatusCode::kInvalidArgument,
              "add_bos_token");
  ExpectError(with_config(R"({"chat_template": 7})"), StatusCode::kInvalidArgument,
              "chat_template");
  ExpectError(with_config(R"({"bos_token": 7})"), StatusCode::kInvalidArgument, "bos_token");
  EXPECT_TRUE(with_config(R"({"bos_token": null, "chat_template": "x"})").ok());
}

// GGUF tokenizer metadata.

using testing::Array;
using testing::GgufBuilder;
using testing::Str;
using testing::U32;

struct GgufVocab {
  std::string model = "gpt2";
  std::optional<std::string> pre = "gpt-2";
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::optional<std::vector<std::string>> merges = std::vector<std::string>{"a b"};
  std::optional<uint32_t> bos;
};

GgufVocab ByteVocab() {
  GgufVocab v;
  for (int b = 0; b < 256; ++b)
    v.tokens.emplace_back(internal::ByteToAlphabet(static_cast<uint8_t>(b)));
  v.tokens.emplace_back("ab");
  v.tokens.emplace_back("<|endoftext|>");
  v.types.assign(v.tokens.size(), 1);
  v.types.back() = 3;
  return v;
}

std::string BuildGguf(const GgufVocab& v) {
  GgufBuilder b;
  b.Kv("tokenizer.ggml.model", GgufType::kString, Str(v.model));
  if (v.pre) b.Kv("tokenizer.ggml.pre", GgufType::kString, Str(*v.pre));
  std::vector<std::string> tokens;
  for (const auto& t : v.tokens) tokens.push_back(Str(t));
  b.Kv("tokenizer.ggml.tokens", GgufType::kArray, Array(GgufType::kString, tokens));
  std::vector<std::string> types;
  for (int32_t t : v.types) types.push_back(U32(static_cast<uint32_t>(t)));
  if (!types.empty())
    b.Kv("tokenizer.ggml.token_type", GgufType::kArray, Array(GgufType::kInt32, types));
  if (v.merges) {
    std::vector<std::string> merges;
    for (const auto& m : *v.merges) merges.push_back(Str(m));
    b.Kv("tokenizer.ggml.merges", GgufType::kArray, Array(GgufType::kString, merges));
  }
  if (v.bos) b.Kv("tokenizer.ggml.bos_token_id", GgufType::kUint32, U32(*v.bos));
  return b.Build();
}

Result<std::unique_ptr<Tokenizer>> LoadGguf(const std::string& bytes,
                                            const TokenizerLimits& limits = {}) {
  auto gguf = GgufFile::FromBuffer(bytes);
  if (!gguf.ok()) return gguf.status();
  return Tokenizer::FromGguf(**gguf, limits);
}

TEST(TokenizerGgufTest, MinimalVocabularyEncodes) {
  GgufVocab v = ByteVocab();
  v.bos = 257;
  const std::string bytes = BuildGguf(v);
  auto t = LoadGguf(bytes);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*(*t)->Encode("ab"), (std::vector<int32_t>{256}));
  EXPECT_EQ(*(*t)->Encode("a<|endoftext|>", {false, true}), (std::vector<int32_t>{'a', 257}));
  EXPECT_EQ((*t)->Encode("a<|endoftext|>", {false, false})->size(), 14u);
  EXPECT_EQ((*t)->pre_type(), "gpt-2");
  EXPECT_EQ((*t)->bos_id(), 257);
  EXPECT_EQ((*t)->end_ids(), (std::vector<int32_t>{257}));
  EXPECT_TRUE((*t)->IsSpecial(257));
}

TEST(TokenizerGgufTest, MalformedMetadata) {
  {
    GgufVocab v = ByteVocab();
    v.model = "llama";
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kUnimplemented, "llama");
  }
  {
    GgufVocab v = ByteVocab();
    v.pre = "no-such-pre";
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kUnimplemented, "no-such-pre");
  }
  {
    GgufVocab v = ByteVocab();
    v.types.pop_back();
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "token_type");
  }
  {
    GgufVocab v = ByteVocab();
    v.merges.reset();
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "merges");
  }
  {
    GgufVocab v = ByteVocab();
    v.merges = std::vector<std::string>{"a zz"};
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "merge 0");
  }
  {
    GgufVocab v = ByteVocab();
    v.merges = std::vector<std::string>{"ab"};
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "merge 0");
  }
  {
    GgufVocab v = ByteVocab();
    v.bos = 100000;
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "bos_token_id");
  }
  {
    GgufVocab v = ByteVocab();
    v.tokens[256] = "a";  // duplicate spelling
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "two ids");
  }
  {
    GgufVocab v = ByteVocab();
    v.tokens.clear();
    v.types.clear();
    ExpectError(LoadGguf(BuildGguf(v)).status(), StatusCode::kInvalidArgument, "empty");
  }
  {
    GgufBuilder b;
    b.Kv("tokenizer.ggml.model", GgufType::kString, Str("gpt2"));
    b.Kv("tokenizer.ggml.tokens", GgufType::kString, Str("not an array"));
    EXPECT_FALSE(LoadGguf(b.Build()).ok());
  }
  {
    GgufBuilder b;
    b.Kv("general.name", GgufType::kString, Str("no tokenizer"));
    EXPECT_FALSE(LoadGguf(b.Build()).ok());
  }
}

TEST(TokenizerGgufTest, VocabularyLimit) {
  const std::string bytes = BuildGguf(ByteVocab());
  TokenizerLimits limits;
  limits.max_vocab = 257;
  ExpectError(LoadGguf(bytes, limits).status(), StatusCode::kResourceExhausted, "limit");
  limits.max_vocab = 258;
  EXPECT_TRUE(LoadGguf(bytes, limits).ok());
}

}  // namespace
}  // namespace sextant::llm
