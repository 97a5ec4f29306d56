#include "llm/runtime/tokenizer.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/runtime/internal/bpe_bytes.h"
#include "llm/runtime/internal/bpe_pretokenizer.h"
#include "llm/runtime/tokenizer_test_util.h"

namespace sextant::llm {
namespace {

using testing::ByteLevelTokenizerJson;

std::unique_ptr<Tokenizer> Load(const Json& j, const TokenizerLimits& limits = {}) {
  auto tok = Tokenizer::FromTokenizerJsonText(DumpJson(j), limits);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(*tok) : nullptr;
}

std::vector<int32_t> Enc(const Tokenizer& t, std::string_view text, bool parse_special = true) {
  EncodeOptions o;
  o.parse_special = parse_special;
  auto ids = t.Encode(text, o);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : std::vector<int32_t>{};
}

std::vector<std::string> Texts(const Tokenizer& t, const std::vector<int32_t>& ids) {
  std::vector<std::string> out;
  for (int32_t id : ids) out.emplace_back(t.TokenText(id));
  return out;
}

TEST(TokenizerBpeTest, MergesByRankNotByPosition) {
  // "l l" outranks "h e": "hello" -> h e ll o -> he ll o -> hell o.
  auto t = Load(ByteLevelTokenizerJson({"l l", "h e", "he ll"}));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Texts(*t, Enc(*t, "hello")), (std::vector<std::string>{"hell", "o"}));
  // Equal ranks merge leftmost first.
  auto a = Load(ByteLevelTokenizerJson({"a a"}));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Texts(*a, Enc(*a, "aaa")), (std::vector<std::string>{"aa", "a"}));
  EXPECT_EQ(Texts(*a, Enc(*a, "aaaa")), (std::vector<std::string>{"aa", "aa"}));
}

TEST(TokenizerBpeTest, MergesAsPairsEqualMergesAsStrings) {
  Json j = ByteLevelTokenizerJson({"h e", "l l", "he ll", "Ġ w"});
  Json pairs = j;
  pairs["model"]["merges"] = Json::array({{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"Ġ", "w"}});
  auto a = Load(j);
  auto b = Load(pairs);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(Enc(*a, "hello world"), Enc(*b, "hello world"));
  EXPECT_EQ(Texts(*a, Enc(*a, "hello world")),
            (std::vector<std::string>{"hell", "o", "Ġw", "o", "r", "l", "d"}));
}

TEST(TokenizerBpeTest, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  Json j = ByteLevelTokenizerJson({"a b"});
  j["model"]["vocab"]["abc"] = 300;
  auto plain = Load(j);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(Texts(*plain, Enc(*plain, "abc")), (std::vector<std::string>{"ab", "c"}));
  j["model"]["ignore_merges"] = true;
  auto ignoring = Load(j);
  ASSERT_NE(ignoring, nullptr);
  EXPECT_EQ(Enc(*ignoring, "abc"), (std::vector<int32_t>{300}));
  EXPECT_EQ(Texts(*ignoring, Enc(*ignoring, "abcd")), (std::vector<std::string>{"ab", "c", "d"}));
}

TEST(TokenizerBpeTest, DigitsAndPrefixSpacePreTokenizers) {
  Json j = ByteLevelTokenizerJson({"1 2", "12 3"});
  auto grouped = Load(j);
  ASSERT_NE(grouped, nullptr);
  EXPECT_EQ(Texts(*grouped, Enc(*grouped, "1234")), (std::vector<std::string>{"123", "4"}));
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Digits"}, {"individual_digits", true}},
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}}}};
  auto single = Load(j);
  ASSERT_NE(single, nullptr);
  EXPECT_EQ(Texts(*single, Enc(*single, "1234")), (std::vector<std::string>{"1", "2", "3", "4"}));

  Json p = ByteLevelTokenizerJson({"Ġ h", "Ġh i"});
  p["pre_tokenizer"]["add_prefix_space"] = true;
  auto prefixed = Load(p);
  ASSERT_NE(prefixed, nullptr);
  EXPECT_EQ(Texts(*prefixed, Enc(*prefixed, "hi")), (std::vector<std::string>{"Ġhi"}));
  EXPECT_EQ(Texts(*prefixed, Enc(*prefixed, " hi")), (std::vector<std::string>{"Ġhi"}));
}

