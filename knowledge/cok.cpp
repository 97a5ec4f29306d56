#include "knowledge/cok.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "knowledge/internal/cok_text.h"

namespace sextant::knowledge {
namespace {

using internal::IFind;
using internal::IStartsWith;
using internal::StripListMarker;
using internal::Trim;

constexpr std::string_view kTripleHeaders[] = {"evidence triples", "evidence triple", "evidence",
                                               "triples"};
constexpr std::string_view kHintHeaders[] = {"explanation hints", "explanation hint", "explanation",
                                             "hints"};
constexpr std::string_view kAnswerMarkers[] = {"so the answer is", "the answer is"};
constexpr std::string_view kAnswerHeaders[] = {"answer", "final answer"};
constexpr std::size_t kMaxQuotedLine = 80;

// The text after "<header>:" when `line` starts with one of `headers`
// followed by a colon.
std::optional<std::string_view> AfterHeader(std::string_view line, const std::string_view* headers,
                                            std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!IStartsWith(line, headers[i])) continue;
    std::string_view rest = Trim(line.substr(headers[i].size()));
    if (!rest.empty() && rest.front() == ':') return Trim(rest.substr(1));
  }
  return std::nullopt;
}

// The answer text in a line, and the text before its marker.
struct AnswerSplit {
  std::string_view before;
  std::string_view answer;
};

std::optional<AnswerSplit> FindAnswer(std::string_view line) {
  for (std::string_view marker : kAnswerMarkers) {
    const std::size_t at = IFind(line, marker);
    if (at == std::string_view::npos) continue;
    std::string_view rest = Trim(line.substr(at + marker.size()));
    if (!rest.empty() && rest.front() == ':') rest = Trim(rest.substr(1));
    return AnswerSplit{Trim(line.substr(0, at)), rest};
  }
  if (auto rest = AfterHeader(line, std::data(kAnswerHeaders), std::size(kAnswerHeaders))) {
    return AnswerSplit{{}, *rest};
  }
  return std::nullopt;
}

std::string CleanAnswer(std::string_view text) {
  text = Trim(text);
  while (!text.empty() && text.back() == '.') text = Trim(text.substr(0, text.size() - 1));
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    text = Trim(text.substr(1, text.size() - 2));
  }
  return std::string(text);
}

std::string Quote(std::string_view line) {
  if (line.size() <= kMaxQuotedLine) return std::string(line);
  return std::string(line.substr(0, kMaxQuotedLine)) + "...";
}

void AppendText(std::string& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty()) out += ' ';
  out += text;
}

bool EndsSentence(std::string_view text) {
  return !text.empty() && (text.back() == '.' || text.back() == '?' || text.back() == '!');
}

enum class Section { kStart, kTriples, kHints };

}  // namespace

std::string FormatTriple(const Triple& triple) {
  return "(" + triple.subject + ", " + triple.relation + ", " + triple.object + ")";
}

std::string BuildCokPrompt(const std::vector<CokExemplar>& exemplars, std::string_view question) {
  std::string out;
  for (const CokExemplar& ex : exemplars) {
    out += "Q: " + ex.question + "\nA: Evidence triples:\n";
    if (ex.triples.empty()) out += "(none)\n";
    for (std::size_t i = 0; i < ex.triples.size(); ++i) {
      out += std::to_string(i + 1) + ". " + FormatTriple(ex.triples[i]) + "\n";
    }
    if (!ex.hints.empty()) out += "Explanation hints: " + ex.hints + "\n";
    out += "So the answer is " + ex.answer + (EndsSentence(ex.answer) ? "" : ".") + "\n\n";
  }
  out += "Q: ";
  out += question;
  out += "\nA:";
  return out;
}

Result<Triple> ParseTriple(std::string_view text) {
  return internal::ParseTripleText(StripListMarker(Trim(text)));
}

CokAnswer ParseCokAnswer(std::string_view text) {
  CokAnswer out;
  Section section = Section::kStart;
  bool hints_header = false;
  bool guessed_hints = false;
  bool answered = false;
  std::size_t line_no = 0;
  std::size_t ignored_after_answer = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (answered) {
      if (IStartsWith(line, "q:")) break;
      ++ignored_after_answer;
      continue;
    }
    if (IStartsWith(line, "q:")) {
      if (line_no == 1 || (out.triples.empty() && out.hints.empty())) continue;
      break;
    }
    if (IStartsWith(line, "a:")) line = Trim(line.substr(2));
    if (auto rest = AfterHeader(line, std::data(kTripleHeaders), std::size(kTripleHeaders))) {
      section = Section::kTriples;
      line = *rest;
      if (line.empty()) continue;
    } else if (auto hints = AfterHeader(line, std::data(kHintHeaders), std::size(kHintHeaders))) {
      section = Section::kHints;
      hints_header = true;
      line = *hints;
    }
    if (auto split = FindAnswer(line)) {
      AppendText(out.hints, split->before);
      out.answer = CleanAnswer(split->answer);
      answered = true;
      if (out.answer.empty())
        out.problems.push_back("line " + std::to_string(line_no) +
                               ": the answer marker has no answer after it");
      continue;
    }
    if (section != Section::kHints && internal::LooksLikeTriples(line)) {
      section = Section::kTriples;
      internal::ReadTriples(line, line_no, out.triples, out.problems);
      continue;
    }
    if (section != Section::kHints && internal::HasListMarker(line)) {
      out.problems.push_back("line " + std::to_string(line_no) + ": not a triple: " + Quote(line));
      continue;
    }
    if (section != Section::kHints && !hints_header && !guessed_hints) {
      out.problems.push_back("line " + std::to_string(line_no) +
                             ": no 'Explanation hints:' header; reading text from here as hints");
      guessed_hints = true;
    }
    AppendText(out.hints, line);
  }
  if (out.triples.empty()) out.problems.emplace_back("no evidence triples found");
  if (!answered) out.problems.emplace_back("no answer ('So the answer is ...') found");
  if (ignored_after_answer > 0) {
    out.problems.push_back("ignored " + std::to_string(ignored_after_answer) +
                           " line(s) after the answer");
  }
  return out;
}

}  // namespace sextant::knowledge
