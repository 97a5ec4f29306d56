// The local search index part of bench_web (web_index.cpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>

namespace sextant::bench {

inline constexpr const char* kDefaultIndexSite = "/usr/share/doc/sqlite3";
inline constexpr std::size_t kDefaultIndexDocs = 10'000;

// Indexes the sqlite3-doc site at `site` (pages/s), then an index of at
// least `min_docs` documents made of copies of it under varied URLs, and
// prints search latency p50/p99 over it and recall@3 and MRR of the
// sqlite3-doc query set. Files go to a temp directory, removed at the end.
// Returns 0, or 1 after printing an error; a missing site is a note, not an
// error.
int RunIndexBench(const std::filesystem::path& site, std::size_t min_docs, std::ostream& out);

}  // namespace sextant::bench
