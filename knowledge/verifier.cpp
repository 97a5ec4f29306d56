// Verifier::VerifyTriple: the factuality verdict of one triple.
#include "knowledge/verifier.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "knowledge/internal/similarity.h"
#include "knowledge/internal/triple_row.h"
#include "knowledge/normalize.h"

namespace sextant::knowledge {
namespace {

using internal::NameSimilarity;

constexpr std::size_t kMaxFtsWordsPerPart = 8;
constexpr char kScoreFormat[] = "%.2f";

using RowKey = std::tuple<std::int64_t, std::int64_t, std::int64_t>;

Triple ToTriple(const TripleRow& row) { return {row.s, row.r, row.o}; }

std::string Shown(const TripleRow& row) { return FormatTriple(ToTriple(row)); }

std::string Fixed2(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, kScoreFormat, x);
  return buf;
}

bool Contains(const std::vector<std::int64_t>& ids, std::int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Resolved ids of the claim's parts (empty: names nothing stored).
struct Resolved {
  std::string s_key, r_key, o_key;
  std::vector<std::int64_t> s, r, o;
};

// The claim's names as keys; nullopt with `why` set when one cannot be read.
std::optional<Resolved> Keys(const Triple& t, std::string& why) {
  Resolved out;
  const std::pair<const std::string*, std::string*> parts[] = {
      {&t.subject, &out.s_key}, {&t.relation, &out.r_key}, {&t.object, &out.o_key}};
  const char* names[] = {"subject", "relation", "object"};
  for (std::size_t i = 0; i < 3; ++i) {
    auto key = i == 1 ? NormalizeRelationKey(*parts[i].first) : NormalizeKey(*parts[i].first);
    if (!key.ok() || key->empty()) {
      why = std::string("cannot read the ") + names[i] + ": " +
            (key.ok() ? "it normalizes to nothing" : key.status().message());
      return std::nullopt;
    }
    *parts[i].second = std::move(*key);
  }
  return out;
}

// The FTS5 query "part : ("w1" OR "w2")" for one column, or empty.
std::string ColumnTerms(std::string_view column, std::string_view key) {
  std::string terms;
  std::size_t n = 0;
  for (const std::string& w : internal::Words(key)) {
    if (n++ == kMaxFtsWordsPerPart) break;
    if (!terms.empty()) terms += " OR ";
    terms += '"' + w + '"';
  }
  if (terms.empty()) return "";
  return std::string(column) + " : (" + terms + ")";
}

// Rows whose two parts share words with the claim's, best BM25 first.
Result<std::vector<std::pair<TripleRow, double>>> FtsCandidates(Database& db, const Resolved& k,
                                                                std::size_t limit) {
  const std::string s = ColumnTerms("s", k.s_key);
  const std::string r = ColumnTerms("r", k.r_key);
  const std::string o = ColumnTerms("o", k.o_key);
  std::string match;
  for (const auto& [a, b] : {std::pair{&s, &o}, {&s, &r}, {&r, &o}}) {
    if (a->empty() || b->empty()) continue;
    if (!match.empty()) match += " OR ";
    match += "(" + *a + " AND " + *b + ")";
  }
  std::vector<std::pair<TripleRow, double>> out;
  if (match.empty()) return out;
  SEXTANT_ASSIGN_OR_RETURN(
      Statement stmt,
      db.PrepareCached(
          "SELECT t.id, t.s, t.r, t.o, es.name, rel.name, eo.name, t.source, t.confidence, f.rank "
          "FROM (SELECT rowid AS id, rank FROM triples_fts WHERE triples_fts MATCH ?1 "
          "ORDER BY rank LIMIT ?2) f JOIN triples t ON t.id = f.id "
          "JOIN entities es ON es.id = t.s JOIN relations rel ON rel.id = t.r "
          "JOIN entities eo ON eo.id = t.o ORDER BY f.rank"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(match, static_cast<std::int64_t>(limit)));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    out.emplace_back(internal::ReadTripleRow(stmt, false), -stmt.ColumnDouble(9));
  }
  return out;
}

// A name the knowledge base refuses (too long) is a claim it cannot judge.
bool IsUnreadable(const Status& status) { return status.code() == StatusCode::kInvalidArgument; }

struct Partial {
  TripleRow row;
  double score = 0;
  double bm25 = 0;
  std::string part;  // which part is close
  std::string claimed, stored;
};

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSupported:
      return "supported";
    case Verdict::kPartiallySupported:
      return "partially_supported";
    case Verdict::kContradicted:
      return "contradicted";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Verifier::Verifier(KnowledgeBase& kb, VerifyOptions options)
    : kb_(kb), options_(std::move(options)) {}

Status Verifier::CheckOptions() const {
  const VerifyOptions& o = options_;
  auto unit = [](double x) { return x >= 0 && x <= 1; };
  if (!(o.partial_threshold > 0 && o.partial_threshold <= 1)) {
    return InvalidArgumentError("partial_threshold must lie in (0, 1]");
  }
  if (!unit(o.reliability_threshold) || !unit(o.factuality_weight) || !unit(o.hint_weight) ||
      !unit(o.unknown_score)) {
    return InvalidArgumentError(
        "reliability_threshold, factuality_weight, hint_weight and unknown_score must lie in "
        "[0, 1]");
  }
  if (o.max_candidates < 1 || o.max_evidence < 1 || o.max_chain_hops < 1) {
    return InvalidArgumentError("max_candidates, max_evidence and max_chain_hops must be >= 1");
  }
  return Status::Ok();
}

Result<TripleVerification> Verifier::VerifyTriple(const Triple& triple) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions());
  TripleVerification v;
  v.triple = triple;
  v.verdict = Verdict::kUnknown;
  v.score = options_.unknown_score;
  std::string why;
  std::optional<Resolved> k = Keys(triple, why);
  if (!k) {
    v.explanation = why;
    return v;
  }
  auto unreadable = [&](const Status& status) {
    v.explanation = "cannot look up the claim: " + status.message();
    return v;
  };

