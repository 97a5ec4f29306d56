// Queries over the sqlite3-doc site (/usr/share/doc/sqlite3) with the page
// that answers each, and their recall@k and MRR against a search index. The
// answers were read off the pages themselves. Shared by web_test and
// bench_web.
//
// Thread safety: ScoreSqliteDocQueries calls the index, which serialises.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "toolserver/tools/web/search_index.h"

namespace sextant::toolserver::web {

inline constexpr std::string_view kSqliteDocDir = "/usr/share/doc/sqlite3";

struct SqliteDocQuery {
  std::string_view query;
  std::string_view page;  // relative to the site root
};

inline constexpr SqliteDocQuery kSqliteDocQueries[] = {
    {"write-ahead log checkpoint", "wal.html"},
    {"json_extract", "json1.html"},
    {"vacuum into rebuild the database file", "lang_vacuum.html"},
    {"fts5 full-text search bm25 ranking", "fts5.html"},
    {"type affinity storage classes", "datatype3.html"},
    {"pragma journal_mode", "pragma.html"},
    {"foreign key constraints enforcement", "foreignkeys.html"},
    {"window functions partition by", "windowfunctions.html"},
    {"autoincrement rowid", "autoinc.html"},
    {"create trigger instead of", "lang_createtrigger.html"},
    {"recursive common table expressions", "lang_with.html"},
    {"upsert on conflict do update", "lang_upsert.html"},
    {"explain query plan", "eqp.html"},
    {"r*tree spatial index", "rtree.html"},
    {"date and time functions julianday", "lang_datefunc.html"},
    {"attach database", "lang_attach.html"},
    {"savepoint release", "lang_savepoint.html"},
    {"partial indexes", "partialindex.html"},
    {"generated columns", "gencol.html"},
    {"strict tables", "stricttables.html"},
    {"atomic commit rollback journal", "atomiccommit.html"},
    {"sqlite3_open_v2", "c3ref/open.html"},
    {"without rowid tables", "withoutrowid.html"},
    {"online backup api", "backup.html"},
    {"temporary files used by sqlite", "tempfiles.html"},
    {"alter table rename column", "lang_altertable.html"},
    {"memory-mapped i/o", "mmap.html"},
    {"isolation between database connections", "isolation.html"},
    {"indexes on expressions", "expridx.html"},
    {"math functions", "lang_mathfunc.html"},
};

struct QuerySetScore {
  std::size_t queries = 0;
  std::size_t found_in_k = 0;       // queries whose page ranked within k
  double recall_at_k = 0;           // found_in_k / queries
  double mrr = 0;                   // mean of 1/rank of the page within max_rank, else 0
  std::vector<std::string> misses;  // "query -> got first URL" for pages not within k
};

// Searches every query (max_rank hits) and scores where `base_url` + "/" +
// page ranks. A failed search counts as a miss.
inline QuerySetScore ScoreSqliteDocQueries(SearchIndex& index, const std::string& base_url,
                                           std::size_t k = 3, std::size_t max_rank = 10) {
  QuerySetScore score;
  for (const SqliteDocQuery& q : kSqliteDocQueries) {
    ++score.queries;
    const std::string want = base_url + "/" + std::string(q.page);
    auto hits = index.Search(q.query, max_rank);
    std::size_t rank = 0;
    if (hits.ok()) {
      for (const IndexHit& hit : *hits) {
        if (hit.url == want) {
          rank = static_cast<std::size_t>(hit.rank);
          break;
        }
      }
    }
    if (rank > 0) score.mrr += 1.0 / static_cast<double>(rank);
    if (rank > 0 && rank <= k) {
      ++score.found_in_k;
    } else {
      const std::string got = !hits.ok()      ? hits.status().ToString()
                              : hits->empty() ? std::string("no hits")
                                              : hits->front().url;
      score.misses.push_back(std::string(q.query) + " -> " + got);
    }
  }
  if (score.queries > 0) {
    score.recall_at_k = static_cast<double>(score.found_in_k) / static_cast<double>(score.queries);
    score.mrr /= static_cast<double>(score.queries);
  }
  return score;
}

}  // namespace sextant::toolserver::web
