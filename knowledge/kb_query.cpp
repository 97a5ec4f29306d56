// The reading side of KnowledgeBase: name resolution, pattern queries,
// full-text search, neighborhoods and statistics.
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "knowledge/internal/triple_row.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/normalize.h"

namespace sextant::knowledge {
namespace {

constexpr std::string_view kRowColumns =
    "SELECT t.id, t.s, t.r, t.o, es.name, rel.name, eo.name, t.source, t.confidence "
    "FROM triples t JOIN entities es ON es.id = t.s JOIN relations rel ON rel.id = t.r "
    "JOIN entities eo ON eo.id = t.o ";
// Shown flipped: (o, inverse(r), s).
constexpr std::string_view kFlippedRowColumns =
    "SELECT t.id, t.o, inv.id, t.s, eo.name, inv.name, es.name, t.source, t.confidence "
    "FROM triples t JOIN entities es ON es.id = t.s JOIN relations rel ON rel.id = t.r "
    "JOIN relations inv ON inv.id = rel.inverse_id JOIN entities eo ON eo.id = t.o ";

std::string IdList(const std::vector<std::int64_t>& ids) {
  std::string out = "(";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + ")";
}

Result<std::vector<std::int64_t>> Column0Ids(Database& db, std::string_view sql,
                                             const std::string& key, std::size_t max_ids) {
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt, db.PrepareCached(sql));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(key));
  std::vector<std::int64_t> ids;
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    if (ids.size() == max_ids) {
      return ResourceExhaustedError("'" + key + "' names more than " + std::to_string(max_ids) +
                                    " entries");
    }
    ids.push_back(stmt.ColumnInt(0));
  }
  return ids;
}

// The FTS5 query for free text: each word quoted, joined by `separator`
// (" " for all words, " OR " for any word).
// The search words of `text` (runs of ASCII letters and digits and of bytes
// >= 0x80), at most `max_terms`.
std::vector<std::string> FtsTerms(std::string_view text, std::size_t max_terms) {
  std::vector<std::string> terms;
  std::string word;
  for (std::size_t i = 0; i <= text.size() && terms.size() < max_terms; ++i) {
    const auto u = i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
    if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80) {
      word.push_back(u >= 'A' && u <= 'Z' ? static_cast<char>(u - 'A' + 'a') : text[i]);
    } else if (!word.empty()) {
      terms.push_back(std::move(word));
      word.clear();
    }
  }
  return terms;
}

// The terms as an FTS5 query: each quoted, joined by `separator`.
std::string FtsQuery(const std::vector<std::string>& terms, std::string_view separator) {
  std::string query;
  for (const std::string& term : terms) {
    if (!query.empty()) query += separator;
    query += '"' + term + '"';
  }
  return query;
}

}  // namespace

Result<std::vector<std::int64_t>> KnowledgeBase::ResolveEntity(std::string_view name) {
  SEXTANT_ASSIGN_OR_RETURN(std::string key, CheckedKey(name, false));
  return Column0Ids(*db_,
                    "SELECT id FROM entities WHERE key = ?1 "
                    "UNION SELECT entity_id FROM entity_aliases WHERE alias_key = ?1",
                    key, options_.max_match_ids);
}

Result<std::vector<std::int64_t>> KnowledgeBase::ResolveRelation(std::string_view name) {
  SEXTANT_ASSIGN_OR_RETURN(std::string key, CheckedKey(name, true));
  return Column0Ids(*db_,
                    "SELECT id FROM relations WHERE key = ?1 "
                    "UNION SELECT relation_id FROM relation_aliases WHERE alias_key = ?1",
                    key, options_.max_match_ids);
}

Result<bool> KnowledgeBase::IsFunctional(std::string_view relation) {
  SEXTANT_ASSIGN_OR_RETURN(auto ids, ResolveRelation(relation));
  if (ids.empty()) return false;
  SEXTANT_ASSIGN_OR_RETURN(
      auto any,
      db_->QueryOne<std::int64_t>("SELECT COUNT(*) FROM relations WHERE functional = 1 AND id IN " +
                                  IdList(ids)));
  return any.value_or(0) > 0;
}

Result<std::vector<TripleRow>> KnowledgeBase::RowsWhere(const std::string& where, std::size_t limit,
                                                        bool flip) {
  std::string sql(flip ? kFlippedRowColumns : kRowColumns);
  if (!where.empty()) sql += "WHERE " + where;
  sql += " ORDER BY t.id LIMIT " + std::to_string(limit);
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(sql));
  std::vector<TripleRow> rows;
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    rows.push_back(internal::ReadTripleRow(stmt, flip));
  }
  return rows;
}

