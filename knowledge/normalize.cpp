#include "knowledge/normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace sextant::knowledge {
namespace {

bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool IsSpaceCategory(utf8proc_int32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == ' ') return true;
  const utf8proc_category_t cat = utf8proc_category(cp);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool IsPunctuation(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }  // NOLINT(*-no-malloc)
};

// NFKC + case fold of `text` (already free of `_`).
Result<std::string> FoldUnicode(std::string_view text) {
  utf8proc_uint8_t* raw = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &raw,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                  UTF8PROC_COMPAT | UTF8PROC_CASEFOLD));
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (n < 0) {
    return InvalidArgumentError(std::string("normalize: ") + utf8proc_errmsg(n));
  }
  return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(n));
}

// Collapses white space and trims punctuation and space at both ends of
// valid UTF-8 `text`.
std::string CollapseAndTrim(std::string_view text) {
  // The text is valid UTF-8 here (utf8proc produced it).
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t i = 0;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  bool started = false;
  while (i < text.size()) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t len =
        utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;
    if (IsSpaceCategory(cp)) {
      pending_space = started;
    } else if (!started && IsPunctuation(cp)) {
      // leading punctuation is dropped
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      started = true;
      out.append(text.substr(i, step));
    }
    i += step;
  }
  // Trailing punctuation and spaces: walk back over whole code points.
  std::size_t end = out.size();
  while (end > 0) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(out[start]) & 0xC0) == 0x80) --start;
    utf8proc_int32_t cp = 0;
    utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(out.data()) + start,
                     static_cast<utf8proc_ssize_t>(end - start), &cp);
    if (!IsPunctuation(cp) && !IsSpaceCategory(cp)) break;
    end = start;
  }
  out.resize(end);
  return out;
}

// The ASCII fast path: NFKC is the identity and case folding is tolower.
std::string NormalizeAscii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    const bool space =
        c == ' ' || c == '_' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    if (out.empty() && IsPunctuation(static_cast<unsigned char>(c))) continue;
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(IsAsciiUpper(c) ? static_cast<char>(c - 'A' + 'a') : c);
  }
  while (!out.empty() && IsPunctuation(static_cast<unsigned char>(out.back()))) out.pop_back();
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
    while (!out.empty() && IsPunctuation(static_cast<unsigned char>(out.back()))) out.pop_back();
  }
  return out;
}

}  // namespace

Result<std::string> NormalizeKey(std::string_view text) {
  if (IsAscii(text)) return NormalizeAscii(text);
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == '_') c = ' ';
  }
  SEXTANT_ASSIGN_OR_RETURN(std::string folded, FoldUnicode(spaced));
  return CollapseAndTrim(folded);
}

std::string SplitCamelCase(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (IsAsciiUpper(c) && i > 0) {
      const char prev = text[i - 1];
      const bool after_lower = IsAsciiLower(prev) || IsAsciiDigit(prev);
      const bool ends_caps_run =
          IsAsciiUpper(prev) && i + 1 < text.size() && IsAsciiLower(text[i + 1]);
      if (after_lower || ends_caps_run) out.push_back(' ');
    }
    out.push_back(c);
  }
  return out;
}

Result<std::string> NormalizeRelationKey(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size() && text[start] == '_') ++start;
  return NormalizeKey(SplitCamelCase(text.substr(start)));
}

}  // namespace sextant::knowledge
