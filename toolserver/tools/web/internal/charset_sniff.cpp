#include "toolserver/tools/web/internal/charset_sniff.h"

namespace sextant::toolserver::web::internal {
namespace {

// What one invalid sequence costs a candidate, in bytes of evidence.
constexpr std::int64_t kInvalidPenalty = 4;
// Latin text puts at most this many accented letters in a row.
constexpr std::size_t kMaxLatinRun = 2;

constexpr unsigned char kAsciiEnd = 0x80;
constexpr unsigned char kContinuationEnd = 0xC0;
constexpr const char* kReplacement = "\xEF\xBF\xBD";

unsigned char At(std::string_view bytes, std::size_t i) {
  return static_cast<unsigned char>(bytes[i]);
}

bool InRange(unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; }

// A windows-1252 byte that Latin text uses: a letter (not x or /), or
// common punctuation (quotes, dashes, ellipsis, euro, nbsp, guillemets).
bool IsLatinByte(unsigned char b) {
  if (b >= kContinuationEnd) return b != 0xD7 && b != 0xF7;
  switch (b) {
    case 0x80:
    case 0x85:
    case 0x91:
    case 0x92:
    case 0x93:
    case 0x94:
    case 0x96:
    case 0x97:
    case 0xA0:
    case 0xA9:
    case 0xAB:
    case 0xAE:
    case 0xB0:
    case 0xBB:
      return true;
    default:
      return false;
  }
}

bool IsGbTrail(unsigned char b) { return InRange(b, 0x40, 0x7E) || InRange(b, 0x80, 0xFE); }

// GB2312's symbol rows and its level 1 and 2 hanzi, where nearly all
// simplified Chinese text falls.
bool IsCommonGbPair(unsigned char lead, unsigned char trail) {
  return (InRange(lead, 0xB0, 0xF7) || InRange(lead, 0xA1, 0xA9)) && InRange(trail, 0xA1, 0xFE);
}

bool IsSjisLead(unsigned char b) { return InRange(b, 0x81, 0x9F) || InRange(b, 0xE0, 0xFC); }
bool IsSjisTrail(unsigned char b) { return InRange(b, 0x40, 0x7E) || InRange(b, 0x80, 0xFC); }

// Punctuation, hiragana, katakana and JIS level 1 kanji.
bool IsCommonSjisPair(unsigned char lead, unsigned char trail) {
  if (lead == 0x81) return InRange(trail, 0x40, 0xAC);
  if (lead == 0x82) return InRange(trail, 0x4F, 0xF1);
  if (lead == 0x83) return InRange(trail, 0x40, 0x96);
  return InRange(lead, 0x88, 0x9F) || InRange(lead, 0xE0, 0xEA);
}

}  // namespace

Utf8Sequence NextUtf8Sequence(std::string_view bytes, std::size_t pos) {
  const unsigned char b = At(bytes, pos);
  if (b < kAsciiEnd) return {1, true};
  std::size_t need = 0;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  if (InRange(b, 0xC2, 0xDF)) {
    need = 1;
  } else if (InRange(b, 0xE0, 0xEF)) {
    need = 2;
    if (b == 0xE0) lower = 0xA0;
    if (b == 0xED) upper = 0x9F;  // no surrogates
  } else if (InRange(b, 0xF0, 0xF4)) {
    need = 3;
    if (b == 0xF0) lower = 0x90;
    if (b == 0xF4) upper = 0x8F;  // nothing past U+10FFFF
  } else {
    return {1, false};
  }
  std::size_t length = 1;
  for (std::size_t k = 0; k < need; ++k) {
    if (pos + length >= bytes.size()) return {length, false};  // truncated
    const unsigned char c = At(bytes, pos + length);
    if (!InRange(c, lower, upper)) return {length, false};
    lower = 0x80;
    upper = 0xBF;
    ++length;
  }
  return {length, true};
}

bool IsValidUtf8(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const Utf8Sequence seq = NextUtf8Sequence(bytes, pos);
    if (!seq.valid) return false;
    pos += seq.length;
  }
  return true;
}

std::size_t AppendRepairedUtf8(std::string_view bytes, std::string& out) {
  out.reserve(out.size() + bytes.size());
  std::size_t replaced = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const Utf8Sequence seq = NextUtf8Sequence(bytes, pos);
    if (seq.valid) {
      out.append(bytes.substr(pos, seq.length));
    } else {
      out += kReplacement;
      ++replaced;
    }
    pos += seq.length;
  }
  return replaced;
}

std::int64_t ScoreUtf8(std::string_view bytes) {
  std::int64_t score = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const Utf8Sequence seq = NextUtf8Sequence(bytes, pos);
    if (!seq.valid) {
      score -= kInvalidPenalty;
    } else if (seq.length > 1) {
      score += static_cast<std::int64_t>(seq.length);
    }
    pos += seq.length;
  }
  return score;
}

std::int64_t ScoreWindows1252(std::string_view bytes) {
  std::int64_t score = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (At(bytes, pos) < kAsciiEnd) {
      ++pos;
      continue;
    }
    // A run of non-ASCII bytes: short runs of Latin letters are evidence.
    std::size_t end = pos;
    bool latin = true;
    while (end < bytes.size() && At(bytes, end) >= kAsciiEnd) {
      latin = latin && IsLatinByte(At(bytes, end));
      ++end;
    }
    if (latin && end - pos <= kMaxLatinRun) score += static_cast<std::int64_t>(end - pos);
    pos = end;
  }
  return score;
}

std::int64_t ScoreGb18030(std::string_view bytes) {
  constexpr std::size_t kFourByte = 4;
  std::int64_t score = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const unsigned char lead = At(bytes, pos);
    if (lead < kAsciiEnd) {
      ++pos;
      continue;
    }
    if (!InRange(lead, 0x81, 0xFE) || pos + 1 >= bytes.size()) {
      score -= kInvalidPenalty;
      ++pos;
      continue;
    }
    const unsigned char second = At(bytes, pos + 1);
    if (InRange(second, 0x30, 0x39)) {
      const bool four = pos + 3 < bytes.size() && InRange(At(bytes, pos + 2), 0x81, 0xFE) &&
                        InRange(At(bytes, pos + 3), 0x30, 0x39);
      if (!four) score -= kInvalidPenalty;
      pos += four ? kFourByte : 1;
      continue;
    }
    if (!IsGbTrail(second)) {
      score -= kInvalidPenalty;
      ++pos;
      continue;
    }
    if (IsCommonGbPair(lead, second)) score += 2;
    pos += 2;
  }
  return score;
}

std::int64_t ScoreShiftJis(std::string_view bytes) {
  std::int64_t score = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const unsigned char lead = At(bytes, pos);
    if (lead < kAsciiEnd || InRange(lead, 0xA1, 0xDF)) {  // ASCII, half-width katakana
      ++pos;
      continue;
    }
    if (!IsSjisLead(lead) || pos + 1 >= bytes.size() || !IsSjisTrail(At(bytes, pos + 1))) {
      score -= kInvalidPenalty;
      ++pos;
      continue;
    }
    if (IsCommonSjisPair(lead, At(bytes, pos + 1))) score += 2;
    pos += 2;
  }
  return score;
}

}  // namespace sextant::toolserver::web::internal
