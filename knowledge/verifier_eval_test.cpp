// Verdict accuracy on labelled sets derived from the shared knowledge-graph
// files (see docs/knowledge.md, "Measured"):
//   countries  KB from train.txt, locatedin functional and transitive,
//              neighbor symmetric.
//     held-out   test.txt + valid.txt (not in the KB)      -> supported
//     train      every 10th train.txt triple               -> supported
//     swapped    held-out, region swapped for each other region in
//                regions.list                               -> contradicted
//     non-neighbor  every 10th neighbor triple, object swapped for a
//                country the KB lists as no neighbor        -> unknown
//     paraphrase  every 10th train locatedin triple written
//                ("Eastern Africa", "located in", ...)      -> partially_supported
//   YAGO3-10   KB from test.txt; wasBornIn, diedIn, hasGender functional.
//     true       every 10th triple                          -> supported
//     swapped    object swapped for the next object of the same relation:
//                functional relation -> contradicted, else -> unknown
// Prints per-verdict precision and recall; the bounds asserted are the
// quality floor, well below what is measured.
#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "knowledge/importer.h"
#include "knowledge/verifier.h"

namespace sextant::knowledge {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSampleStep = 10;
constexpr double kMinRecall = 0.9;
constexpr double kMinPrecision = 0.9;
constexpr Verdict kVerdicts[] = {Verdict::kSupported, Verdict::kPartiallySupported,
                                 Verdict::kContradicted, Verdict::kUnknown};

std::vector<Triple> ReadTriples(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Triple> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    out.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)});
  }
  return out;
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

struct Labelled {
  Triple triple;
  Verdict expected;
  std::string group;
};

struct Tally {
  std::map<Verdict, std::map<Verdict, int>> counts;   // expected -> predicted -> n
  std::map<std::string, std::pair<int, int>> groups;  // group -> (right, all)

  int Expected(Verdict v) const {
    int n = 0;
    if (auto it = counts.find(v); it != counts.end()) {
      for (const auto& [p, c] : it->second) n += c;
    }
    return n;
  }
  int Predicted(Verdict v) const {
    int n = 0;
    for (const auto& [e, row] : counts) {
      if (auto it = row.find(v); it != row.end()) n += it->second;
    }
    return n;
  }
  int Right(Verdict v) const {
    auto it = counts.find(v);
    if (it == counts.end()) return 0;
    auto jt = it->second.find(v);
    return jt == it->second.end() ? 0 : jt->second;
  }
  double Precision(Verdict v) const {
    return Predicted(v) == 0 ? 1.0 : static_cast<double>(Right(v)) / Predicted(v);
  }
  double Recall(Verdict v) const {
    return Expected(v) == 0 ? 1.0 : static_cast<double>(Right(v)) / Expected(v);
  }
};

Tally Evaluate(Verifier& verifier, const std::vector<Labelled>& set, std::string_view name) {
  Tally tally;
  int shown = 0;
  for (const Labelled& l : set) {
    auto v = verifier.VerifyTriple(l.triple);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (!v.ok()) continue;
    ++tally.counts[l.expected][v->verdict];
    auto& g = tally.groups[l.group];
    g.first += v->verdict == l.expected ? 1 : 0;
    ++g.second;
    if (v->verdict != l.expected && shown++ < 5) {
      std::cout << "  miss [" << l.group << "] " << FormatTriple(l.triple) << ": "
                << VerdictName(v->verdict) << " - " << v->explanation << "\n";
    }
  }
  std::cout << name << ": " << set.size() << " labelled triples\n";
  for (const auto& [group, g] : tally.groups) {
    std::cout << "  group " << group << ": " << g.first << "/" << g.second << " right\n";
  }
  for (Verdict v : kVerdicts) {
    std::cout << "  " << VerdictName(v) << ": expected " << tally.Expected(v) << ", predicted "
              << tally.Predicted(v) << ", precision " << tally.Precision(v) << ", recall "
              << tally.Recall(v) << "\n";
  }
  return tally;
}

std::unique_ptr<KnowledgeBase> ImportTsv(const fs::path& file) {
  auto kb = KnowledgeBase::OpenInMemory();
  EXPECT_TRUE(kb.ok());
  if (!kb.ok()) return nullptr;
  ImportOptions options;
  options.source_column = std::nullopt;
  auto report = ImportFile(**kb, file, options);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  return std::move(*kb);
}

// "eastern_africa" -> "Eastern Africa".
std::string Written(std::string name) {
  bool start = true;
  for (char& c : name) {
    if (c == '_') c = ' ';
    if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = c == ' ';
  }
  return name;
}

