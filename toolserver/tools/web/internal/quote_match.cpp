#include "toolserver/tools/web/internal/quote_match.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>

namespace sextant::toolserver::web::internal {
namespace {

// Candidate windows aligned in full, and the page bytes around each.
constexpr int kCandidates = 3;
constexpr std::size_t kRegionSlack = 16;
// Widening a match to whole words goes at most this far each way.
constexpr std::size_t kMaxWidenBytes = 32;
// Punctuation taken in next to a match, in characters.
constexpr int kMaxEdgePunctuation = 3;
// Link markers "[n]" are skipped as punctuation up to this many digits.
constexpr std::size_t kMaxMarkerDigits = 6;

struct Char {
  std::uint32_t cp = 0;
  std::size_t length = 1;
};

// The character at `i`; an invalid sequence is one U+FFFD byte long.
Char CharAt(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  std::uint32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07u;
  } else {
    return {0xFFFD, 1};
  }
  if (i + length > s.size()) return {0xFFFD, 1};
  for (std::size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return {0xFFFD, 1};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return {cp, length};
}

bool IsSpace(std::uint32_t cp) {
  return cp <= 0x20 || cp == 0x7F || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool IsAsciiAlnum(std::uint32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

// Spaces, punctuation and symbols: what normalization turns into a space.
bool IsSeparator(std::uint32_t cp) {
  if (cp < 0x80) return !IsAsciiAlnum(cp);
  return (cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF01 && cp <= 0xFF0F) || cp == 0xFEFF;
}

// The length of a link marker "[n]" (1 to kMaxMarkerDigits digits) at `i`,
// or 0.
std::size_t LinkMarkerLength(std::string_view s, std::size_t i) {
  if (s[i] != '[') return 0;
  std::size_t j = i + 1;
  while (j < s.size() && j - i - 1 < kMaxMarkerDigits && s[j] >= '0' && s[j] <= '9') ++j;
  const std::size_t digits = j - i - 1;
  return (digits > 0 && j < s.size() && s[j] == ']') ? j + 1 - i : 0;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::uint32_t Trigram(std::string_view s, std::size_t i) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 1])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 2]));
}

bool WholeWord(std::string_view text, std::size_t begin, std::size_t end) {
  return (begin == 0 || text[begin - 1] == ' ') && (end == text.size() || text[end] == ' ');
}

// The first whole-word occurrence of `needle` at or after normalized
// position `from`, else the first anywhere.
std::optional<std::size_t> ExactWholeWord(std::string_view text, std::string_view needle,
                                          std::size_t from) {
  std::optional<std::size_t> first;
  for (std::size_t pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + 1)) {
    if (!WholeWord(text, pos, pos + needle.size())) continue;
    if (pos >= from) return pos;
    if (!first) first = pos;
  }
  return first;
}

// Window starts (of the quote's length) sharing the most trigrams with it,
// best first, each at least a quote's length from the others.
std::vector<std::size_t> Candidates(std::string_view text, std::string_view quote) {
  const std::size_t n = text.size();
  const std::size_t len = quote.size();
  if (n <= len) return {0};
  if (len < 3) return {};
  std::unordered_map<std::uint32_t, std::size_t> index;
  std::vector<int> wanted;
  for (std::size_t i = 0; i + 3 <= len; ++i) {
    auto [it, added] = index.try_emplace(Trigram(quote, i), wanted.size());
    if (added) wanted.push_back(0);
    ++wanted[it->second];
  }
  std::vector<int> have(wanted.size(), 0);
  int shared = 0;
  auto add = [&](std::size_t i) {
    auto it = index.find(Trigram(text, i));
    if (it != index.end() && ++have[it->second] <= wanted[it->second]) ++shared;
  };
  auto remove = [&](std::size_t i) {
    auto it = index.find(Trigram(text, i));
    if (it != index.end() && have[it->second]-- <= wanted[it->second]) --shared;
  };
  // scores[s]: trigrams shared by window [s, s + len).
  std::vector<int> scores(n - len + 1, 0);
  for (std::size_t i = 0; i + 3 <= len; ++i) add(i);
  scores[0] = shared;
  for (std::size_t s = 1; s < scores.size(); ++s) {
    remove(s - 1);
    add(s + len - 3);
    scores[s] = shared;
  }
  std::vector<std::size_t> out;
  for (int round = 0; round < kCandidates; ++round) {
    const auto best = std::max_element(scores.begin(), scores.end());
    if (*best <= 0) break;
    const auto at = static_cast<std::size_t>(best - scores.begin());
    out.push_back(at);
    const std::size_t lo = at > len ? at - len : 0;
    const std::size_t hi = std::min(scores.size(), at + len + 1);
    std::fill(scores.begin() + static_cast<std::ptrdiff_t>(lo),
              scores.begin() + static_cast<std::ptrdiff_t>(hi), 0);
  }
  return out;
}

