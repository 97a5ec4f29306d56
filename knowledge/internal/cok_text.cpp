#include "knowledge/internal/cok_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace sextant::knowledge::internal {
namespace {

constexpr std::string_view kBullet = "\xE2\x80\xA2";  // U+2022
// Curly quotes, stripped from the ends of parts.
constexpr std::array<std::string_view, 4> kCurlyQuotes = {"\xE2\x80\x9C", "\xE2\x80\x9D",
                                                          "\xE2\x80\x98", "\xE2\x80\x99"};
constexpr std::array<std::string_view, 3> kPartNames = {"subject", "relation", "object"};
constexpr std::size_t kTripleParts = 3;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

char Closer(char open) {
  switch (open) {
    case '(':
      return ')';
    case '[':
      return ']';
    case '<':
      return '>';
    default:
      return '\0';
  }
}

// The index of the bracket closing the one at `open`, or npos. Brackets
// inside double quotes are not counted.
std::size_t MatchBracket(std::string_view text, std::size_t open) {
  const char o = text[open];
  const char c = Closer(o);
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    if (quoted) continue;
    if (text[i] == o) ++depth;
    if (text[i] == c && --depth == 0) return i;
  }
  return std::string_view::npos;
}

std::string_view StripCurly(std::string_view part) {
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view q : kCurlyQuotes) {
      if (part.size() >= q.size() && part.substr(0, q.size()) == q) {
        part = Trim(part.substr(q.size()));
        changed = true;
      }
      if (part.size() >= q.size() && part.substr(part.size() - q.size()) == q) {
        part = Trim(part.substr(0, part.size() - q.size()));
        changed = true;
      }
    }
  }
  return part;
}

// Counts `sep` outside quotes and nested brackets.
std::size_t CountSeparators(std::string_view text, char sep) {
  std::size_t n = 0;
  int depth = 0;
  char quote = '\0';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool part_start = i == 0 || IsSpace(text[i - 1]) || text[i - 1] == sep;
    if (quote != '\0') {
      if (c == quote) quote = '\0';
      continue;
    }
    if ((c == '"' || c == '\'') && part_start) {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if ((c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (c == sep && depth == 0) {
      ++n;
    }
  }
  return n;
}

char ChooseSeparator(std::string_view text) {
  for (char sep : {'|', ';', '\t'}) {
    if (CountSeparators(text, sep) == kTripleParts - 1) return sep;
  }
  return ',';
}

// Splits on `sep` outside nested brackets; a part that opens with a quote
// runs to its closing quote.
std::vector<std::string> SplitParts(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  for (;;) {
    while (i < text.size() && IsSpace(text[i]) && text[i] != sep) ++i;
    std::string part;
    if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
      const std::size_t close = text.find(text[i], i + 1);
      std::size_t after = close == std::string_view::npos ? close : close + 1;
      while (after != std::string_view::npos && after < text.size() && IsSpace(text[after]) &&
             text[after] != sep) {
        ++after;
      }
      if (after != std::string_view::npos && (after == text.size() || text[after] == sep)) {
        parts.emplace_back(text.substr(i + 1, close - i - 1));
        if (after == text.size()) return parts;
        i = after + 1;
        continue;
      }
    }
    int depth = 0;
    std::size_t j = i;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (c == '(' || c == '[') ++depth;
      if ((c == ')' || c == ']') && depth > 0) --depth;
      if (c == sep && depth == 0) break;
    }
    parts.emplace_back(StripCurly(Trim(text.substr(i, j - i))));
    if (j >= text.size()) return parts;
    i = j + 1;
  }
}

}  // namespace

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool IStartsWith(std::string_view text, std::string_view prefix) {
  return IFind(text.substr(0, prefix.size()), prefix) == 0;
}

std::size_t IFind(std::string_view text, std::string_view needle) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                        [&](char a, char b) { return lower(a) == lower(b); });
  if (it == text.end() && !needle.empty()) return std::string_view::npos;
  return static_cast<std::size_t>(it - text.begin());
}

