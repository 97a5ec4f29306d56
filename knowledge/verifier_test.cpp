// F² verification on a small knowledge base in a real SQLite file.
#include "knowledge/verifier.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::knowledge {
namespace {

using ::sextant::testing::Contains;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kb = KnowledgeBase::Open(dir_.path() / "kb.sqlite");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(*kb);
    for (const auto& [s, r, o] : std::vector<std::array<const char*, 3>>{
             {"Suriname", "hasOfficialLanguage", "Dutch_language"},
             {"France", "has_capital", "Paris"},
             {"Germany", "has_capital", "Berlin"},
             {"France", "neighbor", "Spain"},
             {"Zambia", "locatedin", "Eastern_Africa"},
             {"Eastern_Africa", "locatedin", "Africa"},
             {"Australia", "locatedin", "Oceania"},
             {"Papua_New_Guinea", "locatedin", "Oceania"}}) {
      ASSERT_TRUE(kb_->AddTriple({s, r, o, ""}).ok());
    }
    ASSERT_TRUE(kb_->AddTriple({"Italy", "has_capital", "Rome", "", 0.5}).ok());
    ASSERT_TRUE(kb_->SetRelationFunctional("has_capital", true).ok());
    ASSERT_TRUE(kb_->SetRelationInverse("has_capital", "capital_of").ok());
    ASSERT_TRUE(kb_->SetRelationInverse("neighbor", "neighbor").ok());
    ASSERT_TRUE(kb_->AddEntityAlias("France", "French Republic").ok());
    ASSERT_TRUE(kb_->AddRelationAlias("has_capital", "capital").ok());
  }

  TripleVerification Verify(const Triple& t, const VerifyOptions& options = {}) {
    Verifier verifier(*kb_, options);
    auto v = verifier.VerifyTriple(t);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : TripleVerification{};
  }

  testing::TempDir dir_;
  std::unique_ptr<KnowledgeBase> kb_;
};

TEST_F(VerifierTest, SupportedExactCamelCaseAndTheIssueExample) {
  for (const Triple& t : {Triple{"Suriname", "hasOfficialLanguage", "Dutch_language"},
                          Triple{"suriname", "has official language", "Dutch language"},
                          Triple{"SURINAME", "HasOfficialLanguage", "dutch_language."}}) {
    const TripleVerification v = Verify(t);
    EXPECT_EQ(v.verdict, Verdict::kSupported) << FormatTriple(t) << ": " << v.explanation;
    EXPECT_EQ(v.score, 1.0);
    ASSERT_EQ(v.evidence.size(), 1u);
    EXPECT_EQ(v.evidence[0], (Triple{"Suriname", "hasOfficialLanguage", "Dutch_language"}));
    EXPECT_EQ(v.explanation, "KB has (Suriname, hasOfficialLanguage, Dutch_language)");
  }
  // The score is the stored confidence.
  EXPECT_EQ(Verify({"Italy", "has_capital", "Rome"}).score, 0.5);
}

TEST_F(VerifierTest, SupportedThroughAliasesAndInverse) {
  const TripleVerification alias = Verify({"French Republic", "capital", "Paris"});
  EXPECT_EQ(alias.verdict, Verdict::kSupported) << alias.explanation;
  const TripleVerification inverse = Verify({"Paris", "capital_of", "France"});
  EXPECT_EQ(inverse.verdict, Verdict::kSupported) << inverse.explanation;
  EXPECT_TRUE(Contains(inverse.explanation, "(stored as its inverse)")) << inverse.explanation;
  const TripleVerification symmetric = Verify({"Spain", "neighbor", "France"});
  EXPECT_EQ(symmetric.verdict, Verdict::kSupported) << symmetric.explanation;
}

