// Knowledge-base benchmark on the WordNet triples (../shared/testdata/kb/
// wordnet/wn30_triples.tsv, or the TSV given as argv[1]):
//   - import records/s through the full importer (normalization, aliases,
//     FTS5), against plain SQLite inserts of the same rows as text into a
//     table with one UNIQUE index (the peer: what SQLite alone costs);
//   - pattern-query and full-text-search calls/s on the imported store;
//   - the database's size on disk against the raw TSV;
//   - F² verify calls/s on a store of every set in the test data (WordNet,
//     WN18RR named and by synset id, FB15k-237 with names, YAGO3-10,
//     countries): exact
//     (stored facts) and fuzzy (objects with one letter added, which go
//     through the candidate queries and FTS5).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "common/sqlite.h"
#include "common/testing/testdata.h"
#include "knowledge/importer.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/verifier.h"

namespace {

namespace fs = std::filesystem;
namespace kn = sextant::knowledge;
using Clock = std::chrono::steady_clock;

constexpr int kImportRuns = 3;
constexpr std::size_t kQueryCalls = 5000;
constexpr std::size_t kSearchCalls = 1000;
constexpr std::int64_t kPlainBatchRows = 50000;
constexpr std::size_t kExactVerifyCalls = 5000;
constexpr std::size_t kFuzzyVerifyCalls = 1000;
constexpr double kExactVerifyTarget = 2000;
constexpr double kFuzzyVerifyTarget = 200;
constexpr double kVerifyKbTarget = 200000;

double Seconds(Clock::time_point start) { return sextant::bench::SecondsSince(start); }

std::uintmax_t DbBytes(const fs::path& db) { return sextant::bench::SqliteBytes(db); }

struct Fact {
  std::string s, r, o;
};

std::vector<Fact> ReadFacts(const fs::path& path) {
  std::ifstream in(path);
  std::vector<Fact> facts;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    const auto t3 = line.find('\t', t2 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    facts.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1),
                     line.substr(t2 + 1, t3 == std::string::npos ? t3 : t3 - t2 - 1)});
  }
  return facts;
}

// Plain SQLite: the same rows as text, one UNIQUE index, same batch size.
double PlainInsertSeconds(const fs::path& db_path, const std::vector<Fact>& facts) {
  auto db = sextant::Database::Open(db_path);
  if (!db.ok()) return 0;
  if (!(*db)->Exec("CREATE TABLE t(s TEXT, r TEXT, o TEXT, UNIQUE(s, r, o))").ok()) return 0;
  const auto start = Clock::now();
  std::size_t i = 0;
  while (i < facts.size()) {
    auto txn = (*db)->Begin();
    if (!txn.ok()) return 0;
    for (std::int64_t n = 0; n < kPlainBatchRows && i < facts.size(); ++n, ++i) {
      if (!(*db)
               ->Execute("INSERT OR IGNORE INTO t VALUES(?, ?, ?)", facts[i].s, facts[i].r,
                         facts[i].o)
               .ok()) {
        return 0;
      }
    }
    if (!txn->Commit().ok()) return 0;
  }
  return Seconds(start);
}

struct VerifyRun {
  double rate = 0;
  std::size_t calls = 0;
  std::size_t hits = 0;  // verdicts of the expected kind
};

// Verifies up to `max_calls` facts spread over `facts`, with `suffix` added
// to each object; counts verdicts equal to `expected`.
VerifyRun TimeVerify(kn::Verifier& verifier, const std::vector<Fact>& facts, std::size_t max_calls,
                     const std::string& suffix, kn::Verdict expected) {
  VerifyRun run;
  const std::size_t step = std::max<std::size_t>(1, facts.size() / max_calls);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < facts.size() && run.calls < max_calls; i += step, ++run.calls) {
    auto v = verifier.VerifyTriple({facts[i].s, facts[i].r, facts[i].o + suffix});
    if (v.ok() && v->verdict == expected) ++run.hits;
  }
  run.rate = static_cast<double>(run.calls) / Seconds(start);
  return run;
}

