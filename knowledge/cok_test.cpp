// The Chain-of-Knowledge prompt builder, answer parser and exemplar loader.
#include "knowledge/cok.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/json.h"
#include "common/testing/testdata.h"

namespace sextant::knowledge {
namespace {

namespace fs = std::filesystem;
using ::sextant::testing::Contains;

CokExemplar Suriname() {
  return {"What language is spoken in Suriname?",
          {{"Suriname", "hasOfficialLanguage", "Dutch_language"}},
          "Suriname's official language is Dutch.",
          "Dutch"};
}

TEST(CokPromptTest, PaperFormat) {
  const std::string prompt = BuildCokPrompt({Suriname()}, "What is the capital of France?");
  EXPECT_EQ(prompt,
            "Q: What language is spoken in Suriname?\n"
            "A: Evidence triples:\n"
            "1. (Suriname, hasOfficialLanguage, Dutch_language)\n"
            "Explanation hints: Suriname's official language is Dutch.\n"
            "So the answer is Dutch.\n"
            "\n"
            "Q: What is the capital of France?\n"
            "A:");
}

TEST(CokPromptTest, ExemplarWithoutTriplesOrHints) {
  CokExemplar ex{"Is the sky blue?", {}, "", "yes."};
  const std::string prompt = BuildCokPrompt({ex}, "Q2");
  EXPECT_TRUE(Contains(prompt, "A: Evidence triples:\n(none)\nSo the answer is yes.\n")) << prompt;
  EXPECT_FALSE(Contains(prompt, "Explanation hints"));
  EXPECT_EQ(BuildCokPrompt({}, "Q2"), "Q: Q2\nA:");
}

TEST(CokParseTest, ReadsItsOwnFormat) {
  const CokExemplar ex = Suriname();
  std::string prompt = BuildCokPrompt({ex}, "next");
  const std::string answer_part = prompt.substr(prompt.find("A: "));
  const CokAnswer a = ParseCokAnswer(answer_part);
  EXPECT_TRUE(a.problems.empty()) << a.problems.front();
  EXPECT_EQ(a.triples, ex.triples);
  EXPECT_EQ(a.hints, ex.hints);
  EXPECT_EQ(a.answer, ex.answer);
}

TEST(CokParseTest, DriftedFormats) {
  const CokAnswer a = ParseCokAnswer(
      "Evidence triples:\n"
      "- (Paris; capital of; France)\n"
      "* Berlin | capital of | Germany\n"
      "2) [\"Washington, D.C.\", capital of, United States]\n"
      "\u2022 <Rome, capital of, Italy> (Madrid, capital of, Spain)\n"
      "Paris is the capital of France.\n"
      "The answer is: \"Paris\".\n");
  ASSERT_EQ(a.triples.size(), 5u);
  EXPECT_EQ(a.triples[0], (Triple{"Paris", "capital of", "France"}));
  EXPECT_EQ(a.triples[1], (Triple{"Berlin", "capital of", "Germany"}));
  EXPECT_EQ(a.triples[2], (Triple{"Washington, D.C.", "capital of", "United States"}));
  EXPECT_EQ(a.triples[3], (Triple{"Rome", "capital of", "Italy"}));
  EXPECT_EQ(a.triples[4], (Triple{"Madrid", "capital of", "Spain"}));
  EXPECT_EQ(a.hints, "Paris is the capital of France.");
  EXPECT_EQ(a.answer, "Paris");
  ASSERT_EQ(a.problems.size(), 1u);
  EXPECT_TRUE(Contains(a.problems[0], "line 6: no 'Explanation hints:' header")) << a.problems[0];
}

TEST(CokParseTest, NoTripleHeaderAnswerHeaderAndFollowingQuestion) {
  const CokAnswer a = ParseCokAnswer(
      "A: 1. (Suriname, hasOfficialLanguage, Dutch_language)\n"
      "Explanation: Dutch is official\n"
      "in Suriname.\n"
      "Answer: Dutch\n"
      "\n"
      "Q: another question\n"
      "A: Evidence triples:\n");
  ASSERT_EQ(a.triples.size(), 1u);
  EXPECT_EQ(a.hints, "Dutch is official in Suriname.");
  EXPECT_EQ(a.answer, "Dutch");
  EXPECT_TRUE(a.problems.empty());
}

TEST(CokParseTest, AnswerInsideHintsLineAndQuotedCurly) {
  const CokAnswer a = ParseCokAnswer(
      "Evidence triples:\n1. (\u201cSuriname\u201d, hasOfficialLanguage, Dutch)\n"
      "Explanation hints: Dutch is official, so the answer is Dutch.");
  ASSERT_EQ(a.triples.size(), 1u);
  EXPECT_EQ(a.triples[0].subject, "Suriname");
  EXPECT_EQ(a.hints, "Dutch is official,");
  EXPECT_EQ(a.answer, "Dutch");
}

TEST(CokParseTest, ReportsWhatItCannotRead) {
  const CokAnswer a = ParseCokAnswer(
      "Evidence triples:\n"
      "1. (Paris, capital of)\n"
      "2. Paris is nice\n"
      "3. (a, b, c, d)\n"
      "4. (x, y, z\n"
      "5. (Rome, capital of, Italy)\n");
  ASSERT_EQ(a.triples.size(), 1u);
  ASSERT_EQ(a.problems.size(), 5u);
  EXPECT_TRUE(Contains(a.problems[0], "line 2: not a triple: expected 3 parts")) << a.problems[0];
  EXPECT_TRUE(Contains(a.problems[1], "line 3: not a triple: 2. Paris is nice")) << a.problems[1];
  EXPECT_TRUE(Contains(a.problems[2], "quote names that hold commas")) << a.problems[2];
  EXPECT_TRUE(Contains(a.problems[3], "line 5: not a triple: no closing ')'")) << a.problems[3];
  EXPECT_EQ(a.problems[4], "no answer ('So the answer is ...') found");
}

TEST(ParseTripleTest, Shapes) {
  for (const char* text : {"(Suriname, hasOfficialLanguage, Dutch_language)",
                           " 1. (Suriname; hasOfficialLanguage; Dutch_language) ",
                           "Suriname\thasOfficialLanguage\tDutch_language",
                           "Suriname | hasOfficialLanguage | Dutch_language",
                           "('Suriname', \"hasOfficialLanguage\", 'Dutch_language')"}) {
    auto t = ParseTriple(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ(*t, (Triple{"Suriname", "hasOfficialLanguage", "Dutch_language"})) << text;
  }
  auto nested = ParseTriple("(Mercury (planet), orbits, Sun)");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->subject, "Mercury (planet)");
  auto apostrophe = ParseTriple("(O'Brien, born in, Ireland's capital)");
  ASSERT_TRUE(apostrophe.ok());
  EXPECT_EQ(apostrophe->object, "Ireland's capital");
  EXPECT_EQ(FormatTriple(*nested), "(Mercury (planet), orbits, Sun)");
}

TEST(ParseTripleTest, Malformed) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {Case{"", "empty triple"}, Case{"   ", "empty triple"},
                        Case{"(a, b, c", "no closing ')'"}, Case{"(a, b, c) d", "text after"},
                        Case{"(a, b)", "found 2"}, Case{"(a, , c)", "empty relation"},
                        Case{"(, b, c)", "empty subject"}, Case{"(a, b, )", "empty object"},
                        Case{"(a, b, c, d)", "quote names"}, Case{"a b c", "found 1"}}) {
    auto t = ParseTriple(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(t.status().message(), c.message))
        << c.text << ": " << t.status().message();
  }
}

