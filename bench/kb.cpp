// Knowledge-base benchmark on the WordNet triples (../shared/testdata/kb/
// wordnet/wn30_triples.tsv, or the TSV given as argv[1]):
//   - import records/s through the full importer (normalization, aliases,
//     FTS5), against plain SQLite inserts of the same rows as text into a
//     table with one UNIQUE index (the peer: what SQLite alone costs);
//   - pattern-query and full-text-search calls/s on the imported store;
//   - the database's size on disk against the raw TSV.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "common/sqlite.h"
#include "common/testing/testdata.h"
#include "knowledge/importer.h"
#include "knowledge/knowledge_base.h"

namespace {

namespace fs = std::filesystem;
namespace kn = sextant::knowledge;
using Clock = std::chrono::steady_clock;

constexpr int kImportRuns = 3;
constexpr std::size_t kQueryCalls = 5000;
constexpr std::size_t kSearchCalls = 1000;
constexpr std::int64_t kPlainBatchRows = 50000;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::uintmax_t DbBytes(const fs::path& db) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto size = fs::file_size(db.string() + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

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