TEST_F(VerifierTest, PartiallySupported) {
  const TripleVerification object = Verify({"Germany", "has_capital", "Berlinn"});
  EXPECT_EQ(object.verdict, Verdict::kPartiallySupported) << object.explanation;
  EXPECT_GE(object.score, 0.8);
  EXPECT_LT(object.score, 1.0);
  ASSERT_FALSE(object.evidence.empty());
  EXPECT_EQ(object.evidence[0], (Triple{"Germany", "has_capital", "Berlin"}));
  EXPECT_TRUE(Contains(object.explanation, "object 'Berlinn' ~ 'Berlin'")) << object.explanation;

  const TripleVerification relation = Verify({"Suriname", "officialLanguage", "Dutch_language"});
  EXPECT_EQ(relation.verdict, Verdict::kPartiallySupported) << relation.explanation;
  EXPECT_TRUE(Contains(relation.explanation, "relation")) << relation.explanation;

  const TripleVerification spaced = Verify({"Zambia", "located in", "Eastern Africa"});
  EXPECT_EQ(spaced.verdict, Verdict::kPartiallySupported) << spaced.explanation;
}

TEST_F(VerifierTest, PartialThroughFullTextCandidates) {
  // "Papua New-Guinea" names no stored entity; with one candidate per
  // query, the (relation, object) list holds Australia only, and the FTS5
  // candidates find the close subject.
  VerifyOptions options;
  options.max_candidates = 1;
  const TripleVerification v = Verify({"Papua New-Guinea", "locatedin", "Oceania"}, options);
  EXPECT_EQ(v.verdict, Verdict::kPartiallySupported) << v.explanation;
  ASSERT_FALSE(v.evidence.empty());
  EXPECT_EQ(v.evidence[0].subject, "Papua_New_Guinea");
}

TEST_F(VerifierTest, Contradicted) {
  const TripleVerification v = Verify({"France", "has_capital", "Berlin"});
  EXPECT_EQ(v.verdict, Verdict::kContradicted) << v.explanation;
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.evidence, (std::vector<Triple>{{"France", "has_capital", "Paris"}}));
  EXPECT_EQ(v.explanation, "functional relation has_capital: KB has (France, has_capital, Paris)");
  // Through the aliases of the subject and the relation.
  const TripleVerification inv = Verify({"French Republic", "capital", "Lyon"});
  EXPECT_EQ(inv.verdict, Verdict::kContradicted) << inv.explanation;
}

TEST_F(VerifierTest, UnknownIsNotFalse) {
  // neighbor is not functional: another neighbor is no evidence against.
  const TripleVerification v = Verify({"France", "neighbor", "Italy"});
  EXPECT_EQ(v.verdict, Verdict::kUnknown) << v.explanation;
  EXPECT_EQ(v.score, 0.5);
  EXPECT_TRUE(v.evidence.empty());
  const TripleVerification nothing = Verify({"Atlantis", "has_capital", "Poseidonia"});
  EXPECT_EQ(nothing.verdict, Verdict::kUnknown);
  EXPECT_TRUE(Contains(nothing.explanation, "neither entity is in the KB")) << nothing.explanation;
  const TripleVerification bad = Verify({"\xff", "has_capital", "Paris"});
  EXPECT_EQ(bad.verdict, Verdict::kUnknown);
  EXPECT_TRUE(Contains(bad.explanation, "cannot read the subject")) << bad.explanation;
  const TripleVerification empty = Verify({"France", "...", "Paris"});
  EXPECT_TRUE(Contains(empty.explanation, "cannot read the relation")) << empty.explanation;
  VerifyOptions options;
  options.unknown_score = 0.25;
  EXPECT_EQ(Verify({"France", "neighbor", "Italy"}, options).score, 0.25);
}