// Imports every named set of the test data into `kb`, for the verify rows.
sextant::Status ImportNamedSets(kn::KnowledgeBase& kb, const fs::path& root) {
  auto fb_names = kn::ReadNameMap(root / "kb/FB15k-237/FB15k_mid2name.txt");
  if (!fb_names.ok()) return fb_names.status();
  struct Input {
    const char* file;
    bool header;
    bool names;
  };
  const Input inputs[] = {
      {"kb/wordnet/wn30_triples.tsv", true, false}, {"kb/WN18RR/train.named.tsv", false, false},
      {"kb/WN18RR/valid.named.tsv", false, false},  {"kb/WN18RR/test.named.tsv", false, false},
      {"kb/WN18RR/train.txt", false, false},        {"kb/WN18RR/valid.txt", false, false},
      {"kb/WN18RR/test.txt", false, false},         {"kb/FB15k-237/test.txt", false, true},
      {"kb/YAGO3-10/test.txt", false, false},       {"kb/countries/train.txt", false, false}};
  for (const Input& in : inputs) {
    kn::ImportOptions options;
    options.header = in.header;
    options.source_column = std::nullopt;
    options.default_source = in.file;
    auto report = kn::ImportFile(kb, root / in.file, options, in.names ? &*fb_names : nullptr);
    if (!report.ok()) return report.status();
  }
  return sextant::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  fs::path tsv;
  if (argc > 1) {
    tsv = argv[1];
  } else {
    auto root = sextant::testing::TestDataRoot();
    if (!root) {
      std::fprintf(stderr, "no test data: pass the TSV path or set SEXTANT_TESTDATA\n");
      return 1;
    }
    tsv = *root / "kb/wordnet/wn30_triples.tsv";
  }
  const std::vector<Fact> facts = ReadFacts(tsv);
  const auto raw_bytes = fs::file_size(tsv);
  sextant::testing::TempDir dir;

  std::vector<double> import_s;
  std::vector<double> plain_s;
  kn::ImportReport report;
  std::uintmax_t db_bytes = 0;
  std::uintmax_t plain_bytes = 0;
  for (int run = 0; run < kImportRuns; ++run) {
    const fs::path db = dir.path() / ("kb" + std::to_string(run) + ".sqlite");
    {
      auto kb = kn::KnowledgeBase::Open(db);
      if (!kb.ok()) {
        std::fprintf(stderr, "%s\n", kb.status().ToString().c_str());
        return 1;
      }
      kn::ImportOptions options;
      options.header = true;
      options.source_column = std::nullopt;
      options.default_source = "wordnet";
      auto r = kn::ImportFile(**kb, tsv, options);
      if (!r.ok()) {
        std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
        return 1;
      }
      report = *r;
      import_s.push_back(r->seconds);
    }
    db_bytes = DbBytes(db);  // after close: the WAL is checkpointed
    const fs::path plain = dir.path() / ("plain" + std::to_string(run) + ".sqlite");
    plain_s.push_back(PlainInsertSeconds(plain, facts));
    plain_bytes = DbBytes(plain);
  }
  const double rows = static_cast<double>(report.records);
  const double import_rate = rows / sextant::bench::Median(import_s);
  const double plain_rate = static_cast<double>(facts.size()) / sextant::bench::Median(plain_s);

  // Queries on the last store.
  auto kb = kn::KnowledgeBase::Open(dir.path() / "kb0.sqlite");
  if (!kb.ok()) return 1;
  const std::size_t step = std::max<std::size_t>(1, facts.size() / kQueryCalls);
  auto start = Clock::now();
  std::size_t calls = 0;
  std::size_t found = 0;
  for (std::size_t i = 0; i < facts.size() && calls < kQueryCalls; i += step, ++calls) {
    kn::TriplePattern p;
    p.s = facts[i].s;
    p.r = facts[i].r;
    auto rows_found = (*kb)->Query(p);
    if (rows_found.ok() && !rows_found->empty()) ++found;
  }
  const double query_rate = static_cast<double>(calls) / Seconds(start);
  const std::size_t answered = found;
  start = Clock::now();
  std::size_t searches = 0;
  const std::size_t sstep = std::max<std::size_t>(1, facts.size() / kSearchCalls);
  for (std::size_t i = 0; i < facts.size() && searches < kSearchCalls; i += sstep, ++searches) {
    auto hits = (*kb)->Search(facts[i].s + " " + facts[i].r + " " + facts[i].o);
    if (!hits.ok()) return 1;
  }
  const double search_rate = static_cast<double>(searches) / Seconds(start);

  // Verify on the store of every named set.
  std::int64_t verify_triples = 0;
  VerifyRun exact;
  VerifyRun fuzzy;
  if (auto root = sextant::testing::TestDataRoot()) {
    auto big = kn::KnowledgeBase::Open(dir.path() / "verify.sqlite");
    const sextant::Status imported = big.ok() ? ImportNamedSets(**big, *root) : big.status();
    if (!imported.ok()) {
      std::fprintf(stderr, "%s\n", imported.ToString().c_str());
      return 1;
    }
    auto stats = (*big)->Stats(0);
    if (stats.ok()) verify_triples = stats->triples;
    kn::Verifier verifier(**big);
    exact = TimeVerify(verifier, facts, kExactVerifyCalls, "", kn::Verdict::kSupported);
    fuzzy = TimeVerify(verifier, facts, kFuzzyVerifyCalls, "x", kn::Verdict::kPartiallySupported);
  }

  std::cout << "bench_kb on " << sextant::bench::CpuModelName() << "\n"
            << "data: " << tsv.string() << " (" << facts.size() << " rows, " << raw_bytes
            << " bytes)\n\n";
  sextant::bench::Table table({"measure", "value", "reference", "ratio"});
  table.AddRow({"import records/s (median of " + std::to_string(kImportRuns) + ")",
                sextant::bench::Fixed(import_rate, 0),
                "plain SQLite " + sextant::bench::Fixed(plain_rate, 0),
                sextant::bench::Fixed(import_rate / plain_rate, 2)});
  table.AddRow({"import target records/s", sextant::bench::Fixed(import_rate, 0), "100000",
                sextant::bench::Fixed(import_rate / 100000.0, 2)});
  table.AddRow({"query (s, r) calls/s", sextant::bench::Fixed(query_rate, 0),
                std::to_string(answered) + "/" + std::to_string(calls) + " answered", ""});
  table.AddRow({"search calls/s", sextant::bench::Fixed(search_rate, 0), "", ""});
  table.AddRow({"verify store triples", std::to_string(verify_triples), "target 200000",
                sextant::bench::Fixed(static_cast<double>(verify_triples) / kVerifyKbTarget, 2)});
  table.AddRow({"verify exact calls/s", sextant::bench::Fixed(exact.rate, 0),
                "target 2000; " + std::to_string(exact.hits) + "/" + std::to_string(exact.calls) +
                    " supported",
                sextant::bench::Fixed(exact.rate / kExactVerifyTarget, 2)});
  table.AddRow({"verify fuzzy calls/s", sextant::bench::Fixed(fuzzy.rate, 0),
                "target 200; " + std::to_string(fuzzy.hits) + "/" + std::to_string(fuzzy.calls) +
                    " partially_supported",
                sextant::bench::Fixed(fuzzy.rate / kFuzzyVerifyTarget, 2)});
  table.AddRow({"db bytes on disk", std::to_string(db_bytes),
                "raw TSV " + std::to_string(raw_bytes),
                sextant::bench::Fixed(static_cast<double>(db_bytes) / raw_bytes, 2)});
  table.AddRow({"plain SQLite bytes", std::to_string(plain_bytes),
                "raw TSV " + std::to_string(raw_bytes),
                sextant::bench::Fixed(static_cast<double>(plain_bytes) / raw_bytes, 2)});
  table.Print(std::cout);
  std::cout << "\nimport: " << report.added << " triples added, " << report.duplicates
            << " duplicates, " << report.rejected << " rejected\n";
  return 0;
}
