// Web page extraction over mozilla/readability's test pages: throughput
// against a Gumbo parse of the same bytes (the floor every extraction pays),
// mean token F1 against readability's expected text, title exact-match rate,
// and the ten worst pages by F1. Then the local search index over the
// sqlite3-doc site (web_index.h).
//
// Usage: bench_web [test-pages-dir] [repetitions]
//   (default <source>/../shared/testdata/html/readability/test-pages, 5)
#include <gumbo.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/web_index.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/quality.h"

namespace web = sextant::toolserver::web;
namespace fs = std::filesystem;

namespace {

constexpr int kDefaultReps = 5;
constexpr int kWorstPages = 10;
constexpr double kBytesPerMB = 1e6;

fs::path DefaultPagesDir() {
  const char* env = std::getenv("SEXTANT_TESTDATA");
  const fs::path root =
      env ? fs::path(env) : fs::path(SEXTANT_SOURCE_DIR) / ".." / "shared" / "testdata";
  return root / "html" / "readability" / "test-pages";
}

std::vector<std::string> LoadSources(const fs::path& dir) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (fs::exists(e.path() / "source.html")) paths.push_back(e.path() / "source.html");
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back(s.str());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : DefaultPagesDir();
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : kDefaultReps;
  if (!fs::is_directory(dir)) {
    std::cerr << "bench_web: no test pages at " << dir << "\n";
    return 2;
  }
  const std::vector<std::string> sources = LoadSources(dir);
  std::size_t total_bytes = 0;
  for (const auto& s : sources) total_bytes += s.size();

  const double parse_s = sextant::bench::MedianSeconds(reps, [&] {
    for (const auto& s : sources) {
      GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, s.data(), s.size());
      gumbo_destroy_output(&kGumboDefaultOptions, out);
    }
  });
  bool failed = false;
  const double extract_s = sextant::bench::MedianSeconds(reps, [&] {
    for (const auto& s : sources) failed = failed || !web::ExtractPage(s).ok();
  });
  if (failed) {
    std::cerr << "bench_web: an extraction failed\n";
    return 1;
  }
  auto quality = web::MeasureReadabilityPages(dir);
  if (!quality.ok()) {
    std::cerr << "bench_web: " << quality.status().ToString() << "\n";
    return 1;
  }
  double f1_sum = 0;
  int titles = 0;
  for (const auto& q : *quality) {
    f1_sum += q.f1;
    titles += q.title_match ? 1 : 0;
  }
  const auto n = static_cast<double>(quality->size());
  const double parse_mbs = static_cast<double>(total_bytes) / kBytesPerMB / parse_s;
  const double extract_mbs = static_cast<double>(total_bytes) / kBytesPerMB / extract_s;

  std::cout << "Web extraction on " << sextant::bench::CpuModelName() << ", " << sources.size()
            << " readability test pages, " << sextant::bench::Fixed(total_bytes / kBytesPerMB, 2)
            << " MB, median of " << reps << " passes\n\n";
  sextant::bench::Table speed({"measure", "value", "reference", "ratio"});
  speed.AddRow({"extraction MB/s", sextant::bench::Fixed(extract_mbs, 1),
                "gumbo parse " + sextant::bench::Fixed(parse_mbs, 1) + " MB/s",
                sextant::bench::Fixed(extract_mbs / parse_mbs, 2) + "x"});
  speed.AddRow({"mean token F1", sextant::bench::Fixed(f1_sum / n, 3), "aim 0.90",
                sextant::bench::Fixed(f1_sum / n / 0.90, 2) + "x"});
  speed.AddRow({"title exact match", sextant::bench::Fixed(100.0 * titles / n, 1) + "%", "aim 95%",
                sextant::bench::Fixed(100.0 * titles / n / 95.0, 2) + "x"});
  speed.Print(std::cout);

  std::vector<web::PageQuality> worst = *quality;
  std::sort(worst.begin(), worst.end(), [](const auto& a, const auto& b) { return a.f1 < b.f1; });
  worst.resize(std::min<std::size_t>(worst.size(), kWorstPages));
  std::cout << "\nWorst " << worst.size() << " pages by F1\n";
  sextant::bench::Table table({"page", "F1", "title ok"});
  for (const auto& q : worst) {
    table.AddRow({q.name, sextant::bench::Fixed(q.f1, 3), q.title_match ? "yes" : "no"});
  }
  table.Print(std::cout);
  std::cout << "\nTitle mismatches\n";
  for (const auto& q : *quality) {
    if (!q.title_match) {
      std::cout << "  " << q.name << ": ours \"" << q.title << "\" expected \"" << q.expected_title
                << "\"\n";
    }
  }
  return sextant::bench::RunIndexBench(sextant::bench::kDefaultIndexSite,
                                       sextant::bench::kDefaultIndexDocs, std::cout);
}