TEST_F(VerifierTest, TransitiveRelations) {
  const Triple claim{"Zambia", "locatedin", "Africa"};
  EXPECT_EQ(Verify(claim).verdict, Verdict::kUnknown);
  VerifyOptions options;
  options.transitive_relations = {"LOCATEDIN"};
  const TripleVerification v = Verify(claim, options);
  EXPECT_EQ(v.verdict, Verdict::kSupported) << v.explanation;
  EXPECT_EQ(v.evidence, (std::vector<Triple>{{"Zambia", "locatedin", "Eastern_Africa"},
                                             {"Eastern_Africa", "locatedin", "Africa"}}));
  options.max_chain_hops = 1;
  EXPECT_EQ(Verify(claim, options).verdict, Verdict::kUnknown);
}

TEST_F(VerifierTest, ThresholdsAndOptionsAreConfigurable) {
  VerifyOptions strict;
  strict.partial_threshold = 0.99;
  // Not close enough any more: the functional relation contradicts it.
  EXPECT_EQ(Verify({"Germany", "has_capital", "Berlinn"}, strict).verdict, Verdict::kContradicted);
  VerifyOptions bad;
  bad.partial_threshold = 0;
  Verifier verifier(*kb_, bad);
  EXPECT_EQ(verifier.VerifyTriple({"a", "b", "c"}).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.max_candidates = 0;
  EXPECT_EQ(Verifier(*kb_, bad).VerifyTriple({"a", "b", "c"}).status().code(),
            StatusCode::kInvalidArgument);
  bad = {};
  bad.reliability_threshold = 1.5;
  EXPECT_EQ(Verifier(*kb_, bad).VerifyAnswer({}).status().code(), StatusCode::kInvalidArgument);
  VerifyOptions few;
  few.max_evidence = 1;
  ASSERT_TRUE(kb_->AddTriple({"Zambia", "has_capital", "Lusaka", ""}).ok());
  ASSERT_TRUE(kb_->AddTriple({"Zambia", "has_capital", "Lusaka_2", ""}).ok());
  const TripleVerification v = Verify({"Zambia", "has_capital", "Harare"}, few);
  EXPECT_EQ(v.verdict, Verdict::kContradicted);
  EXPECT_EQ(v.evidence.size(), 1u);
  EXPECT_TRUE(Contains(v.explanation, "and 1 more")) << v.explanation;
}

TEST(FaithfulnessTest, HandComputed) {
  CokAnswer a;
  a.triples = {{"Paris", "capital_of", "France"}};
  a.hints = "Paris is the capital of France.";
  a.answer = "Paris";
  // H = {paris, capital, france}, A = {paris}, T = {paris, capital, france}.
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 1.0);
  a.hints = "Paris is the largest city of France.";
  // H = {paris, largest, city, france}: 2 of 4 covered.
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 0.5 * 0.5 + 0.5 * 1.0);
  EXPECT_DOUBLE_EQ(Faithfulness(a, 1.0), 0.5);
  a.answer = "B. Lyon";  // the option letter is dropped: A = {lyon}
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 0.25);
  a.hints.clear();
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 0.0);
  a.answer = "the capitals";  // plural stemmed, stop word dropped
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 1.0);
  a.answer.clear();
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 0.0);
  a.triples.clear();
  a.hints = "Paris";
  EXPECT_DOUBLE_EQ(Faithfulness(a, 0.5), 0.0);
}