TEST(TokenizerBpeTest, SplitWithStringPatternIsLiteral) {
  Json j = ByteLevelTokenizerJson({"a b"});
  j["pre_tokenizer"] = {{"type", "Split"},
                        {"pattern", {{"String", "."}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  auto t = Load(j);
  ASSERT_NE(t, nullptr);
  // "." is literal: "ab" stays one piece and merges; "." is its own piece.
  EXPECT_EQ(Texts(*t, Enc(*t, "ab.ab")), (std::vector<std::string>{"ab", ".", "ab"}));
}

TEST(TokenizerBpeTest, NfcNormalizerComposes) {
  Json j = ByteLevelTokenizerJson({});
  const std::string decomposed = "e\xCC\x81";  // e + U+0301
  auto raw = Load(j);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(Enc(*raw, decomposed).size(), 3u);
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}}}};
  auto nfc = Load(j);
  ASSERT_NE(nfc, nullptr);
  const auto ids = Enc(*nfc, decomposed);
  EXPECT_EQ(ids, (std::vector<int32_t>{0xC3, 0xA9}));
  EXPECT_EQ(*nfc->Decode(ids), "\xC3\xA9");
}

Json WithAddedTokens() {
  Json j = ByteLevelTokenizerJson({"a b"});
  j["added_tokens"] = Json::array({
      {{"id", 300}, {"content", "<|x|>"}, {"special", true}},
      {{"id", 301}, {"content", "[U]"}, {"special", false}, {"lstrip", true}},
      {{"id", 302}, {"content", "<r>"}, {"special", true}, {"rstrip", true}},
      {{"id", 303}, {"content", "<|x|>y"}, {"special", true}},
      {{"id", 304}, {"content", "<|im_end|>"}, {"special", true}},
      {{"id", 305}, {"content", "<|eot_id|>"}, {"special", true}},
      {{"id", 306}, {"content", "<w>"}, {"special", false}, {"single_word", true}},
  });
  return j;
}

TEST(TokenizerSpecialTest, SpecialTokensMatchOnlyWithParseSpecial) {
  auto t = Load(WithAddedTokens());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Enc(*t, "c<|x|>c", true), (std::vector<int32_t>{'c', 300, 'c'}));
  const auto literal = Enc(*t, "c<|x|>c", false);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), 300), 0);
  EXPECT_EQ(*t->Decode(literal), "c<|x|>c");
  EXPECT_TRUE(t->IsSpecial(300));
  EXPECT_FALSE(t->IsSpecial(301));
  EXPECT_FALSE(t->IsSpecial('c'));
}

TEST(TokenizerSpecialTest, AddedTokensMatchLongestAndStrip) {
  auto t = Load(WithAddedTokens());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Enc(*t, "<|x|>yz"), (std::vector<int32_t>{303, 'z'}));
  // Non-special added tokens match even without parse_special; lstrip eats
  // the spaces before, rstrip the spaces after.
  EXPECT_EQ(Enc(*t, "c  [U]", false), (std::vector<int32_t>{'c', 301}));
  EXPECT_EQ(Enc(*t, "<r>  c"), (std::vector<int32_t>{302, 'c'}));
  // single_word: no match inside a word.
  const auto inside = Enc(*t, "c<w>c");
  EXPECT_EQ(std::count(inside.begin(), inside.end(), 306), 0);
  const auto alone = Enc(*t, "c <w> c");
  EXPECT_EQ(std::count(alone.begin(), alone.end(), 306), 1);
}

TEST(TokenizerSpecialTest, DecodeSkipsSpecialOnRequest) {
  auto t = Load(WithAddedTokens());
  ASSERT_NE(t, nullptr);
  const std::vector<int32_t> ids = {'a', 300, 'b', 301};
  EXPECT_EQ(*t->Decode(ids), "a<|x|>b[U]");
  EXPECT_EQ(*t->Decode(ids, /*skip_special=*/true), "ab[U]");
  const std::vector<int32_t> bad = {'a', 5000};
  auto r = t->Decode(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::vector<int32_t> negative = {-1};
  EXPECT_FALSE(t->Decode(negative).ok());
}

TEST(TokenizerSpecialTest, EndIdsCollectKnownEndTokens) {
  auto t = Load(WithAddedTokens());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->end_ids(), (std::vector<int32_t>{304, 305}));
  EXPECT_FALSE(t->eos_id().has_value());
  EXPECT_EQ(t->pre_type(), "tokenizer.json");
}

TEST(TokenizerConfigTest, ReadsBosEosAddBosAndChatTemplateList) {
  ::sextant::testing::TempDir dir;
  ::sextant::testing::WriteFile(dir.path() / "tokenizer.json", DumpJson(WithAddedTokens()));
  const Json config = {
      {"bos_token", {{"content", "<|x|>"}, {"lstrip", false}}},
      {"eos_token", "<r>"},
      {"add_bos_token", true},
      {"chat_template", Json::array({{{"name", "tool_use"}, {"template", "U"}},
                                     {{"name", "default"}, {"template", "T"}}})},
  };
  ::sextant::testing::WriteFile(dir.path() / "tokenizer_config.json", DumpJson(config));
  auto t = Tokenizer::FromModelDir(dir.path());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->bos_id(), 300);
  EXPECT_EQ((*t)->eos_id(), 302);
  EXPECT_TRUE((*t)->add_bos_default());
  EXPECT_EQ((*t)->chat_template(), "T");
  EXPECT_EQ((*t)->end_ids(), (std::vector<int32_t>{302, 304, 305}));
  EncodeOptions o;
  o.add_bos = true;
  EXPECT_EQ(*(*t)->Encode("c", o), (std::vector<int32_t>{300, 'c'}));

  // A config naming a token that does not exist is an error.
  ::sextant::testing::WriteFile(dir.path() / "tokenizer_config.json", R"({"eos_token": "<nope>"})");
  auto bad = Tokenizer::FromModelDir(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(::sextant::testing::Contains(bad.status().message(), "<nope>"));
}