Result<std::vector<TripleRow>> KnowledgeBase::Query(const TriplePattern& pattern,
                                                    const QueryOptions& options) {
  std::vector<std::int64_t> s_ids;
  std::vector<std::int64_t> r_ids;
  std::vector<std::int64_t> o_ids;
  if (pattern.s) {
    SEXTANT_ASSIGN_OR_RETURN(s_ids, ResolveEntity(*pattern.s));
    if (s_ids.empty()) return std::vector<TripleRow>();
  }
  if (pattern.r) {
    SEXTANT_ASSIGN_OR_RETURN(r_ids, ResolveRelation(*pattern.r));
    if (r_ids.empty()) return std::vector<TripleRow>();
  }
  if (pattern.o) {
    SEXTANT_ASSIGN_OR_RETURN(o_ids, ResolveEntity(*pattern.o));
    if (o_ids.empty()) return std::vector<TripleRow>();
  }
  auto conditions =
      [](const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& parts) {
        std::string where;
        for (const auto& [column, ids] : parts) {
          if (ids.empty()) continue;
          if (!where.empty()) where += " AND ";
          where += column + " IN " + IdList(ids);
        }
        return where;
      };
  SEXTANT_ASSIGN_OR_RETURN(std::vector<TripleRow> rows,
                           RowsWhere(conditions({{"t.s", s_ids}, {"t.r", r_ids}, {"t.o", o_ids}}),
                                     options.limit, false));
  if (!pattern.r || rows.size() >= options.limit) return rows;

  // The inverse relations, asked the other way round.
  SEXTANT_ASSIGN_OR_RETURN(Statement inv,
                           db_->Prepare("SELECT DISTINCT inverse_id FROM relations WHERE "
                                        "inverse_id IS NOT NULL AND id IN " +
                                        IdList(r_ids)));
  std::vector<std::int64_t> inv_ids;
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, inv.Step());
    if (!has_row) break;
    inv_ids.push_back(inv.ColumnInt(0));
  }
  if (inv_ids.empty()) return rows;
  SEXTANT_ASSIGN_OR_RETURN(std::vector<TripleRow> flipped,
                           RowsWhere(conditions({{"t.s", o_ids}, {"t.r", inv_ids}, {"t.o", s_ids}}),
                                     options.limit, true));
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t>> seen;
  for (const TripleRow& row : rows) seen.emplace(row.s_id, row.r_id, row.o_id);
  for (TripleRow& row : flipped) {
    if (rows.size() >= options.limit) break;
    if (seen.emplace(row.s_id, row.r_id, row.o_id).second) rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<std::string>> KnowledgeBase::TermsInFewRows(
    const std::vector<std::string>& terms) {
  if (options_.max_any_word_rows <= 0) return terms;
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt,
                           db_->PrepareCached("SELECT doc FROM temp.triples_vocab WHERE term = ?"));
  std::vector<std::string> kept;
  for (const std::string& term : terms) {
    SEXTANT_RETURN_IF_ERROR(stmt.Reset());
    SEXTANT_RETURN_IF_ERROR(stmt.BindAll(term));
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row || stmt.ColumnInt(0) <= options_.max_any_word_rows) kept.push_back(term);
  }
  return kept;
}

Result<std::vector<SearchHit>> KnowledgeBase::Search(std::string_view text,
                                                     const SearchOptions& options) {
  const std::vector<std::string> terms = FtsTerms(text, options_.max_search_terms);
  if (terms.empty()) return InvalidArgumentError("search text has no words");
  const std::string all_words = FtsQuery(terms, " ");
  SEXTANT_ASSIGN_OR_RETURN(std::vector<std::string> rarer, TermsInFewRows(terms));
  const std::string any_word = FtsQuery(rarer, " OR ");
  // FTS5 returns rows in rank order by itself, so the highlights are made
  // for the top rows only; the triples are then read by id. Rows with all
  // the words come first; rows with some of them fill up the rest.
  SEXTANT_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->PrepareCached("SELECT rowid, rank, highlight(triples_fts, 0, '[', ']') || ' ' || "
                         "highlight(triples_fts, 1, '[', ']') || ' ' || "
                         "highlight(triples_fts, 2, '[', ']') "
                         "FROM triples_fts WHERE triples_fts MATCH ? ORDER BY rank LIMIT ?"));
  std::vector<SearchHit> hits;
  std::vector<std::int64_t> ids;
  std::unordered_set<std::int64_t> seen;
  for (const std::string* query : {&all_words, &any_word}) {
    if (hits.size() >= options.limit || query->empty() ||
        (query == &any_word && any_word == all_words)) {
      break;
    }
    SEXTANT_RETURN_IF_ERROR(stmt.Reset());
    SEXTANT_RETURN_IF_ERROR(stmt.BindAll(*query, static_cast<std::int64_t>(options.limit)));
    for (;;) {
      SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      if (hits.size() >= options.limit || !seen.insert(stmt.ColumnInt(0)).second) continue;
      SearchHit hit;
      hit.triple.id = stmt.ColumnInt(0);
      hit.score = -stmt.ColumnDouble(1);
      hit.snippet = stmt.ColumnText(2);
      ids.push_back(hit.triple.id);
      hits.push_back(std::move(hit));
    }
  }
  if (ids.empty()) return hits;
  SEXTANT_ASSIGN_OR_RETURN(std::vector<TripleRow> rows,
                           RowsWhere("t.id IN " + IdList(ids), ids.size(), false));
  std::unordered_map<std::int64_t, TripleRow> by_id;
  for (TripleRow& row : rows) by_id.emplace(row.id, std::move(row));
  for (SearchHit& hit : hits) {
    auto it = by_id.find(hit.triple.id);
    if (it != by_id.end()) hit.triple = std::move(it->second);
  }
  return hits;
}

