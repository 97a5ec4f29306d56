// ParseCokAnswer on garbage: it never fails or crashes, and says what it
// could not read.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "knowledge/cok.h"

namespace sextant::knowledge {
namespace {

constexpr int kFuzzCases = 3000;
constexpr int kMaxFuzzPieces = 40;

void ExpectConsistent(const CokAnswer& a) {
  // Whatever is missing is reported.
  if (a.triples.empty()) {
    ASSERT_FALSE(a.problems.empty());
  }
  for (const Triple& t : a.triples) {
    EXPECT_FALSE(t.subject.empty());
    EXPECT_FALSE(t.relation.empty());
    EXPECT_FALSE(t.object.empty());
  }
}

TEST(CokMalformedTest, Garbage) {
  const std::string cases[] = {
      "",
      "\n\n\n",
      std::string("\0\0\xff\xfe(\x80, \x81, \x82)", 16),
      std::string(10000, '('),
      std::string(10000, ')'),
      "Evidence triples:\r\n1. (a, b, c)\r\nSo the answer is\r\n",
      "So the answer is",
      "Q: only a question",
      "Explanation hints:\nExplanation hints:\n",
      "1.\n2)\n-\n*\n",
      "(\"unterminated, b, c)",
      std::string(1 << 20, 'x'),
  };
  for (const std::string& text : cases) {
    const CokAnswer a = ParseCokAnswer(text);
    ExpectConsistent(a);
  }
  const CokAnswer crlf = ParseCokAnswer(cases[5]);
  ASSERT_EQ(crlf.triples.size(), 1u);
  EXPECT_EQ(crlf.triples[0].object, "c");
  EXPECT_TRUE(crlf.answer.empty());
  ASSERT_FALSE(crlf.problems.empty());
  EXPECT_EQ(crlf.problems[0], "line 3: the answer marker has no answer after it");
  EXPECT_EQ(ParseCokAnswer("").problems,
            (std::vector<std::string>{"no evidence triples found",
                                      "no answer ('So the answer is ...') found"}));
}

TEST(CokMalformedTest, RandomPieces) {
  const std::string pieces[] = {"(",
                                ")",
                                "[",
                                "]",
                                "<",
                                ">",
                                ",",
                                ";",
                                "|",
                                "\n",
                                "\t",
                                "Q:",
                                "A:",
                                "So the answer is",
                                "The answer is",
                                "Evidence triples:",
                                "Explanation hints:",
                                "1.",
                                "2)",
                                "-",
                                "\"",
                                "'",
                                "x",
                                "yy",
                                " ",
                                "\xe2\x80\xa2",
                                "\xe2\x80\x9c",
                                "\xff"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> count(0, kMaxFuzzPieces);
  for (int i = 0; i < kFuzzCases; ++i) {
    std::string text;
    for (int n = count(rng); n > 0; --n) text += pieces[pick(rng)];
    const CokAnswer a = ParseCokAnswer(text);
    ExpectConsistent(a);
    if (a.answer.empty()) {
      EXPECT_FALSE(a.problems.empty()) << text;
    }
  }
}

}  // namespace
}  // namespace sextant::knowledge
