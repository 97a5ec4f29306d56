#include "knowledge/knowledge_base.h"

#include <algorithm>
#include <memory>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::knowledge {
namespace {

std::unique_ptr<KnowledgeBase> MakeKb(const KnowledgeBaseOptions& options = {}) {
  auto kb = KnowledgeBase::OpenInMemory(options);
  EXPECT_TRUE(kb.ok()) << kb.status().ToString();
  return kb.ok() ? std::move(*kb) : nullptr;
}

void Add(KnowledgeBase& kb, std::string_view s, std::string_view r, std::string_view o,
         std::string_view source = "") {
  TripleInput t;
  t.s = s;
  t.r = r;
  t.o = o;
  t.source = source;
  auto added = kb.AddTriple(t);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
}

std::vector<TripleRow> Q(KnowledgeBase& kb, std::optional<std::string> s,
                         std::optional<std::string> r, std::optional<std::string> o) {
  TriplePattern p;
  p.s = std::move(s);
  p.r = std::move(r);
  p.o = std::move(o);
  auto rows = kb.Query(p);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? *rows : std::vector<TripleRow>{};
}

TEST(KnowledgeBaseTest, AddsTriplesOnceAndMatchesThroughNormalization) {
  auto kb = MakeKb();
  TripleInput t{"Suriname", "hasOfficialLanguage", "Dutch_language", "yago", 0.9};
  auto first = kb->AddTriple(t);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  TripleInput same{"suriname", "has official language", "dutch language", "other", 1.0};
  auto second = kb->AddTriple(same);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);

  auto rows = Q(*kb, "SURINAME", "has_official_language", std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].s, "Suriname");
  EXPECT_EQ(rows[0].r, "hasOfficialLanguage");
  EXPECT_EQ(rows[0].o, "Dutch_language");
  EXPECT_EQ(rows[0].source, "yago");
  EXPECT_DOUBLE_EQ(rows[0].confidence, 0.9);
  EXPECT_FALSE(rows[0].via_inverse);

  EXPECT_EQ(Q(*kb, std::nullopt, std::nullopt, "Dutch language.").size(), 1u);
  EXPECT_TRUE(Q(*kb, "Suriname", "playsFor", std::nullopt).empty());
  EXPECT_TRUE(Q(*kb, "Nowhere", std::nullopt, std::nullopt).empty());
}

TEST(KnowledgeBaseTest, RejectsBadConfidenceAndNames) {
  KnowledgeBaseOptions options;
  options.max_name_bytes = 8;
  auto kb = MakeKb(options);
  for (double c : {-0.1, 1.5}) {
    TripleInput t{"a", "r", "b", "", c};
    EXPECT_EQ(kb->AddTriple(t).status().code(), StatusCode::kInvalidArgument);
  }
  TripleInput empty{"...", "r", "b", "", 1.0};
  EXPECT_EQ(kb->AddTriple(empty).status().code(), StatusCode::kInvalidArgument);
  TripleInput long_name{"123456789", "r", "b", "", 1.0};
  EXPECT_EQ(kb->AddTriple(long_name).status().code(), StatusCode::kInvalidArgument);
  TripleInput fits{"12345678", "r", "b", "", 1.0};
  EXPECT_TRUE(kb->AddTriple(fits).ok());
  TripleInput bad_utf8{"a\xFF", "r", "b", "", 1.0};
  EXPECT_EQ(kb->AddTriple(bad_utf8).status().code(), StatusCode::kInvalidArgument);
}

TEST(KnowledgeBaseTest, AliasesResolveForQueriesAndInserts) {
  auto kb = MakeKb();
  Add(*kb, "United_States", "hasCapital", "Washington,_D.C.");
  ASSERT_TRUE(kb->AddEntityAlias("United States", "USA").ok());
  ASSERT_TRUE(kb->AddRelationAlias("hasCapital", "capital").ok());
  auto rows = Q(*kb, "usa", "capital", std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].o, "Washington,_D.C.");
  // A triple written with the alias lands on the same entity.
  Add(*kb, "USA", "hasCurrency", "US dollar");
  EXPECT_EQ(Q(*kb, "United_States", std::nullopt, std::nullopt).size(), 2u);
  auto ids = kb->ResolveEntity("U.S.A");  // punctuation inside stays: no match
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
}

