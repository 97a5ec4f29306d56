#include "toolserver/tools/web/internal/index_text.h"

#include <algorithm>

#include "common/utf8.h"

namespace sextant::toolserver::web::internal {
namespace {

// Punctuation, spaces and symbols outside ASCII: they separate words.
bool IsSeparator(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFEFF || cp == 0xFFFD;
}

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// Whether `word` matches `query_word` (see MakeSnippet).
bool Matches(std::string_view word, std::string_view query_word) {
  constexpr std::size_t kMinStem = 4;
  constexpr std::size_t kEndingLetters = 2;
  if (word.empty() || query_word.empty() || LowerAscii(word[0]) != LowerAscii(query_word[0])) {
    return false;
  }
  if (query_word.size() < kMinStem) return EqualsIgnoringAsciiCase(word, query_word);
  const std::size_t stem = std::max(kMinStem, query_word.size() - kEndingLetters);
  return word.size() >= stem &&
         EqualsIgnoringAsciiCase(word.substr(0, stem), query_word.substr(0, stem));
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Appends text[begin, end) with whitespace runs collapsed to one space.
void AppendCollapsed(std::string_view text, std::size_t begin, std::size_t end, std::string& out) {
  bool space = false;
  for (std::size_t i = begin; i < end; ++i) {
    if (IsAsciiSpace(text[i])) {
      space = true;
      continue;
    }
    if (space && !out.empty() && out.back() != ' ') out += ' ';
    space = false;
    out += text[i];
  }
  if (space && !out.empty() && out.back() != ' ') out += ' ';
}

bool IsWordStart(std::string_view text, std::size_t i) {
  char32_t cp = 0;
  const std::size_t len = DecodeUtf8(text, i, cp);
  return len > 0 && IsWordChar(cp);
}

// The index of the query word `word` matches, or -1.
int KeyOf(std::string_view word, const std::vector<std::string>& query_words) {
  for (std::size_t k = 0; k < query_words.size(); ++k) {
    if (Matches(word, query_words[k])) return static_cast<int>(k);
  }
  return -1;
}

// The query words without repeats (ASCII case ignored).
std::vector<std::string> DistinctWords(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const std::string& w : words) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const std::string& o) {
      return EqualsIgnoringAsciiCase(o, w);
    });
    if (!seen) out.push_back(w);
  }
  return out;
}

// The start (a word index) of the first window of `max_words` words that
// holds every query word, else of the first with the most distinct query
// words and then the most matches. Reads the text only as far as needed.
std::size_t BestWindowStart(std::string_view text, const std::vector<std::string>& keys,
                            std::size_t max_words) {
  if (keys.empty()) return 0;
  std::vector<int> ring(max_words, -1);  // the keys of the window's words
  std::vector<std::size_t> count(keys.size(), 0);
  std::size_t distinct = 0;
  std::size_t matches = 0;
  std::size_t best_start = 0;
  std::size_t best_distinct = 0;
  std::size_t best_matches = 0;
  std::size_t pos = 0;
  WordSpan word;
  for (std::size_t i = 0; NextWord(text, pos, word); ++i) {
    int& slot = ring[i % max_words];
    if (i >= max_words && slot >= 0) {  // the word leaving the window
      if (--count[static_cast<std::size_t>(slot)] == 0) --distinct;
      --matches;
    }
    slot = KeyOf(text.substr(word.begin, word.end - word.begin), keys);
    if (slot >= 0) {
      if (count[static_cast<std::size_t>(slot)]++ == 0) ++distinct;
      ++matches;
    }
    if (distinct > best_distinct || (distinct == best_distinct && matches > best_matches)) {
      best_distinct = distinct;
      best_matches = matches;
      best_start = i + 1 >= max_words ? i + 1 - max_words : 0;
      if (distinct == keys.size()) break;
    }
  }
  return best_start;
}

struct KeyedWord {
  WordSpan span;
  int key = -1;
};

// Words [from, to) of `text` with their keys; `more` tells whether any word
// follows them.
std::vector<KeyedWord> WordsBetween(std::string_view text, const std::vector<std::string>& keys,
                                    std::size_t from, std::size_t to, bool& more) {
  std::vector<KeyedWord> out;
  std::size_t pos = 0;
  WordSpan word;
  std::size_t i = 0;
  more = false;
  for (; NextWord(text, pos, word); ++i) {
    if (i >= to) {
      more = true;
      break;
    }
    if (i >= from) {
      out.push_back({word, KeyOf(text.substr(word.begin, word.end - word.begin), keys)});
    }
  }
  return out;
}

