#include "knowledge/internal/similarity.h"

#include <algorithm>
#include <iterator>
#include <numeric>

namespace sextant::knowledge::internal {
namespace {

constexpr std::string_view kStopwords[] = {
    "a",     "an",   "and",  "are",   "as",   "at",   "be",      "been",     "being", "but",
    "by",    "can",  "did",  "do",    "does", "for",  "from",    "had",      "has",   "have",
    "he",    "her",  "his",  "in",    "into", "is",   "it",      "its",      "of",    "on",
    "or",    "so",   "she",  "than",  "that", "the",  "their",   "them",     "then",  "there",
    "these", "they", "this", "those", "to",   "was",  "we",      "were",     "which", "who",
    "whom",  "will", "with", "would", "you",  "also", "because", "therefore"};
constexpr std::size_t kMinStemBytes = 4;

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

std::string Squash(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

}  // namespace

std::vector<WordSpan> WordSpans(std::string_view text) {
  std::vector<WordSpan> spans;
  WordSpan span;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const auto u = i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
    if (i < text.size() && IsWordByte(u)) {
      if (span.word.empty()) span.begin = i;
      span.word.push_back(u >= 'A' && u <= 'Z' ? static_cast<char>(u - 'A' + 'a') : text[i]);
    } else if (!span.word.empty()) {
      span.end = i;
      spans.push_back(std::move(span));
      span = WordSpan{};
    }
  }
  return spans;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  for (WordSpan& span : WordSpans(text)) words.push_back(std::move(span.word));
  return words;
}

bool IsStopword(std::string_view word) {
  return std::find(std::begin(kStopwords), std::end(kStopwords), word) != std::end(kStopwords);
}

std::string Stem(std::string word) {
  auto ends = [&](std::string_view suffix) { return word.ends_with(suffix); };
  if (word.size() > kMinStemBytes && ends("ies")) {
    word.resize(word.size() - 3);
    word += 'y';
  } else if (word.size() >= kMinStemBytes && ends("s") && !ends("ss") && !ends("us") &&
             !ends("is")) {
    word.pop_back();
  }
  return word;
}

std::set<std::string> ContentWords(std::string_view text) {
  std::set<std::string> out;
  for (std::string& w : Words(text)) {
    if (!IsStopword(w)) out.insert(Stem(std::move(w)));
  }
  return out;
}

double EditSimilarity(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.empty()) return 1.0;
  // One row of the edit-distance table: (b.size() + 1).
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return 1.0 - static_cast<double>(row[b.size()]) / static_cast<double>(a.size());
}

double NameSimilarity(std::string_view a, std::string_view b) {
  if (a == b) return 1.0;
  double best = 0;
  if (a.size() <= kMaxEditBytes && b.size() <= kMaxEditBytes) {
    best = std::max(EditSimilarity(a, b), EditSimilarity(Squash(a), Squash(b)));
  }
  const std::set<std::string> wa = ContentWords(a);
  const std::set<std::string> wb = ContentWords(b);
  if (!wa.empty() && !wb.empty()) {
    std::size_t common = 0;
    for (const std::string& w : wa) common += wb.count(w);
    best = std::max(best,
                    2.0 * static_cast<double>(common) / static_cast<double>(wa.size() + wb.size()));
  }
  return kInexactCap * best;
}

}  // namespace sextant::knowledge::internal