Result<NeighborResult> KnowledgeBase::Neighbors(std::string_view entity,
                                                const NeighborOptions& options) {
  if (options.hops < 1 || options.hops > NeighborOptions::kMaxHops) {
    return InvalidArgumentError("hops must lie in 1.." + std::to_string(NeighborOptions::kMaxHops));
  }
  SEXTANT_ASSIGN_OR_RETURN(std::vector<std::int64_t> frontier, ResolveEntity(entity));
  std::unordered_set<std::int64_t> visited(frontier.begin(), frontier.end());
  std::unordered_set<std::int64_t> seen_triples;
  NeighborResult result;
  for (int hop = 1; hop <= options.hops && !frontier.empty(); ++hop) {
    std::vector<std::int64_t> next;
    for (std::int64_t e : frontier) {
      const std::size_t room = options.max_edges - result.edges.size();
      const std::string id = std::to_string(e);
      SEXTANT_ASSIGN_OR_RETURN(
          std::vector<TripleRow> rows,
          RowsWhere("t.s = " + id + " OR t.o = " + id, room + seen_triples.size() + 1, false));
      for (TripleRow& row : rows) {
        if (!seen_triples.insert(row.id).second) continue;
        if (result.edges.size() == options.max_edges) {
          result.truncated = true;
          return result;
        }
        for (std::int64_t other : {row.s_id, row.o_id}) {
          if (visited.insert(other).second) next.push_back(other);
        }
        result.edges.push_back({std::move(row), hop});
      }
    }
    frontier = std::move(next);
  }
  return result;
}

Result<KbStats> KnowledgeBase::Stats(std::size_t top_relations) {
  KbStats stats;
  auto count = [&](std::string_view table, std::int64_t& out) -> Status {
    SEXTANT_ASSIGN_OR_RETURN(
        auto n, db_->QueryOne<std::int64_t>("SELECT COUNT(*) FROM " + std::string(table)));
    out = n.value_or(0);
    return Status::Ok();
  };
  SEXTANT_RETURN_IF_ERROR(count("entities", stats.entities));
  SEXTANT_RETURN_IF_ERROR(count("entity_aliases", stats.entity_aliases));
  SEXTANT_RETURN_IF_ERROR(count("relations", stats.relations));
  SEXTANT_RETURN_IF_ERROR(count("triples", stats.triples));
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT rel.name, COUNT(*) AS n FROM triples t "
                                        "JOIN relations rel ON rel.id = t.r GROUP BY t.r "
                                        "ORDER BY n DESC, rel.name LIMIT ?"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(static_cast<std::int64_t>(top_relations)));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    stats.top_relations.push_back({stmt.ColumnText(0), stmt.ColumnInt(1)});
  }
  return stats;
}

namespace internal {

TripleRow ReadTripleRow(const Statement& stmt, bool flipped) {
  TripleRow row;
  row.id = stmt.ColumnInt(0);
  row.s_id = stmt.ColumnInt(1);
  row.r_id = stmt.ColumnInt(2);
  row.o_id = stmt.ColumnInt(3);
  row.s = stmt.ColumnText(4);
  row.r = stmt.ColumnText(5);
  row.o = stmt.ColumnText(6);
  row.source = stmt.ColumnText(7);
  row.confidence = stmt.ColumnDouble(8);
  row.via_inverse = flipped;
  return row;
}

}  // namespace internal
}  // namespace sextant::knowledge