TEST(TokenizerUtf8Test, RejectsInvalidUtf8NamingTheOffset) {
  auto t = Load(ByteLevelTokenizerJson({}));
  ASSERT_NE(t, nullptr);
  const std::vector<std::pair<std::string, size_t>> cases = {
      {"ab\xFF"
       "cd",
       2},                          // never valid
      {"abc\xE4\xB8", 3},           // truncated at the end
      {"a\xC0\x80", 1},             // overlong NUL
      {"xy\xED\xA0\x80", 2},        // surrogate
      {"\xF4\x90\x80\x80", 0},      // past U+10FFFF
      {"ok\x80", 2},                // stray continuation byte
      {"\xE4\xB8\xAD\xE4\x41", 3},  // bad continuation after a good character
  };
  for (const auto& [text, offset] : cases) {
    auto r = t->Encode(text);
    ASSERT_FALSE(r.ok()) << "accepted invalid input at " << offset;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(
        ::sextant::testing::Contains(r.status().message(), "byte offset " + std::to_string(offset)))
        << r.status().message();
  }
  EXPECT_TRUE(t->Encode("\xE4\xB8\xAD\xF0\x9F\xA6\x99").ok());
}

TEST(TokenizerLimitsTest, InputFileAndVocabularyLimits) {
  const Json j = ByteLevelTokenizerJson({"a b"});
  TokenizerLimits input_limit;
  input_limit.max_input_bytes = 4;
  auto t = Load(j, input_limit);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->Encode("abcd").ok());
  auto big = t->Encode("abcde");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);

  const std::string text = DumpJson(j);
  TokenizerLimits file_limit;
  file_limit.max_file_bytes = static_cast<int64_t>(text.size()) - 1;
  auto from_text = Tokenizer::FromTokenizerJsonText(text, file_limit);
  ASSERT_FALSE(from_text.ok());
  EXPECT_EQ(from_text.status().code(), StatusCode::kResourceExhausted);
  ::sextant::testing::TempDir dir;
  ::sextant::testing::WriteFile(dir.path() / "tokenizer.json", text);
  auto from_file = Tokenizer::FromTokenizerJsonFile(dir.path() / "tokenizer.json", file_limit);
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(from_file.status().code(), StatusCode::kResourceExhausted);
  file_limit.max_file_bytes = static_cast<int64_t>(text.size());
  EXPECT_TRUE(Tokenizer::FromTokenizerJsonFile(dir.path() / "tokenizer.json", file_limit).ok());

  TokenizerLimits vocab_limit;
  vocab_limit.max_vocab = 256;
  auto small = Tokenizer::FromTokenizerJsonText(text, vocab_limit);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), StatusCode::kResourceExhausted);
  vocab_limit.max_vocab = 257;
  EXPECT_TRUE(Tokenizer::FromTokenizerJsonText(text, vocab_limit).ok());
}

TEST(TokenizerFileTest, MissingFileIsNotFound) {
  auto t = Tokenizer::FromTokenizerJsonFile("/nonexistent/dir/tokenizer.json");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
}

// The byte tokens that spell `text` one byte at a time.
std::vector<int32_t> ByteIds(const Tokenizer& t, std::string_view text) {
  std::vector<int32_t> ids;
  for (char c : text) {
    auto id = t.FindToken(internal::ByteToAlphabet(static_cast<uint8_t>(c)));
    EXPECT_TRUE(id.has_value());
    ids.push_back(id.value_or(0));
  }
  return ids;
}

TEST(StreamDecoderTest, NeverEmitsPartOfACharacter) {
  auto t = Load(ByteLevelTokenizerJson({}));
  ASSERT_NE(t, nullptr);
  const std::string text =
      "a\xE6\x97\xA5\xE6\x9C\xAC\xF0\x9F\xA6\x99z\xF0\x9F\x98\x81";  // a日本🦙z😁
  StreamDecoder dec(*t);
  std::string all;
  size_t consumed = 0;
  for (int32_t id : ByteIds(*t, text)) {
    const std::string piece = dec.Push(id);
    ++consumed;
    EXPECT_FALSE(internal::FindInvalidUtf8(piece).has_value()) << "after byte " << consumed;
    all += piece;
    // Everything emitted so far is a prefix of the text ending on a character boundary.
    EXPECT_EQ(text.compare(0, all.size(), all), 0);
  }
  all += dec.Flush();
  EXPECT_EQ(all, text);
}

