// Verifier::VerifyAnswer and RelatedTriples, the faithfulness score, JSON
// forms and the rethinking prompt.
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "knowledge/internal/similarity.h"
#include "knowledge/normalize.h"
#include "knowledge/verifier.h"

namespace sextant::knowledge {
namespace {

constexpr std::size_t kMaxRelatedWords = 64;
constexpr std::size_t kMaxPhraseWords = 4;

// Content words of a name or text after normalization (raw text when it is
// not valid UTF-8). One-letter words are dropped: they are option letters
// and initials, not content.
std::set<std::string> Content(std::string_view text, bool relation) {
  auto key = relation ? NormalizeRelationKey(text) : NormalizeKey(text);
  std::set<std::string> words = internal::ContentWords(key.ok() ? *key : std::string(text));
  for (auto it = words.begin(); it != words.end();) {
    const bool letter = it->size() == 1 && !(it->front() >= '0' && it->front() <= '9');
    it = letter ? words.erase(it) : std::next(it);
  }
  return words;
}

// |x ∩ t| / |x|.
double Coverage(const std::set<std::string>& x, const std::set<std::string>& t) {
  std::size_t hit = 0;
  for (const std::string& w : x) hit += t.count(w);
  return static_cast<double>(hit) / static_cast<double>(x.size());
}

Json TripleJson(const Triple& t) { return {{"s", t.subject}, {"r", t.relation}, {"o", t.object}}; }

std::string Fixed2(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

// The name that words [i, i + n) of `text` give an entity of the knowledge
// base, or "" when none: first the text as written there ("Guinea-Bissau",
// "St. Louis"), then the words joined by spaces. Runs of stop words only are
// never names.
Result<std::string> ResolvedSpan(KnowledgeBase& kb, const std::vector<internal::WordSpan>& words,
                                 std::size_t i, std::size_t n, std::string_view text) {
  std::string phrase;
  bool content = false;
  for (std::size_t j = i; j < i + n; ++j) {
    if (j > i) phrase += ' ';
    phrase += words[j].word;
    content = content || !internal::IsStopword(words[j].word);
  }
  if (!content) return std::string();
  const std::string_view raw = text.substr(words[i].begin, words[i + n - 1].end - words[i].begin);
  std::string lowered(raw);
  for (char& c : lowered) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  const std::string_view phrase_view = phrase;
  for (std::string_view candidate : {raw, phrase_view}) {
    if (candidate.data() == raw.data() && lowered == phrase) continue;  // no inner punctuation
    SEXTANT_ASSIGN_OR_RETURN(auto ids, kb.ResolveEntity(candidate));
    if (!ids.empty()) return std::string(candidate);
  }
  return std::string();
}

}  // namespace

double Faithfulness(const CokAnswer& answer, double hint_weight) {
  std::set<std::string> t;
  for (const Triple& tr : answer.triples) {
    for (auto* part : {&tr.subject, &tr.object}) t.merge(Content(*part, false));
    t.merge(Content(tr.relation, true));
  }
  if (t.empty()) return 0;
  const std::set<std::string> h = Content(answer.hints, false);
  const std::set<std::string> a = Content(answer.answer, false);
  if (!h.empty() && !a.empty()) {
    return hint_weight * Coverage(h, t) + (1 - hint_weight) * Coverage(a, t);
  }
  if (!h.empty()) return Coverage(h, t);
  if (!a.empty()) return Coverage(a, t);
  return 0;
}

Result<AnswerVerification> Verifier::VerifyAnswer(const CokAnswer& answer) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions());
  AnswerVerification out;
  double sum = 0;
  for (const Triple& t : answer.triples) {
    SEXTANT_ASSIGN_OR_RETURN(TripleVerification v, VerifyTriple(t));
    sum += v.score;
    out.triples.push_back(std::move(v));
  }
  out.factuality = out.triples.empty() ? 0 : sum / static_cast<double>(out.triples.size());
  out.faithfulness = Faithfulness(answer, options_.hint_weight);
  out.reliability = options_.factuality_weight * out.factuality +
                    (1 - options_.factuality_weight) * out.faithfulness;
  out.reliable = out.reliability >= options_.reliability_threshold;
  return out;
}

