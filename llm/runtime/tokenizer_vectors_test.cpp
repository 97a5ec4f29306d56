// Reference vectors: llama.cpp's tokenizer tests (inputs and ids made with
// Hugging Face tokenizers) and the tiny models' reference.json.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/reference_test_util.h"
#include "llm/runtime/tokenizer.h"

namespace sextant::llm {
namespace {

namespace fs = std::filesystem;

struct VectorCase {
  std::string text;
  std::vector<int32_t> ids;
};

using ::sextant::testing::ReadFile;

// Reads <vocab>.inp / <vocab>.out as llama.cpp's test-tokenizer-0 does.
std::vector<VectorCase> ReadVectors(const fs::path& inp, const fs::path& out) {
  const std::string raw = ReadFile(inp);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw.substr(pos));
      break;
    }
    inputs.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::vector<int32_t>> outputs;
  std::ifstream out_stream(out);
  for (std::string line; std::getline(out_stream, line);) {
    std::istringstream ls(line);
    std::vector<int32_t> ids;
    for (int32_t id = 0; ls >> id;) ids.push_back(id);
    outputs.push_back(std::move(ids));
  }
  std::vector<VectorCase> cases;
  if (inputs.size() != outputs.size()) return cases;
  for (size_t i = 0; i < inputs.size(); ++i) cases.push_back({inputs[i], outputs[i]});
  return cases;
}

