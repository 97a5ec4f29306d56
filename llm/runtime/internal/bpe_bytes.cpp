#include "llm/runtime/internal/bpe_bytes.h"

#include <array>

#include "common/utf8.h"

namespace sextant::llm::internal {
namespace {

constexpr int kAlphabetSize = 256;
constexpr uint32_t kFirstShiftedCodePoint = 256;

// Bytes that GPT-2 spells as themselves: '!'..'~', '¡'..'¬', '®'..'ÿ'.
constexpr bool IsSelfSpelled(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
  std::array<std::array<char, 2>, kAlphabetSize> spelling{};
  std::array<uint8_t, kAlphabetSize> spelling_len{};
  // Code point (0..323) of each byte's character, and its inverse.
  std::array<uint32_t, kAlphabetSize> code_point{};
  std::array<int16_t, 2 * kAlphabetSize> byte_of_code_point{};

  Alphabet() {
    byte_of_code_point.fill(-1);
    uint32_t shifted = 0;
    for (int b = 0; b < kAlphabetSize; ++b) {
      const uint32_t cp =
          IsSelfSpelled(b) ? static_cast<uint32_t>(b) : kFirstShiftedCodePoint + shifted++;
      code_point[b] = cp;
      byte_of_code_point[cp] = static_cast<int16_t>(b);
      std::string utf8;
      AppendUtf8(cp, utf8);
      spelling_len[b] = static_cast<uint8_t>(utf8.size());
      for (size_t i = 0; i < utf8.size(); ++i) spelling[b][i] = utf8[i];
    }
  }
};

const Alphabet& GetAlphabet() {
  static const Alphabet alphabet;
  return alphabet;
}

}  // namespace

std::string_view ByteToAlphabet(uint8_t b) {
  const Alphabet& a = GetAlphabet();
  return {a.spelling[b].data(), a.spelling_len[b]};
}

void AppendByteLevel(std::string_view bytes, std::string& out) {
  const Alphabet& a = GetAlphabet();
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.append(a.spelling[b].data(), a.spelling_len[b]);
  }
}

std::optional<std::string> ByteLevelToBytes(std::string_view text) {
  if (FindInvalidUtf8(text)) return std::nullopt;
  const Alphabet& a = GetAlphabet();
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const uint32_t cp = DecodeUtf8(text, pos);
    if (cp >= a.byte_of_code_point.size() || a.byte_of_code_point[cp] < 0) return std::nullopt;
    out.push_back(static_cast<char>(a.byte_of_code_point[cp]));
  }
  return out;
}

int Utf8SequenceLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    const int len = Utf8SequenceLength(lead);
    if (len == 0 || i + static_cast<size_t>(len) > n) return i;
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // past U+10FFFF
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (int k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += static_cast<size_t>(len);
  }
  return std::nullopt;
}

uint32_t DecodeUtf8(std::string_view text, size_t& pos) {
  const auto lead = static_cast<uint8_t>(text[pos]);
  const int len = Utf8SequenceLength(lead);
  if (len <= 1) {
    ++pos;
    return lead;
  }
  uint32_t cp = lead & (0xFFu >> (len + 1));
  for (int k = 1; k < len; ++k) {
    cp = (cp << 6) | (static_cast<uint8_t>(text[pos + k]) & 0x3Fu);
  }
  pos += static_cast<size_t>(len);
  return cp;
}

}  // namespace sextant::llm::internal
