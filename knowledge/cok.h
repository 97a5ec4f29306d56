// Chain-of-Knowledge prompting (Wang et al. 2023): a few-shot prompt whose
// answers give evidence triples, explanation hints and the answer, and a
// tolerant parser for what a model writes back.
//
// The format, per exemplar and for the model's answer:
//   Q: <question>
//   A: Evidence triples:
//   1. (subject, relation, object)
//   2. ...
//   Explanation hints: <text>
//   So the answer is <answer>.
//
// Thread safety: pure functions.
// Errors: only LoadCokExemplars and ParseTriple fail; ParseCokAnswer never
// fails and lists what it could not read instead.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::knowledge {

// A (subject, relation, object) claim as written; the verifier normalizes it.
struct Triple {
  std::string subject;
  std::string relation;
  std::string object;

  friend bool operator==(const Triple&, const Triple&) = default;
};

// "(s, r, o)".
std::string FormatTriple(const Triple& triple);

struct CokExemplar {
  std::string question;
  std::vector<Triple> triples;
  std::string hints;
  std::string answer;
};

struct CokAnswer {
  std::vector<Triple> triples;
  std::string hints;                  // explanation hints text
  std::string answer;                 // after "So the answer is", without the final period
  std::vector<std::string> problems;  // what could not be read ("line 3: not a triple: ...")
};

// The few-shot prompt in the format above: the exemplars first, separated by
// blank lines, then "Q: <question>\nA:". An exemplar without triples shows
// "(none)" under "Evidence triples:"; one without hints leaves the hints line
// out.
std::string BuildCokPrompt(const std::vector<CokExemplar>& exemplars, std::string_view question);

// Reads up to `max` exemplars from a JSON array of question records. Records
// may carry the paper's own fields ("triples" as [[s, r, o], ...] or
// ["(s, r, o)", ...], "hints" or "explanation", "answer"); the sets in
// ../shared/testdata/qa/chain-of-knowledge/ carry none, so these shapes are
// read too:
//   HotpotQA  {question, answer}
//   MMLU      {question, options[4], answer: "A".."D"}  answer "B. <option text>"
//   MedMCQA   {question, opa..opd, cop (1-based), exp}   hints from exp
//   FEVER     {claim, label}  question "Is it true that <claim>?", answer
//             "yes" (SUPPORTS), "no" (REFUTES) or "not enough information"
// Records of no known shape are skipped. Triples from a knowledge base are
// added by the caller (Verifier::RelatedTriples). An unreadable file is
// not_found; text that is not a JSON array is invalid_argument.
Result<std::vector<CokExemplar>> LoadCokExemplars(const std::filesystem::path& file,
                                                  std::size_t max);

// Reads a model's answer. Tolerates: a leading "A:", a missing "Evidence
// triples:" header, numbered ("1." "1)") or bulleted ("-" "*" "•") triples,
// several triples on one line, "(s, r, o)", "(s; r; o)", "s | r | o",
// "<s, r, o>" and "[s, r, o]", quoted parts (which may hold commas), a
// missing "Explanation hints:" header (other text before the answer is taken
// as hints), and "So the answer is", "The answer is", "Answer:". Reading
// stops at a following "Q:" line. Never fails: what it skipped or guessed is
// listed in `problems`.
CokAnswer ParseCokAnswer(std::string_view text);

// Parses one triple for the command line: "(s, r, o)" or the other shapes
// above, or "s<TAB>r<TAB>o". Errors are invalid_argument saying what is
// wrong: empty text, unbalanced brackets, not three parts, an empty part.
Result<Triple> ParseTriple(std::string_view text);

}  // namespace sextant::knowledge