TEST(VerifierEvalTest, Countries) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/countries");
  auto kb = ImportTsv(dir / "train.txt");
  ASSERT_NE(kb, nullptr);
  ASSERT_TRUE(kb->SetRelationFunctional("locatedin", true).ok());
  ASSERT_TRUE(kb->SetRelationInverse("neighbor", "neighbor").ok());
  const std::vector<Triple> train = ReadTriples(dir / "train.txt");
  std::vector<Triple> held_out = ReadTriples(dir / "test.txt");
  for (Triple& t : ReadTriples(dir / "valid.txt")) held_out.push_back(std::move(t));
  const std::vector<std::string> regions = ReadLines(dir / "regions.list");
  ASSERT_FALSE(held_out.empty());
  ASSERT_GE(regions.size(), 2u);

  std::set<std::pair<std::string, std::string>> neighbors;
  std::vector<std::string> countries;
  for (const Triple& t : train) {
    if (t.relation != "neighbor") continue;
    neighbors.emplace(t.subject, t.object);
    neighbors.emplace(t.object, t.subject);
    countries.push_back(t.subject);
  }
  std::sort(countries.begin(), countries.end());
  countries.erase(std::unique(countries.begin(), countries.end()), countries.end());

  std::vector<Labelled> set;
  for (const Triple& t : held_out) {
    set.push_back({t, Verdict::kSupported, "held-out"});
    for (const std::string& region : regions) {
      if (region != t.object) {
        set.push_back({{t.subject, t.relation, region}, Verdict::kContradicted, "swapped"});
      }
    }
  }
  std::size_t neighbor_i = 0;
  std::size_t located_i = 0;
  for (std::size_t i = 0; i < train.size(); ++i) {
    const Triple& t = train[i];
    if (i % kSampleStep == 0) set.push_back({t, Verdict::kSupported, "train"});
    if (t.relation == "neighbor" && neighbor_i++ % kSampleStep == 0) {
      auto at = std::lower_bound(countries.begin(), countries.end(), t.object) - countries.begin();
      for (std::size_t k = 1; k < countries.size(); ++k) {
        const std::string& c = countries[(at + k) % countries.size()];
        if (c != t.subject && !neighbors.count({t.subject, c})) {
          set.push_back({{t.subject, t.relation, c}, Verdict::kUnknown, "non-neighbor"});
          break;
        }
      }
    }
    if (t.relation == "locatedin" && located_i++ % kSampleStep == 0) {
      set.push_back({{Written(t.subject), "located in", Written(t.object)},
                     Verdict::kPartiallySupported,
                     "paraphrase"});
    }
  }

  VerifyOptions options;
  options.transitive_relations = {"locatedin"};
  Verifier verifier(*kb, options);
  const Tally tally = Evaluate(verifier, set, "countries");
  for (Verdict v : kVerdicts) {
    if (tally.Expected(v) == 0) continue;
    EXPECT_GE(tally.Recall(v), kMinRecall) << VerdictName(v);
    EXPECT_GE(tally.Precision(v), kMinPrecision) << VerdictName(v);
  }
}

TEST(VerifierEvalTest, Yago) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/YAGO3-10");
  auto kb = ImportTsv(dir / "test.txt");
  ASSERT_NE(kb, nullptr);
  const std::set<std::string> functional = {"wasBornIn", "diedIn", "hasGender"};
  for (const std::string& r : functional) ASSERT_TRUE(kb->SetRelationFunctional(r, true).ok());
  const std::vector<Triple> facts = ReadTriples(dir / "test.txt");
  std::set<std::array<std::string, 3>> stored;
  for (const Triple& t : facts) stored.insert({t.subject, t.relation, t.object});
  std::map<std::string, std::vector<std::string>> objects;  // relation -> objects in file order
  for (const Triple& t : facts) objects[t.relation].push_back(t.object);

  std::vector<Labelled> set;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < facts.size(); i += kSampleStep) {
    const Triple& t = facts[i];
    set.push_back({t, Verdict::kSupported, "true"});
    const auto& objs = objects[t.relation];
    const std::size_t at = seen[t.relation]++ * kSampleStep;
    for (std::size_t k = 1; k < objs.size(); ++k) {
      const std::string& o = objs[(at + k) % objs.size()];
      if (o == t.object || stored.count({t.subject, t.relation, o})) continue;
      const bool f = functional.count(t.relation) > 0;
      set.push_back({{t.subject, t.relation, o},
                     f ? Verdict::kContradicted : Verdict::kUnknown,
                     f ? "swapped functional" : "swapped other"});
      break;
    }
  }
  Verifier verifier(*kb);
  const Tally tally = Evaluate(verifier, set, "YAGO3-10");
  EXPECT_GE(tally.Recall(Verdict::kSupported), kMinRecall);
  EXPECT_GE(tally.Precision(Verdict::kSupported), kMinPrecision);
  EXPECT_GE(tally.Recall(Verdict::kContradicted), kMinRecall);
  EXPECT_GE(tally.Precision(Verdict::kContradicted), kMinPrecision);
}

TEST(VerifierEvalTest, IssueExampleOnYago) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/YAGO3-10");
  auto kb = ImportTsv(dir / "test.txt");
  ASSERT_NE(kb, nullptr);
  Verifier verifier(*kb);
  auto v = verifier.VerifyTriple({"Suriname", "hasOfficialLanguage", "Dutch_language"});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->verdict, Verdict::kSupported) << v->explanation;
}

}  // namespace
}  // namespace sextant::knowledge