Result<std::vector<Triple>> Verifier::RelatedTriples(std::string_view text, std::size_t max) {
  std::vector<internal::WordSpan> words = internal::WordSpans(text);
  if (words.size() > kMaxRelatedWords) words.resize(kMaxRelatedWords);
  // Entity names in text order, longest runs first where they overlap.
  std::vector<bool> covered(words.size(), false);
  std::vector<std::pair<std::size_t, std::string>> entities;
  for (std::size_t n = std::min(kMaxPhraseWords, words.size()); n >= 1; --n) {
    for (std::size_t i = 0; i + n <= words.size(); ++i) {
      if (std::any_of(covered.begin() + static_cast<std::ptrdiff_t>(i),
                      covered.begin() + static_cast<std::ptrdiff_t>(i + n),
                      [](bool c) { return c; })) {
        continue;
      }
      SEXTANT_ASSIGN_OR_RETURN(std::string name, ResolvedSpan(kb_, words, i, n, text));
      if (name.empty()) continue;
      std::fill(covered.begin() + static_cast<std::ptrdiff_t>(i),
                covered.begin() + static_cast<std::ptrdiff_t>(i + n), true);
      entities.emplace_back(i, std::move(name));
    }
  }
  std::sort(entities.begin(), entities.end());
  // Each entity's triples, then taken in turn.
  QueryOptions qo;
  qo.limit = max;
  std::vector<std::vector<TripleRow>> lists;
  for (const auto& [pos, name] : entities) {
    std::vector<TripleRow> rows;
    SEXTANT_ASSIGN_OR_RETURN(rows, kb_.Query({name, {}, {}}, qo));
    SEXTANT_ASSIGN_OR_RETURN(auto as_object, kb_.Query({{}, {}, name}, qo));
    for (TripleRow& row : as_object) rows.push_back(std::move(row));
    lists.push_back(std::move(rows));
  }
  std::vector<Triple> out;
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; out.size() < max; ++i) {
    bool any = false;
    for (const auto& rows : lists) {
      if (i >= rows.size() || out.size() >= max) continue;
      any = true;
      if (seen.insert(rows[i].id).second) out.push_back({rows[i].s, rows[i].r, rows[i].o});
    }
    if (!any) break;
  }
  return out;
}

Json ToJson(const TripleVerification& v) {
  Json evidence = Json::array();
  for (const Triple& t : v.evidence) evidence.push_back(TripleJson(t));
  return {{"triple", TripleJson(v.triple)},
          {"verdict", std::string(VerdictName(v.verdict))},
          {"score", v.score},
          {"evidence", evidence},
          {"explanation", v.explanation}};
}

Json ToJson(const AnswerVerification& v) {
  Json triples = Json::array();
  for (const TripleVerification& t : v.triples) triples.push_back(ToJson(t));
  return {{"triples", triples},
          {"factuality", v.factuality},
          {"faithfulness", v.faithfulness},
          {"reliability", v.reliability},
          {"reliable", v.reliable}};
}

std::string BuildRethinkPrompt(std::string_view question, const AnswerVerification& v,
                               const std::vector<Triple>& related) {
  std::string out =
      "Your answer to this question did not pass verification against the "
      "knowledge base (reliability " +
      Fixed2(v.reliability) + ", factuality " + Fixed2(v.factuality) + ", faithfulness " +
      Fixed2(v.faithfulness) + ").\nQ: ";
  out += question;
  out += "\n";
  std::size_t flagged = 0;
  for (const TripleVerification& t : v.triples) {
    if (t.verdict == Verdict::kSupported) continue;
    if (flagged++ == 0) out += "\nFlagged evidence triples:\n";
    out += std::to_string(flagged) + ". " + FormatTriple(t.triple) + ": " +
           std::string(VerdictName(t.verdict)) + " - " + t.explanation + "\n";
  }
  if (flagged == 0) {
    out +=
        "\nEvery evidence triple is supported, but the explanation and the answer are not "
        "covered by the triples: state the facts the answer rests on as triples.\n";
  }
  if (!related.empty()) {
    out += "\nKnowledge base triples about the question's entities:\n";
    for (std::size_t i = 0; i < related.size(); ++i) {
      out += std::to_string(i + 1) + ". " + FormatTriple(related[i]) + "\n";
    }
  }
  out +=
      "\nAnswer again in the same format: \"Evidence triples:\" with numbered "
      "(subject, relation, object) triples, then \"Explanation hints:\", then \"So the "
      "answer is ...\". Use the knowledge base triples where they apply, and drop or fix "
      "the flagged triples.";
  return out;
}

}  // namespace sextant::knowledge