  // 1. Stored, through aliases and inverse relations.
  QueryOptions qo;
  qo.limit = options_.max_evidence;
  auto exact = kb_.Query({triple.subject, triple.relation, triple.object}, qo);
  if (!exact.ok()) {
    if (IsUnreadable(exact.status())) return unreadable(exact.status());
    return exact.status();
  }
  if (!exact->empty()) {
    v.verdict = Verdict::kSupported;
    v.score = 1;
    for (const TripleRow& row : *exact) {
      v.score = std::min(v.score, row.confidence);
      v.evidence.push_back(ToTriple(row));
    }
    const TripleRow& first = exact->front();
    v.explanation =
        "KB has " + Shown(first) + (first.via_inverse ? " (stored as its inverse)" : "");
    return v;
  }

  SEXTANT_ASSIGN_OR_RETURN(k->s, kb_.ResolveEntity(triple.subject));
  SEXTANT_ASSIGN_OR_RETURN(k->r, kb_.ResolveRelation(triple.relation));
  SEXTANT_ASSIGN_OR_RETURN(k->o, kb_.ResolveEntity(triple.object));

  // The subject's objects for the relation: used by the chain, the
  // candidates and the contradiction rule.
  QueryOptions cand;
  cand.limit = options_.max_candidates;
  std::vector<TripleRow> same_sr;
  if (!k->s.empty() && !k->r.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(same_sr, kb_.Query({triple.subject, triple.relation, {}}, cand));
  }

  // 2. A chain of a transitive relation.
  bool transitive = false;
  for (const std::string& name : options_.transitive_relations) {
    auto key = NormalizeRelationKey(name);
    if (key.ok() && *key == k->r_key) transitive = true;
  }
  if (transitive && !k->o.empty() && !same_sr.empty()) {
    // Breadth first over entity names; parent links give the chain.
    std::map<std::int64_t, TripleRow> reached_by;  // entity id -> the row that reached it
    std::vector<TripleRow> frontier = same_sr;
    std::set<std::int64_t> seen(k->s.begin(), k->s.end());
    std::optional<std::int64_t> found;
    for (int hop = 1; hop <= options_.max_chain_hops && !frontier.empty() && !found; ++hop) {
      std::vector<TripleRow> next;
      for (const TripleRow& row : frontier) {
        if (!seen.insert(row.o_id).second) continue;
        reached_by.emplace(row.o_id, row);
        if (Contains(k->o, row.o_id)) {
          found = row.o_id;
          break;
        }
        if (hop == options_.max_chain_hops) continue;
        SEXTANT_ASSIGN_OR_RETURN(std::vector<TripleRow> more,
                                 kb_.Query({row.o, triple.relation, {}}, cand));
        for (TripleRow& m : more) next.push_back(std::move(m));
      }
      frontier = std::move(next);
    }
    if (found) {
      std::vector<Triple> chain;
      v.score = 1;
      for (std::int64_t at = *found;;) {
        const TripleRow& row = reached_by.at(at);
        chain.push_back(ToTriple(row));
        v.score = std::min(v.score, row.confidence);
        if (Contains(k->s, row.s_id)) break;
        at = row.s_id;
      }
      std::reverse(chain.begin(), chain.end());
      v.verdict = Verdict::kSupported;
      v.explanation = "transitive relation " + triple.relation + ": KB has the chain";
      for (const Triple& t : chain) v.explanation += " " + FormatTriple(t);
      v.evidence = std::move(chain);
      return v;
    }
  }

