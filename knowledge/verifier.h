// F² verification (Chain-of-Knowledge, Wang et al. 2023): the factuality of
// each evidence triple against a KnowledgeBase, and the faithfulness of the
// explanation hints and the answer to the triples.
//
// Verdict of one triple (s, r, o), first rule that holds:
//   supported            (s, r, o) is stored, after normalization, through
//                        entity and relation aliases, or as (o, inverse(r), s);
//                        or r is listed as transitive and a chain
//                        (s, r, x1), (x1, r, x2) ... (xn, r, o) of at most
//                        max_chain_hops triples is stored.
//                        score = the lowest confidence of the evidence.
//   partially_supported  a stored triple matches two parts exactly (same
//                        entity or relation) and the third part's
//                        NameSimilarity (knowledge/internal/similarity.h) is
//                        >= partial_threshold. Candidates are the stored
//                        triples sharing two parts with the claim
//                        (max_candidates per query), plus the best FTS5 BM25
//                        matches when one of those lists was cut.
//                        score = similarity * confidence (below 1: a
//                        similarity of two different keys is at most 0.95).
//   contradicted         r is functional and the subject has other objects
//                        for r (evidence: those triples). score = 0.
//   unknown              none of the above; unknown is not false.
//                        score = unknown_score. A name that cannot be read
//                        (invalid UTF-8, nothing left after normalization,
//                        over the knowledge base's name limit) is unknown too,
//                        with the reason in the explanation.
//
// Faithfulness of an answer: with T the content words of all its triples
// (subject, relation and object keys), H those of the hints and A those of
// the answer (stop words and one-letter words dropped, plurals stemmed),
//   faithfulness = hint_weight * |H ∩ T| / |H| + (1 - hint_weight) * |A ∩ T| / |A|
// where a term whose set is empty is left out (the other gets all the
// weight); no triples, or neither hints nor answer: 0.
// factuality = the mean triple score (0 without triples);
// reliability = factuality_weight * factuality + (1 - factuality_weight) *
// faithfulness; reliable = reliability >= reliability_threshold.
//
// Ownership: borrows the KnowledgeBase, which must outlive the Verifier.
// Thread safety: none (as the KnowledgeBase).
// Errors: options out of range are invalid_argument; SQLite errors pass
// through; a claim's unreadable names are verdicts, not errors.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "knowledge/cok.h"
#include "knowledge/knowledge_base.h"

namespace sextant::knowledge {

enum class Verdict { kSupported, kPartiallySupported, kContradicted, kUnknown };

// "supported", "partially_supported", "contradicted", "unknown".
std::string_view VerdictName(Verdict v);

struct TripleVerification {
  Triple triple;
  Verdict verdict = Verdict::kUnknown;
  double score = 0;              // factuality in [0, 1]
  std::vector<Triple> evidence;  // knowledge-base triples that justify the verdict
  std::string explanation;       // one line
};

struct VerifyOptions {
  static constexpr double kDefaultPartialThreshold = 0.8;
  static constexpr std::size_t kDefaultMaxCandidates = 50;
  static constexpr double kDefaultReliabilityThreshold = 0.6;
  static constexpr double kDefaultFactualityWeight = 0.5;
  static constexpr double kDefaultHintWeight = 0.5;
  static constexpr double kDefaultUnknownScore = 0.5;
  static constexpr int kDefaultMaxChainHops = 3;
  static constexpr std::size_t kDefaultMaxEvidence = 5;

  double partial_threshold = kDefaultPartialThreshold;          // in (0, 1]
  std::size_t max_candidates = kDefaultMaxCandidates;           // per candidate query; >= 1
  double reliability_threshold = kDefaultReliabilityThreshold;  // in [0, 1]
  double factuality_weight = kDefaultFactualityWeight;          // in [0, 1]
  double hint_weight = kDefaultHintWeight;                      // in [0, 1]
  double unknown_score = kDefaultUnknownScore;                  // in [0, 1]
  // Relations (any spelling; compared by normalized key) whose chains count
  // as support, such as "locatedin" or "part of". Empty: none.
  std::vector<std::string> transitive_relations;
  int max_chain_hops = kDefaultMaxChainHops;       // >= 1
  std::size_t max_evidence = kDefaultMaxEvidence;  // triples kept per verdict; >= 1
};

struct AnswerVerification {
  std::vector<TripleVerification> triples;
  double factuality = 0;
  double faithfulness = 0;
  double reliability = 0;
  bool reliable = false;
};

class Verifier {
 public:
  explicit Verifier(KnowledgeBase& kb, VerifyOptions options = {});

  const VerifyOptions& options() const { return options_; }

  Result<TripleVerification> VerifyTriple(const Triple& triple);
  Result<AnswerVerification> VerifyAnswer(const CokAnswer& answer);

  // Stored triples about the entities named in `text`: every run of up to
  // four words that names a stored entity (longest first, runs of stop words
  // skipped), taking triples with it as subject or object in turn across the
  // entities, up to `max`.
  Result<std::vector<Triple>> RelatedTriples(std::string_view text, std::size_t max = 20);

 private:
  Status CheckOptions() const;

  KnowledgeBase& kb_;
  VerifyOptions options_;
};

// The faithfulness formula above, on its own.
double Faithfulness(const CokAnswer& answer, double hint_weight);

// {triple: {s, r, o}, verdict, score, evidence: [{s, r, o}], explanation}.
Json ToJson(const TripleVerification& v);
// {triples: [...], factuality, faithfulness, reliability, reliable}.
Json ToJson(const AnswerVerification& v);

// The rethinking message: the question, the triples that were not
// supported with their verdicts and evidence, the related knowledge-base
// triples, and the instruction to answer again in the Chain-of-Knowledge
// format.
std::string BuildRethinkPrompt(std::string_view question, const AnswerVerification& v,
                               const std::vector<Triple>& related);

}  // namespace sextant::knowledge
