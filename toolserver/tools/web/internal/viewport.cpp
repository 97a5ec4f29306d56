#include "toolserver/tools/web/internal/viewport.h"

#include <string>
#include <vector>

namespace sextant::toolserver::web::internal {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u; }

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Lower-cased text with whitespace runs as one space, and each byte's
// source offset.
struct Folded {
  std::string text;
  std::vector<std::size_t> source;
};

Folded Fold(std::string_view s) {
  Folded out;
  out.text.reserve(s.size());
  out.source.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (IsAsciiSpace(s[i])) {
      if (!out.text.empty() && out.text.back() == ' ') continue;
      out.text.push_back(' ');
    } else {
      out.text.push_back(LowerAscii(s[i]));
    }
    out.source.push_back(i);
  }
  return out;
}

// The source offset just past folded bytes [.., end).
std::size_t SourceEnd(const Folded& f, std::string_view source, std::size_t end) {
  std::size_t pos = f.source[end - 1] + 1;
  while (pos < source.size() && IsContinuation(source[pos])) ++pos;
  return pos;
}

}  // namespace

std::size_t CountChars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += IsContinuation(c) ? 0 : 1;
  return n;
}

std::size_t AdvanceChars(std::string_view text, std::size_t pos, std::size_t chars) {
  for (std::size_t k = 0; k < chars && pos < text.size(); ++k) {
    ++pos;
    while (pos < text.size() && IsContinuation(text[pos])) ++pos;
  }
  return pos;
}

std::size_t RetreatChars(std::string_view text, std::size_t pos, std::size_t chars) {
  for (std::size_t k = 0; k < chars && pos > 0; ++k) {
    --pos;
    while (pos > 0 && IsContinuation(text[pos])) --pos;
  }
  return pos;
}

std::size_t CutAtChar(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t n = max_bytes;
  while (n > 0 && IsContinuation(text[n])) --n;
  return n;
}

std::size_t SkipSpace(std::string_view text, std::size_t pos) {
  while (pos < text.size() && IsAsciiSpace(text[pos])) ++pos;
  return pos;
}

bool OnlySpace(std::string_view text, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end && i < text.size(); ++i) {
    if (!IsAsciiSpace(text[i])) return false;
  }
  return true;
}

std::size_t ViewportEnd(std::string_view text, std::size_t begin, std::size_t chars) {
  const std::size_t limit = AdvanceChars(text, begin, chars);
  if (limit >= text.size()) return text.size();
  const std::size_t mid = AdvanceChars(text, begin, chars / 2);
  for (char mark : {'\n', ' '}) {
    const std::size_t p = text.rfind(mark, limit - 1);
    if (p != std::string_view::npos && p >= mid) return p + 1;
  }
  return limit;
}

std::size_t ViewportStart(std::string_view text, std::size_t end, std::size_t chars) {
  const std::size_t limit = RetreatChars(text, end, chars);
  if (limit == 0) return 0;
  const std::size_t mid = RetreatChars(text, end, chars / 2);
  for (char mark : {'\n', ' '}) {
    const std::size_t p = text.find(mark, limit - 1);
    if (p != std::string_view::npos && p < mid) return p + 1;
  }
  return limit;
}

std::size_t StartShowing(std::string_view text, std::size_t pos, std::size_t chars) {
  if (pos == 0) return 0;
  const std::size_t lo = RetreatChars(text, pos, chars / 3);
  const std::size_t line = text.rfind('\n', pos - 1);
  if (line == std::string_view::npos && lo == 0) return 0;
  if (line != std::string_view::npos && line >= lo) return line + 1;
  const std::size_t space = text.find(' ', lo);
  if (space != std::string_view::npos && space < pos) return space + 1;
  return pos;
}

std::string FoldForFind(std::string_view text) {
  std::string folded = Fold(text).text;
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  if (!folded.empty() && folded.front() == ' ') folded.erase(0, 1);
  return folded;
}

std::optional<FoundText> FindText(std::string_view text, std::string_view needle,
                                  std::size_t from) {
  const std::string want = FoldForFind(needle);
  if (want.empty()) return std::nullopt;
  const Folded hay = Fold(text);
  std::optional<FoundText> first;
  std::optional<FoundText> chosen;
  std::size_t count = 0;
  for (std::size_t pos = hay.text.find(want); pos != std::string::npos;
       pos = hay.text.find(want, pos + want.size())) {
    ++count;
    const FoundText found{hay.source[pos], SourceEnd(hay, text, pos + want.size()), count, 0,
                          false};
    if (!first) first = found;
    if (!chosen && found.begin >= from) chosen = found;
  }
  if (!first) return std::nullopt;
  if (!chosen) {
    chosen = first;
    chosen->wrapped = true;
  }
  chosen->count = count;
  return chosen;
}

}  // namespace sextant::toolserver::web::internal