std::string IdsToString(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

struct VectorSet {
  std::string name;
  std::string hf_dir;  // empty: the GGUF vocab beside the vectors
  std::string skip_reason;
};

void PrintTo(const VectorSet& set, std::ostream* os) { *os << set.name; }

class LlamaCppVectorsTest : public ::testing::TestWithParam<VectorSet> {};

TEST_P(LlamaCppVectorsTest, EncodesEveryCaseExactlyAndRoundTrips) {
  const VectorSet& set = GetParam();
  if (!set.skip_reason.empty()) GTEST_SKIP() << set.name << ": " << set.skip_reason;
  SEXTANT_TESTDATA_OR_SKIP(dir, "tokenizer/llama.cpp");
  const fs::path base = dir / ("ggml-vocab-" + set.name + ".gguf");
  const auto cases = ReadVectors(base.string() + ".inp", base.string() + ".out");
  ASSERT_FALSE(cases.empty()) << "no cases or mismatched .inp/.out for " << set.name;

  std::unique_ptr<GgufFile> gguf;
  Result<std::unique_ptr<Tokenizer>> tok = Status(StatusCode::kInternal, "unset");
  if (set.hf_dir.empty()) {
    auto opened = GgufFile::Open(base);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    gguf = std::move(*opened);
    tok = Tokenizer::FromGguf(*gguf);
  } else {
    SEXTANT_TESTDATA_OR_SKIP(hf, set.hf_dir);
    tok = Tokenizer::FromModelDir(hf);
  }
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();

  EncodeOptions opts;
  opts.add_bos = false;
  opts.parse_special = false;  // as test-tokenizer-0
  size_t passed = 0;
  size_t round_trips = 0;
  for (const VectorCase& c : cases) {
    auto ids = (*tok)->Encode(c.text, opts);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    if (*ids == c.ids) {
      ++passed;
    } else {
      ADD_FAILURE() << set.name << ": '" << c.text << "'\n  expected " << IdsToString(c.ids)
                    << "\n  got      " << IdsToString(*ids);
    }
    auto text = (*tok)->Decode(*ids);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    if (*text == c.text) {
      ++round_trips;
    } else {
      ADD_FAILURE() << set.name << ": round trip of '" << c.text << "' gave '" << *text << "'";
    }
  }
  std::cout << "[ vectors  ] " << set.name << ": " << passed << "/" << cases.size() << " exact, "
            << round_trips << "/" << cases.size() << " round trips\n";
  RecordProperty("passed", static_cast<int>(passed));
  EXPECT_EQ(passed, cases.size());
}

INSTANTIATE_TEST_SUITE_P(
    Sets, LlamaCppVectorsTest,
    ::testing::Values(VectorSet{"gpt-2", "", ""}, VectorSet{"deepseek-llm", "", ""},
                      VectorSet{"deepseek-coder", "", ""}, VectorSet{"starcoder", "", ""},
                      VectorSet{"falcon", "", ""}, VectorSet{"mpt", "", ""},
                      VectorSet{"refact", "", ""},
                      VectorSet{"llama-bpe", "tokenizer/hf/llama3", ""},
                      VectorSet{"qwen2", "tokenizer/hf/qwen3", ""},
                      VectorSet{"llama-spm", "", "SentencePiece vocabulary (not byte-level BPE)"},
                      VectorSet{"phi-3", "", "SentencePiece vocabulary (not byte-level BPE)"},
                      VectorSet{"command-r", "", "vocabulary not in the test data"},
                      VectorSet{"qwen35", "", "vocabulary not in the test data"},
                      VectorSet{"gemma-4", "", "vocabulary not in the test data"}),
    [](const ::testing::TestParamInfo<VectorSet>& param_info) {
      std::string name;
      for (char c : param_info.param.name) name += (c == '-') ? '_' : c;
      return name;
    });

// The tiny models' reference.json, through tokenizer.json and through the
// GGUF vocabulary of the F32 file.
struct TinySource {
  std::string model;
  bool gguf;
};

void PrintTo(const TinySource& src, std::ostream* os) {
  *os << src.model << (src.gguf ? " (gguf)" : " (tokenizer.json)");
}

class TinyModelTokenizerTest : public ::testing::TestWithParam<TinySource> {};

TEST_P(TinyModelTokenizerTest, MatchesReferenceJson) {
  const TinySource& src = GetParam();
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/" + src.model);
  const Json ref = ::sextant::llm::testing::ReadReferenceJson(dir / "reference.json");
  ASSERT_FALSE(ref.is_null());

  std::unique_ptr<GgufFile> gguf;
  Result<std::unique_ptr<Tokenizer>> tok = Status(StatusCode::kInternal, "unset");
  if (src.gguf) {
    auto opened = GgufFile::Open(dir / (src.model + "-F32.gguf"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    gguf = std::move(*opened);
    tok = Tokenizer::FromGguf(*gguf);
  } else {
    tok = Tokenizer::FromModelDir(dir);
  }
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const Tokenizer& t = **tok;

  const Json& info = ref["tokenizer"];
  EXPECT_EQ(t.vocab_size(), info["vocab_size"].get<int32_t>());
  ASSERT_TRUE(t.bos_id().has_value());
  EXPECT_EQ(*t.bos_id(), info["bos_id"].get<int32_t>());
  ASSERT_TRUE(t.eos_id().has_value());
  EXPECT_EQ(*t.eos_id(), info["eos_id"].get<int32_t>());
  EXPECT_TRUE(t.add_bos_default());
  EXPECT_FALSE(t.chat_template().empty());
  const auto& ends = t.end_ids();
  EXPECT_NE(std::find(ends.begin(), ends.end(), info["eos_id"].get<int32_t>()), ends.end());
  EXPECT_NE(std::find(ends.begin(), ends.end(), info["im_end_id"].get<int32_t>()), ends.end());

  size_t n_cases = 0;
  for (const Json& c : ref["tokenizer_tests"]) {
    const auto text = c["text"].get<std::string>();
    const auto expected = c["ids"].get<std::vector<int32_t>>();
    auto ids = t.Encode(text);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(*ids, expected) << "text: '" << text << "'";
    std::vector<std::string> tokens;
    for (int32_t id : *ids) tokens.emplace_back(t.TokenText(id));
    EXPECT_EQ(tokens, c["tokens"].get<std::vector<std::string>>()) << "text: '" << text << "'";
    auto decoded = t.Decode(*ids);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, c["decoded"].get<std::string>());
    EncodeOptions with_bos;
    with_bos.add_bos = true;
    auto ids_bos = t.Encode(text, with_bos);
    ASSERT_TRUE(ids_bos.ok());
    EXPECT_EQ(*ids_bos, c["ids_with_special"].get<std::vector<int32_t>>())
        << "text: '" << text << "'";
    ++n_cases;
  }
  EXPECT_GT(n_cases, 0u);
  size_t n_prompts = 0;
  for (const Json& p : ref["prompts"]) {
    auto ids = t.Encode(p["text"].get<std::string>());
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, p["ids"].get<std::vector<int32_t>>()) << "prompt " << n_prompts;
    auto decoded = t.Decode(*ids);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, p["decoded"].get<std::string>());
    ++n_prompts;
  }
  EXPECT_GT(n_prompts, 0u);
  const Json& chat = ref["chat_template_example"];
  auto chat_ids = t.Encode(chat["rendered"].get<std::string>());
  ASSERT_TRUE(chat_ids.ok());
  EXPECT_EQ(*chat_ids, chat["ids"].get<std::vector<int32_t>>());
}