Json ReadJsonFile(const fs::path& path) {
  auto j = ParseJson(testing::ReadFile(path));
  EXPECT_TRUE(j.ok()) << path;
  return j.ok() ? *j : Json::array();
}

TEST(CokExemplarsTest, ReadsTheQaSets) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "qa/chain-of-knowledge");
  constexpr std::size_t kMax = 3;
  {
    const Json raw = ReadJsonFile(dir / "hotpotqa_simplified_data.json");
    auto ex = LoadCokExemplars(dir / "hotpotqa_simplified_data.json", kMax);
    ASSERT_TRUE(ex.ok()) << ex.status().ToString();
    ASSERT_EQ(ex->size(), kMax);
    EXPECT_EQ((*ex)[0].question, raw[0]["question"]);
    EXPECT_EQ((*ex)[0].answer, raw[0]["answer"]);
    EXPECT_TRUE((*ex)[0].triples.empty());
  }
  {
    const Json raw = ReadJsonFile(dir / "mmlu_mmlu_bio_simplified.json");
    auto ex = LoadCokExemplars(dir / "mmlu_mmlu_bio_simplified.json", 1);
    ASSERT_TRUE(ex.ok());
    ASSERT_EQ(ex->size(), 1u);
    const std::string letter = raw[0]["answer"];
    const std::string option = raw[0]["options"][letter[0] - 'A'];
    EXPECT_EQ((*ex)[0].answer, letter + ". " + option);
    EXPECT_TRUE(Contains((*ex)[0].question, "A. " + raw[0]["options"][0].get<std::string>()));
  }
  {
    const Json raw = ReadJsonFile(dir / "medmcqa_medmcqa.json");
    auto ex = LoadCokExemplars(dir / "medmcqa_medmcqa.json", 1);
    ASSERT_TRUE(ex.ok());
    ASSERT_EQ(ex->size(), 1u);
    const char* keys[] = {"opa", "opb", "opc", "opd"};
    EXPECT_EQ((*ex)[0].answer, raw[0][keys[raw[0]["cop"].get<int>() - 1]]);
    const std::string exp = raw[0]["exp"];
    EXPECT_EQ((*ex)[0].hints.substr(0, 20), exp.substr(0, 20));
    EXPECT_LE((*ex)[0].hints.size(), 420u);
  }
  {
    const Json raw = ReadJsonFile(dir / "fever_sampled_1000.json");
    auto ex = LoadCokExemplars(dir / "fever_sampled_1000.json", 1);
    ASSERT_TRUE(ex.ok());
    ASSERT_EQ(ex->size(), 1u);
    EXPECT_EQ((*ex)[0].question, "Is it true that " + raw[0]["claim"].get<std::string>() + "?");
    const std::string label = raw[0]["label"];
    EXPECT_EQ((*ex)[0].answer, label == "SUPPORTS"  ? "yes"
                               : label == "REFUTES" ? "no"
                                                    : "not enough information");
  }
}