TEST(KnowledgeBaseTest, InverseRelationsAnswerBothWays) {
  auto kb = MakeKb();
  Add(*kb, "dog", "hypernym", "canine");
  Add(*kb, "mammal", "hyponym", "canine");
  ASSERT_TRUE(kb->SetRelationInverse("_hypernym", "_hyponym").ok());
  auto up = Q(*kb, "canine", "hyponym", std::nullopt);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].o, "dog");
  EXPECT_TRUE(up[0].via_inverse);
  EXPECT_EQ(up[0].r, "hyponym");
  auto down = Q(*kb, "canine", "hypernym", std::nullopt);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].o, "mammal");
  EXPECT_TRUE(down[0].via_inverse);
  EXPECT_EQ(Q(*kb, std::nullopt, "hypernym", std::nullopt).size(), 2u);
}

TEST(KnowledgeBaseTest, SymmetricRelationDoesNotDuplicate) {
  auto kb = MakeKb();
  Add(*kb, "france", "neighbor", "spain");
  Add(*kb, "spain", "neighbor", "france");
  Add(*kb, "france", "neighbor", "belgium");
  ASSERT_TRUE(kb->SetRelationInverse("neighbor", "neighbor").ok());
  EXPECT_EQ(Q(*kb, "france", "neighbor", std::nullopt).size(), 2u);
  auto belgium = Q(*kb, "belgium", "neighbor", std::nullopt);
  ASSERT_EQ(belgium.size(), 1u);
  EXPECT_EQ(belgium[0].o, "france");
}

TEST(KnowledgeBaseTest, FunctionalFlag) {
  auto kb = MakeKb();
  Add(*kb, "Paris", "capitalOf", "France");
  auto before = kb->IsFunctional("capital of");
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  ASSERT_TRUE(kb->SetRelationFunctional("capital_of", true).ok());
  auto after = kb->IsFunctional("capitalOf");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
  auto unknown = kb->IsFunctional("bornIn");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(*unknown);
}

TEST(KnowledgeBaseTest, SearchRanksByBm25WithHighlights) {
  auto kb = MakeKb();
  Add(*kb, "Suriname", "hasOfficialLanguage", "Dutch_language");
  Add(*kb, "Netherlands", "hasOfficialLanguage", "Dutch_language");
  Add(*kb, "Suriname", "hasCapital", "Paramaribo");
  Add(*kb, "Belgium", "hasCapital", "Brussels");
  auto hits = kb->Search("official language of Suriname?");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_GE(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].triple.s, "Suriname");
  EXPECT_EQ((*hits)[0].triple.o, "Dutch_language");
  EXPECT_EQ((*hits)[0].snippet, "[Suriname] has [official] [language] Dutch_[language]");
  for (std::size_t i = 1; i < hits->size(); ++i) {
    EXPECT_GE((*hits)[i - 1].score, (*hits)[i].score);
  }
  SearchOptions one;
  one.limit = 1;
  auto limited = kb->Search("suriname", one);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 1u);
  EXPECT_EQ(kb->Search(" ?! ").status().code(), StatusCode::kInvalidArgument);
  auto none = kb->Search("zebra");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // FTS syntax in the text is taken as words.
  auto syntax = kb->Search("Belgium\" OR NEAR(");
  ASSERT_TRUE(syntax.ok()) << syntax.status().ToString();
  EXPECT_FALSE(syntax->empty());
}

TEST(KnowledgeBaseTest, SearchLeavesVeryCommonWordsOutOfTheAnyWordPass) {
  for (std::int64_t limit : {std::int64_t{3}, std::int64_t{0}}) {
    KnowledgeBaseOptions options;
    options.max_any_word_rows = limit;
    auto kb = MakeKb(options);
    for (int i = 0; i < 5; ++i) Add(*kb, "city" + std::to_string(i), "hypernym", "place");
    Add(*kb, "Lima", "capital_of", "Peru");
    auto hits = kb->Search("Lima hypernym");
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    // "hypernym" is in 5 triples: over a limit of 3 it finds only Lima's.
    EXPECT_EQ(hits->size(), limit == 3 ? 1u : 6u) << "limit " << limit;
    EXPECT_EQ((*hits)[0].triple.s, "Lima");
    // A search of common words only still finds rows holding all of them.
    auto common = kb->Search("hypernym place");
    ASSERT_TRUE(common.ok());
    EXPECT_EQ(common->size(), 5u);
  }
}