struct Alignment {
  std::size_t begin = 0;  // in the region
  std::size_t end = 0;
  std::size_t edits = 0;
};

// Edit distance of `quote` against its best-matching substring of `region`.
Alignment Align(std::string_view quote, std::string_view region) {
  const std::size_t r = region.size();
  std::vector<std::size_t> cost(r + 1, 0);
  std::vector<std::size_t> start(r + 1);
  std::vector<std::size_t> next_cost(r + 1);
  std::vector<std::size_t> next_start(r + 1);
  for (std::size_t j = 0; j <= r; ++j) start[j] = j;
  for (std::size_t i = 1; i <= quote.size(); ++i) {
    next_cost[0] = i;
    next_start[0] = 0;
    for (std::size_t j = 1; j <= r; ++j) {
      std::size_t best = cost[j - 1] + (quote[i - 1] == region[j - 1] ? 0 : 1);
      std::size_t from = start[j - 1];
      if (cost[j] + 1 < best) {
        best = cost[j] + 1;
        from = start[j];
      }
      if (next_cost[j - 1] + 1 < best) {
        best = next_cost[j - 1] + 1;
        from = next_start[j - 1];
      }
      next_cost[j] = best;
      next_start[j] = from;
    }
    std::swap(cost, next_cost);
    std::swap(start, next_start);
  }
  Alignment best{0, 0, quote.size()};
  for (std::size_t j = 1; j <= r; ++j) {
    if (cost[j] < best.edits) best = {start[j], j, cost[j]};
  }
  return best;
}

double Similarity(std::size_t edits, std::size_t quote_len, std::size_t match_len) {
  const std::size_t longer = std::max(quote_len, match_len);
  if (longer == 0 || edits >= longer) return 0;
  return 1.0 - static_cast<double>(edits) / static_cast<double>(longer);
}

// [begin, end) of normalized text widened to whole words and trimmed of
// spaces; `edits` grows by the bytes added.
void WidenToWords(std::string_view text, std::size_t& begin, std::size_t& end, std::size_t& edits) {
  for (std::size_t k = 0; k < kMaxWidenBytes && begin > 0 && text[begin - 1] != ' '; ++k) {
    --begin;
    ++edits;
  }
  for (std::size_t k = 0; k < kMaxWidenBytes && end < text.size() && text[end] != ' '; ++k) {
    ++end;
    ++edits;
  }
  while (begin < end && text[begin] == ' ') ++begin;
  while (end > begin && text[end - 1] == ' ') --end;
}

bool IsPunctuation(std::uint32_t cp) { return IsSeparator(cp) && !IsSpace(cp); }

// Punctuation that ends a sentence or closes a bracket or quotation.
bool IsClosing(std::uint32_t cp) {
  switch (cp) {
    case '.':
    case '!':
    case '?':
    case ')':
    case ']':
    case '"':
    case '\'':
    case 0x2019:
    case 0x201D:
    case 0x00BB:
    case 0x2026:
      return true;
    default:
      return false;
  }
}

bool IsOpening(std::uint32_t cp) {
  return cp == '(' || cp == '[' || cp == '{' || cp == 0x2018 || cp == 0x201C || cp == 0x00AB;
}

// Whether `quote`'s first (or last) non-space character is punctuation.
bool EdgeIsPunctuation(std::string_view quote, bool at_end) {
  std::uint32_t edge = 0;
  for (std::size_t i = 0; i < quote.size();) {
    const Char c = CharAt(quote, i);
    if (!IsSpace(c.cp)) {
      edge = c.cp;
      if (!at_end) break;
    }
    i += c.length;
  }
  return edge != 0 && IsPunctuation(edge);
}