TEST(CokExemplarsTest, PaperFieldsAndMalformedFiles) {
  testing::TempDir dir;
  const fs::path good = dir.path() / "good.json";
  testing::WriteFile(good,
                     R"json([{"question": "Q1", "answer": "A1", "hints": "H1",
                          "triples": [["s", "r", "o"], "(a; b; c)", "(broken", 7]
},
                         {"no": "question"}, 5,
                         {"question": "Q2", "options": ["x", "y"], "answer": "Z"}])json");
  auto ex = LoadCokExemplars(good, 10);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  ASSERT_EQ(ex->size(), 1u);
  EXPECT_EQ((*ex)[0].hints, "H1");
  EXPECT_EQ((*ex)[0].triples, (std::vector<Triple>{{"s", "r", "o"}, {"a", "b", "c"}}));
  auto none = LoadCokExemplars(good, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  EXPECT_EQ(LoadCokExemplars(dir.path() / "absent.json", 1).status().code(), StatusCode::kNotFound);
  const fs::path object = dir.path() / "object.json";
  testing::WriteFile(object, R"({"question": "Q"})");
  EXPECT_EQ(LoadCokExemplars(object, 1).status().code(), StatusCode::kInvalidArgument);
  const fs::path broken = dir.path() / "broken.json";
  testing::WriteFile(broken, "[{\"question\": ");
  EXPECT_EQ(LoadCokExemplars(broken, 1).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::knowledge