std::string_view StripListMarker(std::string_view line) {
  line = Trim(line);
  if (line.substr(0, kBullet.size()) == kBullet) return Trim(line.substr(kBullet.size()));
  if (!line.empty() && (line.front() == '-' || line.front() == '*')) {
    return Trim(line.substr(1));
  }
  std::size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits > 0 && digits < line.size() &&
      (line[digits] == '.' || line[digits] == ')' || line[digits] == ':') &&
      (digits + 1 == line.size() || IsSpace(line[digits + 1]) || line[digits + 1] == '(')) {
    return Trim(line.substr(digits + 1));
  }
  return line;
}

bool HasListMarker(std::string_view line) {
  return StripListMarker(line).size() != Trim(line).size();
}

bool LooksLikeTriples(std::string_view line) {
  line = StripListMarker(line);
  if (line.empty()) return false;
  if (Closer(line.front()) != '\0') return true;
  return CountSeparators(line, '|') == kTripleParts - 1 ||
         CountSeparators(line, ';') == kTripleParts - 1;
}

void ReadTriples(std::string_view line, std::size_t line_no, std::vector<Triple>& triples,
                 std::vector<std::string>& problems) {
  const std::string where = "line " + std::to_string(line_no) + ": ";
  line = StripListMarker(line);
  if (line.empty() || Closer(line.front()) == '\0') {
    auto t = ParseTripleText(line);
    if (t.ok()) {
      triples.push_back(std::move(*t));
    } else {
      problems.push_back(where + "not a triple: " + t.status().message());
    }
    return;
  }
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t open = line.find_first_of("([<", i);
    if (open == std::string_view::npos) return;
    const std::size_t close = MatchBracket(line, open);
    if (close == std::string_view::npos) {
      problems.push_back(where + "not a triple: no closing '" + std::string(1, Closer(line[open])) +
                         "' for the '" + std::string(1, line[open]) + "' at column " +
                         std::to_string(open + 1));
      return;
    }
    auto t = ParseTripleText(line.substr(open, close - open + 1));
    if (t.ok()) {
      triples.push_back(std::move(*t));
    } else {
      problems.push_back(where + "not a triple: " + t.status().message());
    }
    i = close + 1;
  }
}

Result<Triple> ParseTripleText(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return InvalidArgumentError("empty triple");
  std::string_view inner = text;
  if (const char close = Closer(text.front()); close != '\0') {
    const std::size_t at = MatchBracket(text, 0);
    if (at == std::string_view::npos) {
      return InvalidArgumentError("no closing '" + std::string(1, close) + "' in '" +
                                  std::string(text) + "'");
    }
    if (at + 1 != text.size()) {
      return InvalidArgumentError("text after the closing '" + std::string(1, close) + "': '" +
                                  std::string(text.substr(at + 1)) + "'");
    }
    inner = text.substr(1, at - 1);
  }
  const char sep = ChooseSeparator(inner);
  std::vector<std::string> parts = SplitParts(inner, sep);
  if (parts.size() != kTripleParts) {
    std::string msg = "expected 3 parts (subject, relation, object) separated by '" +
                      std::string(sep == '\t' ? "TAB" : std::string(1, sep)) + "', found " +
                      std::to_string(parts.size()) + " in '" + std::string(text) + "'";
    if (sep == ',' && parts.size() > kTripleParts) msg += "; quote names that hold commas";
    return InvalidArgumentError(msg);
  }
  for (std::size_t i = 0; i < kTripleParts; ++i) {
    if (Trim(parts[i]).empty()) {
      return InvalidArgumentError("empty " + std::string(kPartNames[i]) + " in '" +
                                  std::string(text) + "'");
    }
  }
  return Triple{parts[0], parts[1], parts[2]};
}

}  // namespace sextant::knowledge::internal
