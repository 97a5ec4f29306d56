// The knowledge base: (subject, relation, object) triples in SQLite, with
// entity and relation names normalized into keys (knowledge/normalize.h),
// aliases, relation inverses and functionality, and an FTS5 index over the
// triples written as text ("subject relation object").
//
// Schema (migration 1):
//   entities(id, name, key UNIQUE)            name as first seen; key normalized
//   entity_aliases(alias_key, entity_id)      other keys that name an entity
//   relations(id, name, key UNIQUE, inverse_id, functional)
//   relation_aliases(alias_key, relation_id)
//   triples(id, s, r, o, source, confidence, UNIQUE(s, r, o)), indexes on o and (r, o)
//   triples_fts                               FTS5 over the view triples_text(id, s, r, o)
//
// Ownership: owns its Database connection. Returned rows are plain values.
// Thread safety: none; open one KnowledgeBase per thread (SQLite WAL lets
// readers and one writer share a file across connections and processes).
// Errors: SQLite errors as in common/sqlite.h; names that are not valid
// UTF-8 or normalize to nothing are invalid_argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/sqlite.h"
#include "common/status.h"

namespace sextant::knowledge {

struct KnowledgeBaseOptions {
  static constexpr std::size_t kDefaultMaxNameBytes = 4096;
  static constexpr std::size_t kDefaultMaxMatchIds = 256;
  static constexpr std::size_t kDefaultMaxSearchTerms = 32;
  static constexpr std::int64_t kDefaultMaxAnyWordRows = 5000;
  static constexpr std::int64_t kDefaultMaxPreloadEntities = 2'000'000;

  static constexpr std::int64_t kDefaultCacheKib = 65536;

  DatabaseOptions database;
  // SQLite page cache of this connection, in KiB (PRAGMA cache_size); >= 0.
  std::int64_t cache_kib = kDefaultCacheKib;
  // Longest entity or relation name accepted, in bytes (longer is
  // invalid_argument).
  std::size_t max_name_bytes = kDefaultMaxNameBytes;
  // How many entities (or relations) one name may resolve to in a query;
  // more are resource_exhausted.
  std::size_t max_match_ids = kDefaultMaxMatchIds;
  // How many words of a search text are used; the rest are ignored.
  std::size_t max_search_terms = kDefaultMaxSearchTerms;
  // Search's any-word pass leaves out words found in more triples than this
  // (a relation name like "hypernym" can be in most of them): ranking every
  // such row costs far more than the rows are worth. 0 = no limit.
  std::int64_t max_any_word_rows = kDefaultMaxAnyWordRows;
  // BeginBulk reads every entity's and relation's names and aliases into
  // memory when there are at most this many entities, so that new names need
  // no lookups in the database (about 200 bytes an entity). 0 = never.
  std::int64_t max_preload_entities = kDefaultMaxPreloadEntities;
};

// One triple to add. Names are given as written; the store normalizes them.
struct TripleInput {
  std::string_view s;
  std::string_view r;
  std::string_view o;
  std::string_view source;  // empty: none
  double confidence = 1.0;  // must lie in [0, 1]
};

// A triple as stored, with display names.
struct TripleRow {
  std::int64_t id = 0;
  std::int64_t s_id = 0;  // entity and relation ids, as shown (after any flip)
  std::int64_t r_id = 0;
  std::int64_t o_id = 0;
  std::string s;
  std::string r;
  std::string o;
  std::string source;
  double confidence = 1.0;
  // True when the row answers the asked relation through its inverse: the
  // stored triple is (o, inverse(r), s), shown here as (s, r, o).
  bool via_inverse = false;
};

// A pattern query: any part may be left out. Parts are matched through
// normalization and aliases; when `r` is given, triples of its inverse
// relation are answered too (flipped, with via_inverse set).
struct TriplePattern {
  std::optional<std::string> s;
  std::optional<std::string> r;
  std::optional<std::string> o;
};

struct QueryOptions {
  static constexpr std::size_t kDefaultLimit = 100;
  std::size_t limit = kDefaultLimit;  // at most this many rows
};

struct SearchHit {
  TripleRow triple;
  double score = 0;     // BM25 (higher is better here: SQLite's bm25() negated)
  std::string snippet;  // the matching text with hits in [brackets]
};

struct SearchOptions {
  static constexpr std::size_t kDefaultLimit = 20;
  std::size_t limit = kDefaultLimit;
};

struct NeighborOptions {
  static constexpr int kDefaultHops = 1;
  static constexpr int kMaxHops = 6;
  static constexpr std::size_t kDefaultMaxEdges = 200;
  int hops = kDefaultHops;                   // 1..kMaxHops
  std::size_t max_edges = kDefaultMaxEdges;  // result bound
};

struct NeighborEdge {
  TripleRow triple;
  int hop = 1;  // 1 for edges that touch the start entity
};

struct NeighborResult {
  std::vector<NeighborEdge> edges;
  bool truncated = false;  // max_edges was reached
};

struct RelationCount {
  std::string name;
  std::int64_t triples = 0;
};

struct KbStats {
  std::int64_t entities = 0;
  std::int64_t entity_aliases = 0;
  std::int64_t relations = 0;
  std::int64_t triples = 0;
  std::vector<RelationCount> top_relations;  // most triples first
};

class KnowledgeBase {
 public:
  static Result<std::unique_ptr<KnowledgeBase>> Open(const std::filesystem::path& path,
                                                     const KnowledgeBaseOptions& options = {});
  static Result<std::unique_ptr<KnowledgeBase>> OpenInMemory(
      const KnowledgeBaseOptions& options = {});