  // 3. Two parts exact, the third close.
  std::vector<std::pair<TripleRow, double>> candidates;
  bool cut = same_sr.size() >= options_.max_candidates;
  for (TripleRow& row : same_sr) candidates.emplace_back(row, 0.0);
  const std::pair<bool, TriplePattern> other_pairs[] = {
      {!k->s.empty() && !k->o.empty(), {triple.subject, {}, triple.object}},
      {!k->r.empty() && !k->o.empty(), {{}, triple.relation, triple.object}}};
  for (const auto& [usable, pattern] : other_pairs) {
    if (!usable) continue;
    SEXTANT_ASSIGN_OR_RETURN(std::vector<TripleRow> rows, kb_.Query(pattern, cand));
    cut = cut || rows.size() >= options_.max_candidates;
    for (TripleRow& row : rows) candidates.emplace_back(std::move(row), 0.0);
  }
  // Without a cut list, the queries above hold every triple that shares two
  // parts with the claim; FTS5 only ranks further rows when one was cut.
  if (cut) {
    SEXTANT_ASSIGN_OR_RETURN(auto fts, FtsCandidates(kb_.database(), *k, options_.max_candidates));
    for (auto& c : fts) candidates.push_back(std::move(c));
  }
  std::set<RowKey> seen_rows;
  std::vector<Partial> partials;
  for (auto& [row, bm25] : candidates) {
    if (!seen_rows.emplace(row.s_id, row.r_id, row.o_id).second) continue;
    const bool s_eq = Contains(k->s, row.s_id);
    const bool r_eq = Contains(k->r, row.r_id);
    const bool o_eq = Contains(k->o, row.o_id);
    if (static_cast<int>(s_eq) + static_cast<int>(r_eq) + static_cast<int>(o_eq) != 2) continue;
    Partial p;
    std::string_view claimed_key;
    Result<std::string> stored_key = std::string();
    if (!s_eq) {
      p.part = "subject";
      p.claimed = triple.subject;
      p.stored = row.s;
      claimed_key = k->s_key;
      stored_key = NormalizeKey(row.s);
    } else if (!r_eq) {
      p.part = "relation";
      p.claimed = triple.relation;
      p.stored = row.r;
      claimed_key = k->r_key;
      stored_key = NormalizeRelationKey(row.r);
    } else {
      p.part = "object";
      p.claimed = triple.object;
      p.stored = row.o;
      claimed_key = k->o_key;
      stored_key = NormalizeKey(row.o);
    }
    if (!stored_key.ok()) continue;
    const double sim = NameSimilarity(claimed_key, *stored_key);
    if (sim < options_.partial_threshold) continue;
    p.score = sim * row.confidence;
    p.bm25 = bm25;
    p.row = row;
    partials.push_back(std::move(p));
  }
  if (!partials.empty()) {
    std::stable_sort(partials.begin(), partials.end(), [](const Partial& a, const Partial& b) {
      return std::tie(a.score, a.bm25) > std::tie(b.score, b.bm25);
    });
    const Partial& best = partials.front();
    v.verdict = Verdict::kPartiallySupported;
    v.score = best.score;
    for (std::size_t i = 0; i < partials.size() && i < options_.max_evidence; ++i) {
      v.evidence.push_back(ToTriple(partials[i].row));
    }
    v.explanation = "close match: KB has " + Shown(best.row) + "; " + best.part + " '" +
                    best.claimed + "' ~ '" + best.stored + "' (" + Fixed2(best.score) + ")";
    return v;
  }

  // 4. A functional relation with another object.
  if (!same_sr.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(bool functional, kb_.IsFunctional(triple.relation));
    if (functional) {
      v.verdict = Verdict::kContradicted;
      v.score = 0;
      for (std::size_t i = 0; i < same_sr.size() && i < options_.max_evidence; ++i) {
        v.evidence.push_back(ToTriple(same_sr[i]));
      }
      v.explanation = "functional relation " + triple.relation + ": KB has " + Shown(same_sr[0]);
      if (same_sr.size() > 1) {
        v.explanation += " and " + std::to_string(same_sr.size() - 1) + " more";
      }
      return v;
    }
  }

  v.explanation = "no stored triple matches two parts of " + FormatTriple(triple);
  if (k->s.empty() && k->o.empty()) {
    v.explanation += "; neither entity is in the KB";
  }
  return v;
}

}  // namespace sextant::knowledge