TEST_F(VerifierTest, AnswerReliability) {
  CokAnswer a;
  a.triples = {{"France", "has_capital", "Paris"},   // supported: 1
               {"France", "has_capital", "Berlin"},  // contradicted: 0
               {"France", "neighbor", "Italy"}};     // unknown: 0.5
  a.hints = "France has capital Paris and neighbor Italy.";
  a.answer = "Paris";
  Verifier verifier(*kb_);
  auto v = verifier.VerifyAnswer(a);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->triples.size(), 3u);
  EXPECT_DOUBLE_EQ(v->factuality, 0.5);
  EXPECT_DOUBLE_EQ(v->faithfulness, 1.0);
  EXPECT_DOUBLE_EQ(v->reliability, 0.75);
  EXPECT_TRUE(v->reliable);
  VerifyOptions options;
  options.reliability_threshold = 0.8;
  options.factuality_weight = 1.0;
  auto strict = Verifier(*kb_, options).VerifyAnswer(a);
  ASSERT_TRUE(strict.ok());
  EXPECT_DOUBLE_EQ(strict->reliability, 0.5);
  EXPECT_FALSE(strict->reliable);

  const Json j = ToJson(*v);
  EXPECT_EQ(j["triples"].size(), 3u);
  EXPECT_EQ(j["triples"][1]["verdict"], "contradicted");
  EXPECT_EQ(j["triples"][1]["evidence"][0]["o"], "Paris");
  EXPECT_EQ(j["triples"][0]["triple"]["s"], "France");
  EXPECT_EQ(j["reliability"], 0.75);
  EXPECT_EQ(j["reliable"], true);

  auto empty = verifier.VerifyAnswer({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->factuality, 0.0);
  EXPECT_FALSE(empty->reliable);
}

TEST_F(VerifierTest, RelatedTriplesAndRethinkPrompt) {
  Verifier verifier(*kb_);
  auto related = verifier.RelatedTriples("What is the capital of the French Republic?");
  ASSERT_TRUE(related.ok()) << related.status().ToString();
  EXPECT_EQ(*related, (std::vector<Triple>{{"France", "has_capital", "Paris"},
                                           {"France", "neighbor", "Spain"}}));
  auto two = verifier.RelatedTriples("Is Suriname near Eastern Africa or Zambia?", 2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].subject, "Suriname");  // one per entity in turn
  EXPECT_EQ((*two)[1].object, "Africa");
  auto none = verifier.RelatedTriples("nothing here at all");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  CokAnswer a;
  a.triples = {{"France", "has_capital", "Berlin"}, {"France", "neighbor", "Spain"}};
  a.answer = "Lyon";
  auto v = verifier.VerifyAnswer(a);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->reliable);
  const std::string prompt = BuildRethinkPrompt("What is the capital of France?", *v, *related);
  EXPECT_TRUE(Contains(prompt, "Q: What is the capital of France?")) << prompt;
  EXPECT_TRUE(Contains(prompt,
                       "1. (France, has_capital, Berlin): contradicted - functional "
                       "relation has_capital: KB has (France, has_capital, Paris)"))
      << prompt;
  EXPECT_FALSE(Contains(prompt, "(France, neighbor, Spain): supported")) << prompt;
  EXPECT_TRUE(Contains(prompt, "1. (France, has_capital, Paris)\n")) << prompt;
  EXPECT_TRUE(Contains(prompt, "So the answer is")) << prompt;
}

TEST_F(VerifierTest, RelatedTriplesFindNamesWithInnerPunctuation) {
  ASSERT_TRUE(kb_->AddTriple({"Guinea-Bissau", "has_capital", "Bissau", ""}).ok());
  ASSERT_TRUE(kb_->AddTriple({"St. Louis", "located_in", "Missouri", ""}).ok());
  Verifier verifier(*kb_);
  auto related = verifier.RelatedTriples("Is St. Louis bigger than the capital of Guinea-Bissau?");
  ASSERT_TRUE(related.ok()) << related.status().ToString();
  EXPECT_EQ(*related, (std::vector<Triple>{{"St. Louis", "located_in", "Missouri"},
                                           {"Guinea-Bissau", "has_capital", "Bissau"}}));
}

TEST(VerdictTest, Names) {
  EXPECT_EQ(VerdictName(Verdict::kSupported), "supported");
  EXPECT_EQ(VerdictName(Verdict::kPartiallySupported), "partially_supported");
  EXPECT_EQ(VerdictName(Verdict::kContradicted), "contradicted");
  EXPECT_EQ(VerdictName(Verdict::kUnknown), "unknown");
}

}  // namespace
}  // namespace sextant::knowledge