INSTANTIATE_TEST_SUITE_P(
    Models, TinyModelTokenizerTest,
    ::testing::Values(TinySource{"tiny-llama", false}, TinySource{"tiny-llama", true},
                      TinySource{"tiny-qwen2", false}, TinySource{"tiny-qwen2", true}),
    [](const ::testing::TestParamInfo<TinySource>& param_info) {
      std::string name = param_info.param.model + (param_info.param.gguf ? "_gguf" : "_json");
      for (char& c : name) c = (c == '-') ? '_' : c;
      return name;
    });

}  // namespace
}  // namespace sextant::llm

namespace sextant::llm {
namespace {

bool Has(const std::vector<int32_t>& ids, std::optional<int32_t> id) {
  return id && std::find(ids.begin(), ids.end(), *id) != ids.end();
}

TEST(HfTokenizerMetadataTest, Llama3SpecialsAndEndIds) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "tokenizer/hf/llama3");
  auto tok = Tokenizer::FromModelDir(dir);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const Tokenizer& t = **tok;
  const auto eot = t.FindToken("<|eot_id|>");
  const auto header_start = t.FindToken("<|start_header_id|>");
  const auto header_end = t.FindToken("<|end_header_id|>");
  ASSERT_TRUE(eot && header_start && header_end);
  EXPECT_EQ(t.bos_id(), t.FindToken("<|begin_of_text|>"));
  EXPECT_EQ(t.eos_id(), t.FindToken("<|end_of_text|>"));
  EXPECT_TRUE(Has(t.end_ids(), eot));
  if (const auto eom = t.FindToken("<|eom_id|>")) {  // Llama 3.1 and later
    EXPECT_TRUE(Has(t.end_ids(), eom));
  }
  EXPECT_TRUE(Has(t.end_ids(), t.eos_id()));
  EXPECT_FALSE(t.chat_template().empty());

  const std::string text = "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>";
  auto ids = t.Encode(text);
  ASSERT_TRUE(ids.ok());
  ASSERT_GE(ids->size(), 4u);
  EXPECT_EQ(ids->front(), *header_start);
  EXPECT_EQ(ids->back(), *eot);
  EXPECT_EQ(std::count(ids->begin(), ids->end(), *header_end), 1);
  EXPECT_EQ(*t.Decode(*ids), text);
  EXPECT_EQ(*t.Decode(*ids, /*skip_special=*/true), "user\n\nHi there");
  EncodeOptions plain;
  plain.parse_special = false;
  auto literal = t.Encode(text, plain);
  ASSERT_TRUE(literal.ok());
  EXPECT_FALSE(Has(*literal, eot));
  EXPECT_EQ(*t.Decode(*literal), text);
}

TEST(HfTokenizerMetadataTest, Qwen3SpecialsAndEndIds) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "tokenizer/hf/qwen3");
  auto tok = Tokenizer::FromModelDir(dir);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const Tokenizer& t = **tok;
  EXPECT_FALSE(t.bos_id().has_value());
  EXPECT_FALSE(t.add_bos_default());
  EXPECT_EQ(t.eos_id(), t.FindToken("<|im_end|>"));
  EXPECT_TRUE(Has(t.end_ids(), t.FindToken("<|im_end|>")));
  EXPECT_TRUE(Has(t.end_ids(), t.FindToken("<|endoftext|>")));
  EXPECT_FALSE(t.chat_template().empty());
  const std::string text = "<|im_start|>user\nCafe\xCC\x81 \xE6\x97\xA5\xE6\x9C\xAC<|im_end|>\n";
  auto ids = t.Encode(text);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->front(), t.FindToken("<|im_start|>"));
  // NFC: the decomposed "e" + U+0301 comes back composed.
  EXPECT_EQ(*t.Decode(*ids), "<|im_start|>user\nCaf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC<|im_end|>\n");
}

}  // namespace
}  // namespace sextant::llm