TEST(StreamDecoderTest, WholeTokensAndSpecials) {
  auto t = Load(WithAddedTokens());
  ASSERT_NE(t, nullptr);
  StreamDecoder keep(*t);
  EXPECT_EQ(keep.Push(300), "<|x|>");
  StreamDecoder skip(*t, /*skip_special=*/true);
  EXPECT_EQ(skip.Push(300), "");
  EXPECT_EQ(skip.Push('a'), "a");
}

TEST(StreamDecoderTest, FlushReplacesIncompleteAndInvalidBytes) {
  auto t = Load(ByteLevelTokenizerJson({}));
  ASSERT_NE(t, nullptr);
  StreamDecoder dec(*t);
  const auto ids = ByteIds(*t, "\xE6\x97");
  EXPECT_EQ(dec.Push(ids[0]), "");
  EXPECT_EQ(dec.Push(ids[1]), "");
  const std::string flushed = dec.Flush();
  EXPECT_FALSE(flushed.empty());
  EXPECT_FALSE(internal::FindInvalidUtf8(flushed).has_value());
  EXPECT_TRUE(::sextant::testing::Contains(flushed, "\xEF\xBF\xBD"));
  // A byte that can never start a character is replaced at once.
  StreamDecoder bad(*t);
  EXPECT_EQ(bad.Push(ByteIds(*t, "\xFF")[0]), "\xEF\xBF\xBD");
  // A lead byte followed by a non-continuation byte does not wait.
  StreamDecoder broken(*t);
  EXPECT_EQ(broken.Push(ByteIds(*t, "\xE6")[0]), "");
  EXPECT_EQ(broken.Push('a'),
            "\xEF\xBF\xBD"
            "a");
}

TEST(PreTypeTest, EveryKnownGgufPreTypeCompilesAndCoversItsInput) {
  const std::string text =
      "Hello, y'all! 1234567 \xE6\x97\xA5\xE6\x9C\xAC\n\n  \tend \xF0\x9F\xA6\x99";
  for (const char* name :
       {"llama3",      "llama-bpe",    "falcon3",     "dbrx",           "smaug-bpe",
        "chatglm-bpe", "deepseek-llm", "deepseek-v3", "deepseek-coder", "falcon",
        "starcoder",   "refact",       "command-r",   "smollm",         "codeshell",
        "exaone",      "minerva-7b",   "gpt-2",       "phi-2",          "roberta-bpe",
        "mpt",         "olmo",         "jais",        "qwen2",          "stablelm2",
        "megrez",      "poro-chat",    "bloom",       "gpt3-finnish",   "viking",
        "tekken",      "chameleon",    "default"}) {
    auto info = internal::LookupPreType(name);
    ASSERT_TRUE(info.ok()) << name << ": " << info.status().ToString();
    EXPECT_FALSE(info->patterns.empty()) << name;
    std::vector<internal::SplitPattern> patterns;
    for (const auto& p : info->patterns) patterns.push_back({p, false});
    auto pre = internal::PreTokenizer::Create(patterns);
    ASSERT_TRUE(pre.ok()) << name << ": " << pre.status().ToString();
    std::vector<internal::Span> spans;
    ASSERT_TRUE(pre->Split(text, spans).ok()) << name;
    std::string joined;
    size_t next = 0;
    for (const auto& sp : spans) {
      EXPECT_EQ(sp.offset, next) << name;
      EXPECT_GT(sp.length, 0u) << name;
      joined += text.substr(sp.offset, sp.length);
      next = sp.offset + sp.length;
    }
    EXPECT_EQ(joined, text) << name;
  }
  EXPECT_EQ(internal::LookupPreType("no-such-type").status().code(), StatusCode::kUnimplemented);
  EXPECT_TRUE(internal::LookupPreType("llama-bpe")->ignore_merges);
  EXPECT_FALSE(internal::LookupPreType("qwen2")->ignore_merges);
}

TEST(TokenizerConcurrencyTest, EncodeFromManyThreadsAgrees) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
  auto t = Tokenizer::FromModelDir(dir);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string text = "def f(x):\n    return x * 12345  # Grüße, 世界 🦙\n";
  const auto expected = *(*t)->Encode(text);
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> same(kThreads, 0);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        auto ids = (*t)->Encode(text);
        same[static_cast<size_t>(i)] += (ids.ok() && *ids == expected) ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int s : same) EXPECT_EQ(s, 50);
}

}  // namespace
}  // namespace sextant::llm