  KnowledgeBase(const KnowledgeBase&) = delete;
  KnowledgeBase& operator=(const KnowledgeBase&) = delete;
  ~KnowledgeBase();

  // ---- Writing ----

  // Starts a write transaction; AddTriple and the other writers may run
  // inside it (without one, each runs in its own implicit transaction).
  // After rolling one back, call ClearCache: ids cached inside it are gone.
  Result<Transaction> Begin();
  // Forgets cached entity and relation ids and names, and ends bulk mode.
  void ClearCache();

  // Bulk loading, inside one transaction: after BeginBulk, AddTriple leaves
  // the full-text index alone, and EndBulk indexes every triple added since
  // in one statement, which is much faster for many rows. Search does not
  // see the new triples until EndBulk. BeginBulk may also load every name
  // into memory (options.max_preload_entities). After a rollback, call
  // ClearCache.
  Status BeginBulk();
  Status EndBulk();

  // Adds a triple, creating its entities and relation. Returns false when
  // the same (s, r, o) is stored already (its source and confidence stay).
  Result<bool> AddTriple(const TripleInput& triple);

  // Makes `alias` another name of `entity` (both created when missing).
  Status AddEntityAlias(std::string_view entity, std::string_view alias);
  // Sets an entity's display name (the entity is created when missing).
  Status SetEntityName(std::string_view entity, std::string_view name);
  Status AddRelationAlias(std::string_view relation, std::string_view alias);
  // Records that `inverse` is the inverse of `relation` and vice versa. A
  // relation may be its own inverse (symmetric, like "neighbor").
  Status SetRelationInverse(std::string_view relation, std::string_view inverse);
  // A functional relation has at most one object per subject.
  Status SetRelationFunctional(std::string_view relation, bool functional);

  // ---- Reading ----

  // Ids of the entities whose key or alias equals the normalized name.
  Result<std::vector<std::int64_t>> ResolveEntity(std::string_view name);
  // Ids of the relations whose key or alias equals the normalized name.
  Result<std::vector<std::int64_t>> ResolveRelation(std::string_view name);
  Result<bool> IsFunctional(std::string_view relation);

  Result<std::vector<TripleRow>> Query(const TriplePattern& pattern,
                                       const QueryOptions& options = {});
  // Full-text search over "subject relation object": rows holding all the
  // words first, then rows holding any of them (leaving out words in more
  // than options.max_any_word_rows triples), each best BM25 first. Words are
  // runs of letters and digits.
  Result<std::vector<SearchHit>> Search(std::string_view text, const SearchOptions& options = {});
  // Triples reachable from `entity` within options.hops edges (either
  // direction), breadth first.
  Result<NeighborResult> Neighbors(std::string_view entity, const NeighborOptions& options = {});
  Result<KbStats> Stats(std::size_t top_relations = 10);

  Database& database() { return *db_; }

 private:
  struct Cache;
  KnowledgeBase(std::unique_ptr<Database> db, const KnowledgeBaseOptions& options);
  static Result<std::unique_ptr<KnowledgeBase>> Init(std::unique_ptr<Database> db,
                                                     const KnowledgeBaseOptions& options);
  // Reads every entity's and relation's names and aliases into the cache.
  Status Preload();
  // `terms` less those in more than options_.max_any_word_rows triples.
  Result<std::vector<std::string>> TermsInFewRows(const std::vector<std::string>& terms);

  // The id of the entity (relation) named `name`, created when missing.
  Result<std::int64_t> EntityId(std::string_view name);
  Result<std::int64_t> RelationId(std::string_view name);
  // Rows of `triples t` matching the SQL condition `where`; flipped rows are
  // shown as (o, inverse(r), s).
  Result<std::vector<TripleRow>> RowsWhere(const std::string& where, std::size_t limit, bool flip);
  // Rewrites the FTS rows of an entity's triples around a name change.
  Status ReindexEntity(std::int64_t entity_id, bool remove);
  Result<std::string> CheckedKey(std::string_view name, bool relation) const;

  std::unique_ptr<Database> db_;
  KnowledgeBaseOptions options_;
  std::unique_ptr<Cache> cache_;
  // In bulk mode, the highest triple id when it began; triples above it are
  // not in the full-text index yet.
  std::optional<std::int64_t> bulk_after_;
};

}  // namespace sextant::knowledge