// Moves the window at words[start] so that its matched words sit in its
// middle, as far as the words allow (`more`: words follow the last one).
std::size_t CenteredStart(const std::vector<KeyedWord>& words, std::size_t start,
                          std::size_t max_words, bool more) {
  const std::size_t n = words.size();
  const std::size_t end = std::min(n, start + max_words);
  std::size_t first_match = end;
  std::size_t last_match = start;
  for (std::size_t i = start; i < end; ++i) {
    if (words[i].key < 0) continue;
    first_match = std::min(first_match, i);
    last_match = i;
  }
  if (first_match == end) return start;
  const std::size_t slack = max_words - (last_match - first_match + 1);
  std::size_t centered = first_match - std::min(first_match, slack / 2);
  if (!more) centered = std::min(centered, n > max_words ? n - max_words : 0);
  return std::max(centered, last_match + 1 >= max_words ? last_match + 1 - max_words : 0);
}

}  // namespace

std::size_t DecodeUtf8(std::string_view text, std::size_t i, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  std::size_t len = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    len = 2;
    cp = lead & 0x1Fu;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3;
    cp = lead & 0x0Fu;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4;
    cp = lead & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  if (cp < min || !IsUnicodeScalarValue(cp)) return 0;
  return len;
}

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  return !IsSeparator(cp);
}

bool NextWord(std::string_view text, std::size_t& pos, WordSpan& word) {
  bool in_word = false;
  while (pos < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos]);
    std::size_t len = 1;
    bool word_char = false;
    if (c < 0x80) {  // the common case, without decoding
      word_char = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    } else {
      char32_t cp = 0;
      len = DecodeUtf8(text, pos, cp);
      word_char = len > 0 && IsWordChar(cp);
      len = len == 0 ? 1 : len;
    }
    if (!word_char && in_word) return true;
    if (word_char && !in_word) {
      word.begin = pos;
      in_word = true;
    }
    pos += len;
    if (word_char) word.end = pos;
  }
  return in_word;
}

std::string CleanText(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  std::string ch;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t len = DecodeUtf8(text, i, cp);
    ch.clear();
    if (len == 0) {
      AppendUtf8(0xFFFD, ch);
    } else if (cp == 0) {
      ch = " ";
    } else {
      ch.assign(text.substr(i, len));
    }
    if (out.size() + ch.size() > max_bytes) break;
    out += ch;
    i += len == 0 ? 1 : len;
  }
  return out;
}

std::string MakeSnippet(std::string_view text, const std::vector<std::string>& query_words,
                        std::size_t max_words) {
  if (max_words == 0) return "";
  const std::vector<std::string> keys = DistinctWords(query_words);
  const std::size_t best = BestWindowStart(text, keys, max_words);
  // The window may move by up to max_words words either way when centred.
  const std::size_t from = best - std::min(best, max_words);
  bool more = false;
  const std::vector<KeyedWord> words = WordsBetween(text, keys, from, best + 2 * max_words, more);
  if (words.empty()) return "";
  const std::size_t first = CenteredStart(words, best - from, max_words, more);
  const std::size_t last = std::min(words.size(), first + max_words) - 1;
  std::string out = first + from > 0 ? "…" : "";
  std::size_t at = words[first].span.begin;
  for (std::size_t i = first; i <= last; ++i) {
    const WordSpan& w = words[i].span;
    AppendCollapsed(text, at, w.begin, out);
    if (words[i].key >= 0) out += '[';
    out.append(text.substr(w.begin, w.end - w.begin));
    if (words[i].key >= 0) out += ']';
    at = w.end;
  }
  if (last + 1 < words.size() || more) {
    // Punctuation right after the last word (a full stop) stays.
    std::size_t end = at;
    while (end < text.size() && !IsAsciiSpace(text[end]) && !IsWordStart(text, end)) ++end;
    out.append(text.substr(at, end - at));
    out += "…";
  } else {
    std::size_t end = text.size();
    while (end > at && IsAsciiSpace(text[end - 1])) --end;
    AppendCollapsed(text, at, end, out);
  }
  return out;
}

}  // namespace sextant::toolserver::web::internal