TEST(KnowledgeBaseTest, SearchFollowsARenamedEntity) {
  auto kb = MakeKb();
  Add(*kb, "Q90", "capitalOf", "Q142");
  ASSERT_TRUE(kb->SetEntityName("Q90", "Paris").ok());
  auto hits = kb->Search("paris");
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].triple.s, "Paris");
  auto old = kb->Search("q90");
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->empty());
  EXPECT_EQ(Q(*kb, "Q90", std::nullopt, std::nullopt).size(), 1u);  // the key stays
}

TEST(KnowledgeBaseTest, NeighborsByHopsWithBound) {
  auto kb = MakeKb();
  Add(*kb, "a", "r", "b");
  Add(*kb, "b", "r", "c");
  Add(*kb, "c", "r", "d");
  Add(*kb, "x", "r", "a");
  auto one = kb->Neighbors("a");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->edges.size(), 2u);
  EXPECT_FALSE(one->truncated);
  NeighborOptions two;
  two.hops = 2;
  auto r2 = kb->Neighbors("a", two);
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->edges.size(), 3u);
  EXPECT_EQ(r2->edges.back().hop, 2);
  EXPECT_EQ(r2->edges.back().triple.s, "b");
  two.max_edges = 2;
  auto bounded = kb->Neighbors("a", two);
  ASSERT_TRUE(bounded.ok());
  EXPECT_EQ(bounded->edges.size(), 2u);
  EXPECT_TRUE(bounded->truncated);
  two.hops = 0;
  EXPECT_EQ(kb->Neighbors("a", two).status().code(), StatusCode::kInvalidArgument);
  two.hops = NeighborOptions::kMaxHops + 1;
  EXPECT_EQ(kb->Neighbors("a", two).status().code(), StatusCode::kInvalidArgument);
}

TEST(KnowledgeBaseTest, QueryLimitAndMatchIdLimit) {
  KnowledgeBaseOptions options;
  options.max_match_ids = 1;
  auto kb = MakeKb(options);
  Add(*kb, "a", "r", "b");
  Add(*kb, "a", "r", "c");
  Add(*kb, "a", "r", "d");
  TriplePattern p;
  p.s = "a";
  QueryOptions two;
  two.limit = 2;
  auto rows = kb->Query(p, two);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
  Add(*kb, "z", "r", "e");
  ASSERT_TRUE(kb->AddEntityAlias("z", "a").ok());  // "a" now names two entities
  EXPECT_EQ(kb->Query(p).status().code(), StatusCode::kResourceExhausted);
}

TEST(KnowledgeBaseTest, StatsAndPersistence) {
  testing::TempDir dir;
  const auto path = dir.path() / "kb.sqlite";
  {
    auto kb = KnowledgeBase::Open(path);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    auto txn = (*kb)->Begin();
    ASSERT_TRUE(txn.ok());
    Add(**kb, "a", "likes", "b");
    Add(**kb, "b", "likes", "c");
    Add(**kb, "a", "knows", "c");
    ASSERT_TRUE(txn->Commit().ok());
    auto rolled = (*kb)->Begin();
    ASSERT_TRUE(rolled.ok());
    Add(**kb, "q", "likes", "w");
    ASSERT_TRUE(rolled->Rollback().ok());
    (*kb)->ClearCache();
    Add(**kb, "q", "likes", "w2");  // works after the rollback
  }
  auto kb = KnowledgeBase::Open(path);
  ASSERT_TRUE(kb.ok());
  auto stats = (*kb)->Stats(1);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->triples, 4);
  EXPECT_EQ(stats->entities, 5);  // a, b, c, q, w2
  EXPECT_EQ(stats->relations, 2);
  ASSERT_EQ(stats->top_relations.size(), 1u);
  EXPECT_EQ(stats->top_relations[0].name, "likes");
  EXPECT_EQ(stats->top_relations[0].triples, 3);
}

}  // namespace
}  // namespace sextant::knowledge
