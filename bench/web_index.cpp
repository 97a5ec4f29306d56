#include "bench/web_index.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "bench/bench_util.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/index_sources.h"
#include "toolserver/tools/web/search_index.h"
#include "toolserver/tools/web/sqlite_doc_queries.h"

namespace sextant::bench {
namespace {

namespace fs = std::filesystem;
namespace web = toolserver::web;

constexpr std::string_view kBaseUrl = "http://bench.test/doc";
constexpr std::size_t kBatchDocs = 256;
constexpr int kSearchPasses = 10;
constexpr std::size_t kSearchK = 10;
constexpr double kMs = 1000.0;

// The sqlite3-doc pages, extracted once, with their paths under the site.
struct Page {
  std::string path;
  web::IndexDocument doc;
};

std::vector<Page> ExtractSite(const fs::path& site) {
  std::vector<Page> pages;
  const web::IndexSourceOptions defaults;
  for (const auto& entry : fs::recursive_directory_iterator(site)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".html" && ext != ".htm")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream html;
    html << in.rdbuf();
    auto page = web::ExtractPage(html.str(), defaults.extract);
    if (!page.ok()) continue;
    Page p;
    p.path = entry.path().lexically_relative(site).generic_string();
    p.doc.title = std::move(page->title);
    p.doc.text = std::move(page->text);
    pages.push_back(std::move(p));
  }
  return pages;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
  return values[std::min(i, values.size() - 1)];
}

// Milliseconds of each search of the query set, kSearchPasses times over.
std::vector<double> SearchLatencies(web::SearchIndex& index, bool& failed) {
  std::vector<double> ms;
  for (int pass = 0; pass < kSearchPasses; ++pass) {
    for (const web::SqliteDocQuery& q : web::kSqliteDocQueries) {
      const auto start = std::chrono::steady_clock::now();
      failed = failed || !index.Search(q.query, kSearchK).ok();
      ms.push_back(SecondsSince(start) * kMs);
    }
  }
  return ms;
}

// Adds `copies` copies of `pages`, each under its own URL prefix, in batches.
Status AddCopies(web::SearchIndex& index, const std::vector<Page>& pages, std::size_t copies) {
  std::vector<web::IndexDocument> batch;
  for (std::size_t c = 0; c < copies; ++c) {
    for (const Page& page : pages) {
      web::IndexDocument doc = page.doc;
      doc.url = "http://copy" + std::to_string(c) + ".bench.test/" + page.path;
      batch.push_back(std::move(doc));
      if (batch.size() == kBatchDocs) {
        SEXTANT_RETURN_IF_ERROR(index.AddAll(batch).status());
        batch.clear();
      }
    }
  }
  return index.AddAll(batch).status();
}

int Error(std::ostream& out, const Status& status) {
  out << "bench_web index: " << status.ToString() << "\n";
  return 1;
}

}  // namespace

int RunIndexBench(const fs::path& site, std::size_t min_docs, std::ostream& out) {
  if (!fs::is_directory(site)) {
    out << "\nLocal search index: skipped, no sqlite3-doc site at " << site.string()
        << " (apt-get install sqlite3-doc)\n";
    return 0;
  }
  const fs::path tmp =
      fs::temp_directory_path() / ("sextant-bench-index-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmp};

  auto small = web::SearchIndex::Open(tmp / "site.sqlite");
  if (!small.ok()) return Error(out, small.status());
  auto first = web::IndexDirectory(**small, site, std::string(kBaseUrl));
  if (!first.ok()) return Error(out, first.status());
  auto again = web::IndexDirectory(**small, site, std::string(kBaseUrl));
  if (!again.ok()) return Error(out, again.status());
  const web::QuerySetScore score = web::ScoreSqliteDocQueries(**small, std::string(kBaseUrl));
  bool failed = false;
  const std::vector<double> small_ms = SearchLatencies(**small, failed);

  const std::vector<Page> pages = ExtractSite(site);
  if (pages.empty()) return Error(out, NotFoundError("no pages extracted from " + site.string()));
  const std::size_t copies = (min_docs + pages.size() - 1) / pages.size();
  auto big = web::SearchIndex::Open(tmp / "big.sqlite");
  if (!big.ok()) return Error(out, big.status());
  const auto add_start = std::chrono::steady_clock::now();
  if (Status st = AddCopies(**big, pages, copies); !st.ok()) return Error(out, st);
  const double add_s = SecondsSince(add_start);
  auto big_stats = (*big)->Stats();
  if (!big_stats.ok()) return Error(out, big_stats.status());
  const std::vector<double> big_ms = SearchLatencies(**big, failed);
  if (failed) return Error(out, InternalError("a search of the query set failed"));

  const auto docs = static_cast<double>(big_stats->documents);
  const std::string searches =
      std::to_string(small_ms.size()) + " searches, k=" + std::to_string(kSearchK);
  out << "\nLocal search index (SQLite FTS5, BM25) on " << CpuModelName()
      << ", sqlite3-doc: " << first->pages() << " pages\n\n";
  Table table({"measure", "value", "note"});
  table.AddRow({"index site (read, extract, write)", Fixed(first->PagesPerSecond(), 0) + " pages/s",
                Fixed(first->seconds, 2) + " s"});
  table.AddRow({"re-index site, all unchanged", Fixed(again->PagesPerSecond(), 0) + " pages/s",
                std::to_string(again->unchanged) + " unchanged"});
  table.AddRow({"add extracted docs", Fixed(docs / add_s, 0) + " docs/s",
                std::to_string(big_stats->documents) + " docs, " +
                    Fixed(static_cast<double>(SqliteBytes(tmp / "big.sqlite")) / 1e6, 1) +
                    " MB on disk"});
  table.AddRow({"search p50, " + std::to_string(first->pages()) + " docs",
                Fixed(Percentile(small_ms, 0.5), 2) + " ms", searches});
  table.AddRow({"search p99, " + std::to_string(first->pages()) + " docs",
                Fixed(Percentile(small_ms, 0.99), 2) + " ms", searches});
  table.AddRow({"search p50, " + std::to_string(big_stats->documents) + " docs",
                Fixed(Percentile(big_ms, 0.5), 2) + " ms", searches});
  table.AddRow({"search p99, " + std::to_string(big_stats->documents) + " docs",
                Fixed(Percentile(big_ms, 0.99), 2) + " ms", searches});
  table.AddRow({"recall@3", Fixed(score.recall_at_k, 3),
                std::to_string(score.queries) + " queries with known pages, aim 0.90"});
  table.AddRow({"MRR (top 10)", Fixed(score.mrr, 3), ""});
  table.Print(out);
  for (const auto& miss : score.misses) out << "  miss: " << miss << "\n";
  return 0;
}

}  // namespace sextant::bench