std::size_t PreviousCharStart(std::string_view s, std::size_t i) {
  do {
    --i;
  } while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0u) == 0x80u);
  return i;
}

void TakeInEdgePunctuation(std::string_view page, std::string_view quote, QuoteMatch& m) {
  if (EdgeIsPunctuation(quote, false)) {
    for (int k = 0; k < kMaxEdgePunctuation && m.begin > 0; ++k) {
      const std::size_t prev = PreviousCharStart(page, m.begin);
      if (!IsPunctuation(CharAt(page, prev).cp)) break;
      m.begin = prev;
    }
  }
  const bool any = EdgeIsPunctuation(quote, true);
  for (int k = 0; k < kMaxEdgePunctuation && m.end < page.size(); ++k) {
    const Char c = CharAt(page, m.end);
    if (any ? !IsPunctuation(c.cp) || IsOpening(c.cp) : !IsClosing(c.cp)) break;
    m.end += c.length;
  }
}

}  // namespace

NormalizedText NormalizeForQuote(std::string_view source) {
  NormalizedText out;
  out.text.reserve(source.size());
  out.source_begin.reserve(source.size());
  out.source_end.reserve(source.size());
  bool space = false;
  std::size_t space_begin = 0;
  std::size_t space_end = 0;
  for (std::size_t i = 0; i < source.size();) {
    const std::size_t marker = LinkMarkerLength(source, i);
    const Char c = marker > 0 ? Char{'[', marker} : CharAt(source, i);
    if (IsSeparator(c.cp)) {
      if (!space) {
        space = true;
        space_begin = i;
        space_end = i + c.length;
      }
    } else {
      if (space && !out.text.empty()) {
        out.text.push_back(' ');
        out.source_begin.push_back(space_begin);
        out.source_end.push_back(space_end);
      }
      space = false;
      for (std::size_t k = i; k < i + c.length; ++k) {
        out.text.push_back(LowerAscii(source[k]));
        out.source_begin.push_back(i);
        out.source_end.push_back(i + c.length);
      }
    }
    i += c.length;
  }
  return out;
}

std::optional<QuoteMatch> FindQuote(std::string_view page, std::string_view quote,
                                    std::size_t prefer_from) {
  const NormalizedText q = NormalizeForQuote(quote);
  if (q.text.empty()) return std::nullopt;
  const NormalizedText p = NormalizeForQuote(page);
  if (p.text.empty()) return std::nullopt;
  const std::size_t from = static_cast<std::size_t>(
      std::lower_bound(p.source_begin.begin(), p.source_begin.end(), prefer_from) -
      p.source_begin.begin());
  std::size_t begin = 0;
  std::size_t end = 0;
  double similarity = 0;
  if (auto pos = ExactWholeWord(p.text, q.text, from)) {
    begin = *pos;
    end = *pos + q.text.size();
    similarity = 1;
  } else {
    const std::string_view page_text = p.text;
    const std::size_t len = q.text.size();
    const std::size_t slack = len / 2 + kRegionSlack;
    bool found = false;
    for (std::size_t c : Candidates(p.text, q.text)) {
      const std::size_t lo = c > slack ? c - slack : 0;
      const std::size_t hi = std::min(p.text.size(), c + len + slack);
      const Alignment a = Align(q.text, page_text.substr(lo, hi - lo));
      std::size_t b = lo + a.begin;
      std::size_t e = lo + a.end;
      std::size_t edits = a.edits;
      WidenToWords(p.text, b, e, edits);
      if (b >= e) continue;
      const double s = Similarity(edits, len, e - b);
      if (!found || s > similarity) {
        found = true;
        begin = b;
        end = e;
        similarity = s;
      }
    }
    if (!found) return std::nullopt;
  }
  QuoteMatch m{p.source_begin[begin], p.source_end[end - 1], similarity};
  TakeInEdgePunctuation(page, quote, m);
  return m;
}

}  // namespace sextant::toolserver::web::internal
