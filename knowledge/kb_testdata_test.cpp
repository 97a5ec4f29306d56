// Imports the real knowledge-graph sets from the shared test data and
// queries facts read from the same files.
#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "knowledge/importer.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/normalize.h"

namespace sextant::knowledge {
namespace {

namespace fs = std::filesystem;
using Fact = std::array<std::string, 3>;

constexpr std::size_t kSampleQueries = 200;

std::vector<Fact> ReadFacts(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Fact> facts;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::array<std::string, 3> f;
    std::size_t start = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t tab = line.find('\t', start);
      f[i] = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
      start = tab == std::string::npos ? line.size() : tab + 1;
    }
    facts.push_back(std::move(f));
  }
  return facts;
}

std::string Key(std::string_view s) { return NormalizeKey(s).value_or("<invalid>"); }

std::unique_ptr<KnowledgeBase> NewKb() {
  auto kb = KnowledgeBase::OpenInMemory();
  EXPECT_TRUE(kb.ok()) << kb.status().ToString();
  return kb.ok() ? std::move(*kb) : nullptr;
}

ImportReport ImportOk(KnowledgeBase& kb, const fs::path& path, ImportOptions options = {},
                      const NameMap* names = nullptr) {
  options.source_column = std::nullopt;
  options.default_source = path.filename().string();
  auto report = ImportFile(kb, path, options, names);
  EXPECT_TRUE(report.ok()) << path << ": " << report.status().ToString();
  if (!report.ok()) return {};
  EXPECT_EQ(report->rejected, 0) << path << ": line " << report->rejects[0].line << ": "
                                 << report->rejects[0].reason;
  return *report;
}

// Whether Query(s, r) returns an object whose key is key(o).
bool Answers(KnowledgeBase& kb, const std::string& s, const std::string& r, const std::string& o) {
  TriplePattern p;
  p.s = s;
  p.r = r;
  QueryOptions options;
  options.limit = 10000;
  auto rows = kb.Query(p, options);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return false;
  const std::string want = Key(o);
  for (const TripleRow& row : *rows) {
    if (Key(row.o) == want) return true;
  }
  return false;
}

template <typename Fn>
void ForSample(const std::vector<Fact>& facts, Fn fn) {
  const std::size_t step = std::max<std::size_t>(1, facts.size() / kSampleQueries);
  for (std::size_t i = 0; i < facts.size(); i += step) fn(facts[i]);
}

TEST(KbTestDataTest, Wn18rrNamedImportsAndAnswers) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/WN18RR");
  auto kb = NewKb();
  std::set<std::array<std::string, 3>> distinct;
  std::int64_t lines = 0;
  for (const char* file : {"train.named.tsv", "test.named.tsv"}) {
    const auto facts = ReadFacts(dir / file);
    lines += static_cast<std::int64_t>(facts.size());
    for (const Fact& f : facts) {
      distinct.insert({Key(f[0]), *NormalizeRelationKey(f[1]), Key(f[2])});
    }
    const ImportReport report = ImportOk(*kb, dir / file);
    EXPECT_EQ(report.records, static_cast<std::int64_t>(facts.size()));
    EXPECT_EQ(report.added + report.duplicates, report.records);
  }
  auto stats = kb->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->triples, static_cast<std::int64_t>(distinct.size()));
  EXPECT_LE(stats->triples, lines);
  const auto test = ReadFacts(dir / "test.named.tsv");
  // WordNet's "_hypernym" is asked as "hypernym", names with spaces.
  ForSample(test, [&](const Fact& f) {
    std::string s = f[0];
    std::replace(s.begin(), s.end(), '_', ' ');
    EXPECT_TRUE(Answers(*kb, s, f[1].substr(1), f[2])) << f[0] << " " << f[1] << " " << f[2];
  });
}

TEST(KbTestDataTest, CountriesWithSymmetricNeighbors) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/countries");
  auto kb = NewKb();
  std::vector<Fact> all;
  std::set<std::string> names;
  for (const char* file : {"train.txt", "valid.txt", "test.txt"}) {
    ImportOk(*kb, dir / file);
    for (Fact& f : ReadFacts(dir / file)) {
      names.insert(f[0]);
      names.insert(f[2]);
      all.push_back(std::move(f));
    }
  }
  ASSERT_TRUE(kb->SetRelationInverse("neighbor", "neighbor").ok());
  for (const Fact& f : all) {
    ASSERT_TRUE(Answers(*kb, f[0], f[1], f[2])) << f[0] << " " << f[1] << " " << f[2];
    if (f[1] == "neighbor") {
      ASSERT_TRUE(Answers(*kb, f[2], f[1], f[0])) << "inverse of " << f[0] << " " << f[2];
    }
  }
  // Every entity of the dictionary that the facts mention names one entity.
  std::size_t checked = 0;
  for (const Fact& entry : ReadFacts(dir / "entities.dict")) {
    const std::string& name = entry[1];
    if (!names.contains(name)) continue;
    auto ids = kb->ResolveEntity(name);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(ids->size(), 1u) << name;
    ++checked;
  }
  EXPECT_EQ(checked, names.size());
}

TEST(KbTestDataTest, Yago310AnswersWithParaphrasedRelationsAndSearch) {
  SEXTANT_TESTDATA_OR_SKIP(path, "kb/YAGO3-10/test.txt");
  auto kb = NewKb();
  ImportOk(*kb, path);
  const auto facts = ReadFacts(path);
  ForSample(facts, [&](const Fact& f) {
    // "hasOfficialLanguage" asked as "has official language".
    std::string spaced = SplitCamelCase(f[1]);
    EXPECT_TRUE(Answers(*kb, f[0], spaced, f[2])) << f[0] << " " << spaced << " " << f[2];
    auto hits = kb->Search(f[0] + " " + spaced + " " + f[2]);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    ASSERT_FALSE(hits->empty());
    EXPECT_EQ(Key((*hits)[0].triple.s), Key(f[0])) << f[0] << " " << f[1] << " " << f[2];
  });
}

TEST(KbTestDataTest, Fb15k237WithNameMap) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/FB15k-237");
  auto names = ReadNameMap(dir / "FB15k_mid2name.txt");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  auto kb = NewKb();
  const ImportReport report = ImportOk(*kb, dir / "test.txt", {}, &*names);
  const auto facts = ReadFacts(dir / "test.txt");
  EXPECT_EQ(report.records, static_cast<std::int64_t>(facts.size()));
  auto name = [&](const std::string& id) {
    auto it = names->find(id);
    return it == names->end() ? id : it->second;
  };
  ForSample(facts, [&](const Fact& f) {
    EXPECT_TRUE(Answers(*kb, name(f[0]), f[1], name(f[2])))
        << name(f[0]) << " " << f[1] << " " << name(f[2]);
    EXPECT_TRUE(Answers(*kb, f[0], f[1], name(f[2]))) << "by id " << f[0];
  });
}

}  // namespace
}  // namespace sextant::knowledge
