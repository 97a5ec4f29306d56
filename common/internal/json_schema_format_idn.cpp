// Host names: RFC 1123 labels, and IDNA 2008 (RFC 5890-5893) for A-labels
// ("xn--", Punycode per RFC 3492) and U-labels. Code point properties come
// from PCRE2's Unicode tables; the IDNA derived property is approximated by
// general category plus the RFC 5892 exception and context rules.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/internal/json_schema_format.h"
#include "common/internal/json_schema_format_util.h"

namespace sextant::internal::json_schema {
namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kSurrogateFirst = 0xD800;
constexpr char32_t kSurrogateLast = 0xDFFF;
constexpr char32_t kAsciiEnd = 0x80;
constexpr std::size_t kMaxLabelOctets = 63;
constexpr std::size_t kMaxNameOctets = 253;
constexpr std::string_view kAcePrefix = "xn--";

// RFC 3492 section 5.
constexpr std::uint32_t kBase = 36;
constexpr std::uint32_t kTMin = 1;
constexpr std::uint32_t kTMax = 26;
constexpr std::uint32_t kSkew = 38;
constexpr std::uint32_t kDamp = 700;
constexpr std::uint32_t kInitialBias = 72;
constexpr std::uint32_t kInitialN = 0x80;
constexpr std::uint32_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

// Label separators of RFC 3490 section 3.1.
constexpr std::array<char32_t, 4> kSeparators = {U'.', 0x3002, 0xFF0E, 0xFF61};

// RFC 5892 section 2.6 exceptions.
constexpr std::array<char32_t, 6> kExceptionPvalid = {0x00DF, 0x03C2, 0x06FD,
                                                      0x06FE, 0x0F0B, 0x3007};
constexpr std::array<char32_t, 10> kExceptionDisallowed = {0x0640, 0x07FA, 0x302E, 0x302F, 0x3031,
                                                           0x3032, 0x3033, 0x3034, 0x3035, 0x303B};

constexpr char32_t kMiddleDot = 0x00B7;
constexpr char32_t kGreekKeraia = 0x0375;
constexpr char32_t kHebrewGeresh = 0x05F3;
constexpr char32_t kHebrewGershayim = 0x05F4;
constexpr char32_t kKatakanaMiddleDot = 0x30FB;
constexpr char32_t kArabicIndicZero = 0x0660;
constexpr char32_t kExtendedArabicIndicZero = 0x06F0;
constexpr char32_t kDigitCount = 10;
constexpr char32_t kZeroWidthNonJoiner = 0x200C;
constexpr char32_t kZeroWidthJoiner = 0x200D;
constexpr char32_t kFullwidthFirst = 0xFF00;
constexpr char32_t kFullwidthLast = 0xFFEF;

// Code points with Canonical_Combining_Class Virama (9).
constexpr std::array<char32_t, 62> kViramas = {
    0x094D,  0x09CD,  0x0A4D,  0x0ACD,  0x0B4D,  0x0BCD,  0x0C4D,  0x0CCD,  0x0D3B,
    0x0D3C,  0x0D4D,  0x0DCA,  0x0E3A,  0x0EBA,  0x0F84,  0x1039,  0x103A,  0x1714,
    0x1715,  0x1734,  0x17D2,  0x1A60,  0x1B44,  0x1BAA,  0x1BAB,  0x1BF2,  0x1BF3,
    0x2D7F,  0xA806,  0xA82C,  0xA8C4,  0xA953,  0xA9C0,  0xAAF6,  0xABED,  0x10A3F,
    0x11046, 0x11070, 0x1107F, 0x110B9, 0x11133, 0x11134, 0x111C0, 0x11235, 0x112EA,
    0x1134D, 0x11442, 0x114C2, 0x115BF, 0x1163F, 0x116B6, 0x1172B, 0x11839, 0x1193D,
    0x1193E, 0x119E0, 0x11A34, 0x11A47, 0x11A99, 0x11C3F, 0x11D44, 0x11D45};

// Arabic letters that join only to the right (Joining_Type R).
constexpr std::array<std::pair<char32_t, char32_t>, 12> kRightJoining = {{
    {0x0622, 0x0625},
    {0x0627, 0x0627},
    {0x0629, 0x0629},
    {0x062F, 0x0632},
    {0x0648, 0x0648},
    {0x0671, 0x0673},
    {0x0675, 0x0677},
    {0x0688, 0x0699},
    {0x06C0, 0x06C0},
    {0x06C3, 0x06CB},
    {0x06CD, 0x06CD},
    {0x06D2, 0x06D5},
}};

template <std::size_t N>
bool Contains(const std::array<char32_t, N>& set, char32_t c) {
  return std::find(set.begin(), set.end(), c) != set.end();
}

bool Has(const FixedRegex& property, char32_t c) { return property.Matches(EncodeUtf8(c)); }

const FixedRegex& MarkProperty() {
  static const FixedRegex kRegex("^\\p{M}$");
  return kRegex;
}

std::uint32_t Adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

std::uint32_t Threshold(std::uint32_t k, std::uint32_t bias) {
  if (k <= bias) return kTMin;
  if (k >= bias + kTMax) return kTMax;
  return k - bias;
}

std::optional<std::uint32_t> DecodeDigit(char c) {
  constexpr std::uint32_t kLetters = 26;
  if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0') + kLetters;
  if (c >= 'a' && c <= 'z') return static_cast<std::uint32_t>(c - 'a');
  if (c >= 'A' && c <= 'Z') return static_cast<std::uint32_t>(c - 'A');
  return std::nullopt;
}

char EncodeDigit(std::uint32_t d) {
  constexpr std::uint32_t kLetters = 26;
  return d < kLetters ? static_cast<char>('a' + d) : static_cast<char>('0' + (d - kLetters));
}

std::optional<std::u32string> PunycodeDecode(std::string_view input) {
  std::u32string output;
  std::size_t in = 0;
  if (const auto delimiter = input.rfind('-'); delimiter != std::string_view::npos) {
    for (std::size_t i = 0; i < delimiter; ++i) {
      if (static_cast<unsigned char>(input[i]) >= kAsciiEnd) return std::nullopt;
      output.push_back(static_cast<char32_t>(input[i]));
    }
    in = delimiter + 1;
  }
  std::uint32_t n = kInitialN;
  std::uint32_t i = 0;
  std::uint32_t bias = kInitialBias;
  while (in < input.size()) {
    const std::uint32_t old_i = i;
    std::uint32_t w = 1;
    for (std::uint32_t k = kBase;; k += kBase) {
      if (in >= input.size()) return std::nullopt;
      const auto digit = DecodeDigit(input[in++]);
      if (!digit || *digit > (kMaxU32 - i) / w) return std::nullopt;
      i += *digit * w;
      const std::uint32_t t = Threshold(k, bias);
      if (*digit < t) break;
      if (w > kMaxU32 / (kBase - t)) return std::nullopt;
      w *= kBase - t;
    }
    const auto points = static_cast<std::uint32_t>(output.size() + 1);
    bias = Adapt(i - old_i, points, old_i == 0);
    if (i / points > kMaxU32 - n) return std::nullopt;
    n += i / points;
    i %= points;
    if (n > kMaxCodePoint || (n >= kSurrogateFirst && n <= kSurrogateLast)) return std::nullopt;
    output.insert(output.begin() + i, static_cast<char32_t>(n));
    ++i;
  }
  return output;
}

std::optional<std::string> PunycodeEncode(const std::u32string& input) {
  std::string output;
  for (char32_t c : input) {
    if (c < kAsciiEnd) output += static_cast<char>(c);
  }
  const std::size_t basic = output.size();
  std::size_t handled = basic;
  if (basic > 0) output += '-';
  std::uint32_t n = kInitialN;
  std::uint32_t delta = 0;
  std::uint32_t bias = kInitialBias;
  while (handled < input.size()) {
    std::uint32_t m = kMaxU32;
    for (char32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    const auto h1 = static_cast<std::uint32_t>(handled + 1);
    if (m - n > (kMaxU32 - delta) / h1) return std::nullopt;
    delta += (m - n) * h1;
    n = m;
    for (char32_t c : input) {
      if (c < n && ++delta == 0) return std::nullopt;
      if (c != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = Threshold(k, bias);
        if (q < t) break;
        output += EncodeDigit(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      output += EncodeDigit(q);
      bias = Adapt(delta, static_cast<std::uint32_t>(handled + 1), handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return output;
}

bool StartsWithAce(std::string_view label) {
  if (label.size() < kAcePrefix.size()) return false;
  for (std::size_t i = 0; i < kAcePrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(label[i])) != kAcePrefix[i]) return false;
  }
  return true;
}

// RFC 1123 label: letters, digits and inner hyphens, 1 to 63 octets.
bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelOctets) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
}

enum class Joining { kNone, kTransparent, kDual, kRight };

Joining JoiningType(char32_t c) {
  static const FixedRegex kTransparent("^[\\p{Mn}\\p{Me}\\p{Cf}]$");
  static const FixedRegex kJoiningScript("^[\\p{Arabic}\\p{Syriac}\\p{Nko}\\p{Mongolian}]$");
  if (Has(kTransparent, c)) return Joining::kTransparent;
  for (const auto& [first, last] : kRightJoining) {
    if (c >= first && c <= last) return Joining::kRight;
  }
  return Has(kJoiningScript, c) ? Joining::kDual : Joining::kNone;
}

// RFC 5892 appendix A.1: ZERO WIDTH NON-JOINER between joining letters.
bool ZwnjJoins(const std::u32string& label, std::size_t at) {
  std::size_t before = at;
  while (before > 0 && JoiningType(label[before - 1]) == Joining::kTransparent) --before;
  if (before == 0) return false;
  const Joining left = JoiningType(label[before - 1]);
  if (left != Joining::kDual) return false;
  std::size_t after = at + 1;
  while (after < label.size() && JoiningType(label[after]) == Joining::kTransparent) ++after;
  if (after == label.size()) return false;
  const Joining right = JoiningType(label[after]);
  return right == Joining::kDual || right == Joining::kRight;
}

// The CONTEXTJ and CONTEXTO rules of RFC 5892 appendix A; nullopt when `c`
// has no context rule.
std::optional<bool> ContextRule(const std::u32string& label, std::size_t i) {
  static const FixedRegex kGreek("^\\p{Greek}$");
  static const FixedRegex kHebrew("^\\p{Hebrew}$");
  static const FixedRegex kJapanese("^[\\p{Hiragana}\\p{Katakana}\\p{Han}]$");
  const char32_t c = label[i];
  const char32_t prev = i > 0 ? label[i - 1] : 0;
  const char32_t next = i + 1 < label.size() ? label[i + 1] : 0;
  const auto any_of = [&](auto predicate) {
    return std::any_of(label.begin(), label.end(), predicate);
  };
  if (c == kZeroWidthJoiner) return i > 0 && Contains(kViramas, prev);
  if (c == kZeroWidthNonJoiner) return (i > 0 && Contains(kViramas, prev)) || ZwnjJoins(label, i);
  if (c == kMiddleDot) return prev == U'l' && next == U'l';
  if (c == kGreekKeraia) return next != 0 && Has(kGreek, next);
  if (c == kHebrewGeresh || c == kHebrewGershayim) return i > 0 && Has(kHebrew, prev);
  if (c == kKatakanaMiddleDot) {
    return any_of([&](char32_t x) { return x != kKatakanaMiddleDot && Has(kJapanese, x); });
  }
  if (c >= kArabicIndicZero && c < kArabicIndicZero + kDigitCount) {
    return !any_of([](char32_t x) {
      return x >= kExtendedArabicIndicZero && x < kExtendedArabicIndicZero + kDigitCount;
    });
  }
  if (c >= kExtendedArabicIndicZero && c < kExtendedArabicIndicZero + kDigitCount) {
    return !any_of(
        [](char32_t x) { return x >= kArabicIndicZero && x < kArabicIndicZero + kDigitCount; });
  }
  return std::nullopt;
}

bool IsPermittedCodePoint(char32_t c) {
  static const FixedRegex kLetterDigits("^[\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Mc}\\p{Nd}]$");
  if (Contains(kExceptionPvalid, c)) return true;
  if (Contains(kExceptionDisallowed, c)) return false;
  if (c < kAsciiEnd) return (c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9') || c == U'-';
  // Fullwidth and halfwidth forms are not stable under NFKC.
  if (c >= kFullwidthFirst && c <= kFullwidthLast) return false;
  return Has(kLetterDigits, c);
}

// "--" in the third and fourth positions (RFC 5891 section 4.2.3.1).
template <typename Label>
bool HasReservedHyphens(const Label& label) {
  constexpr std::size_t kThird = 2;
  return label.size() > kThird + 1 && label[kThird] == '-' && label[kThird + 1] == '-';
}

// RFC 5891 section 5.4 and RFC 5892 for one U-label.
bool IsValidULabel(const std::u32string& label) {
  if (label.empty() || label.front() == U'-' || label.back() == U'-') return false;
  if (HasReservedHyphens(label)) return false;
  if (Has(MarkProperty(), label.front())) return false;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (auto rule = ContextRule(label, i)) {
      if (!*rule) return false;
    } else if (!IsPermittedCodePoint(label[i])) {
      return false;
    }
  }
  return true;
}

enum class Bidi { kL, kR, kAL, kAN, kEN, kES, kCS, kET, kON, kBN, kNSM, kOther };

Bidi BidiClass(char32_t c) {
  static const std::array<std::pair<Bidi, FixedRegex>, 11> kClasses = {{
      {Bidi::kL, FixedRegex("^\\p{bc=L}$")},
      {Bidi::kR, FixedRegex("^\\p{bc=R}$")},
      {Bidi::kAL, FixedRegex("^\\p{bc=AL}$")},
      {Bidi::kAN, FixedRegex("^\\p{bc=AN}$")},
      {Bidi::kEN, FixedRegex("^\\p{bc=EN}$")},
      {Bidi::kES, FixedRegex("^\\p{bc=ES}$")},
      {Bidi::kCS, FixedRegex("^\\p{bc=CS}$")},
      {Bidi::kET, FixedRegex("^\\p{bc=ET}$")},
      {Bidi::kON, FixedRegex("^\\p{bc=ON}$")},
      {Bidi::kBN, FixedRegex("^\\p{bc=BN}$")},
      {Bidi::kNSM, FixedRegex("^\\p{bc=NSM}$")},
  }};
  for (const auto& [bidi, regex] : kClasses) {
    if (Has(regex, c)) return bidi;
  }
  return Bidi::kOther;
}

// RFC 5893 section 2, for every label of a name that has a right-to-left one.
bool SatisfiesBidiRule(const std::u32string& label) {
  std::vector<Bidi> classes;
  for (char32_t c : label) classes.push_back(BidiClass(c));
  const Bidi first = classes.front();
  std::size_t last = classes.size();
  while (last > 0 && classes[last - 1] == Bidi::kNSM) --last;
  if (last == 0) return false;
  const Bidi end = classes[last - 1];
  const auto only = [&](std::initializer_list<Bidi> allowed) {
    return std::all_of(classes.begin(), classes.end(), [&](Bidi b) {
      return std::find(allowed.begin(), allowed.end(), b) != allowed.end();
    });
  };
  using enum Bidi;
  if (first == kR || first == kAL) {
    const bool has_en = std::find(classes.begin(), classes.end(), kEN) != classes.end();
    const bool has_an = std::find(classes.begin(), classes.end(), kAN) != classes.end();
    return only({kR, kAL, kAN, kEN, kES, kCS, kET, kON, kBN, kNSM}) &&
           (end == kR || end == kAL || end == kEN || end == kAN) && !(has_en && has_an);
  }
  if (first == kL) {
    return only({kL, kEN, kES, kCS, kET, kON, kBN, kNSM}) && (end == kL || end == kEN);
  }
  return false;
}

bool IsRightToLeft(const std::u32string& label) {
  return std::any_of(label.begin(), label.end(), [](char32_t c) {
    const Bidi b = BidiClass(c);
    return b == Bidi::kR || b == Bidi::kAL || b == Bidi::kAN;
  });
}

// An "xn--" label: valid Punycode that decodes to a valid, non-ASCII U-label
// and encodes back to itself.
std::optional<std::u32string> DecodeALabel(std::string_view label) {
  if (!IsLdhLabel(label)) return std::nullopt;
  auto decoded = PunycodeDecode(label.substr(kAcePrefix.size()));
  if (!decoded) return std::nullopt;
  if (std::all_of(decoded->begin(), decoded->end(), [](char32_t c) { return c < kAsciiEnd; })) {
    return std::nullopt;
  }
  const auto reencoded = PunycodeEncode(*decoded);
  std::string lowered(label.substr(kAcePrefix.size()));
  for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (!reencoded || *reencoded != lowered || !IsValidULabel(*decoded)) return std::nullopt;
  return decoded;
}

// Checks the U-labels of a whole name (the Bidi rule spans labels).
bool AreValidLabels(const std::vector<std::u32string>& labels) {
  const bool bidi_name = std::any_of(labels.begin(), labels.end(), IsRightToLeft);
  return !bidi_name || std::all_of(labels.begin(), labels.end(), SatisfiesBidiRule);
}

// UTF-8 sequences (RFC 3629) by length: the lead byte's marker and the bits
// it carries, and the smallest code point that needs that length.
struct Utf8Form {
  unsigned char lead_mask;
  unsigned char lead_bits;
  char32_t minimum;
};
constexpr std::array<Utf8Form, 4> kUtf8Forms = {{
    {0x80, 0x00, 0x0},
    {0xE0, 0xC0, 0x80},
    {0xF0, 0xE0, 0x800},
    {0xF8, 0xF0, 0x10000},
}};
constexpr unsigned char kContinuationMask = 0xC0;
constexpr unsigned char kContinuationBits = 0x80;
constexpr unsigned char kPayloadMask = 0x3F;
constexpr int kPayloadBits = 6;

}  // namespace

std::optional<std::u32string> DecodeUtf8(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    while (length < kUtf8Forms.size() &&
           (lead & kUtf8Forms[length].lead_mask) != kUtf8Forms[length].lead_bits) {
      ++length;
    }
    if (length == kUtf8Forms.size() || i + length + 1 > text.size()) return std::nullopt;
    char32_t c = lead & static_cast<unsigned char>(~kUtf8Forms[length].lead_mask);
    for (std::size_t k = 1; k <= length; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & kContinuationMask) != kContinuationBits) return std::nullopt;
      c = (c << kPayloadBits) | (b & kPayloadMask);
    }
    if (c < kUtf8Forms[length].minimum || c > kMaxCodePoint ||
        (c >= kSurrogateFirst && c <= kSurrogateLast)) {
      return std::nullopt;
    }
    out.push_back(c);
    i += length + 1;
  }
  return out;
}

std::string EncodeUtf8(char32_t c) {
  std::size_t length = 0;
  while (length + 1 < kUtf8Forms.size() && c >= kUtf8Forms[length + 1].minimum) ++length;
  std::string out(length + 1, '\0');
  for (std::size_t k = length; k > 0; --k) {
    out[k] = static_cast<char>(kContinuationBits | (c & kPayloadMask));
    c >>= kPayloadBits;
  }
  out[0] = static_cast<char>(kUtf8Forms[length].lead_bits | c);
  return out;
}

bool IsHostname(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameOctets) return false;
  std::vector<std::u32string> labels;
  while (true) {
    const auto dot = s.find('.');
    const std::string_view label = s.substr(0, dot);
    if (!IsLdhLabel(label)) return false;
    if (StartsWithAce(label)) {
      auto decoded = DecodeALabel(label);
      if (!decoded) return false;
      labels.push_back(std::move(*decoded));
    } else {
      labels.emplace_back(label.begin(), label.end());
    }
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return AreValidLabels(labels);
}

bool IsIdnHostname(std::string_view s) {
  const auto text = DecodeUtf8(s);
  if (!text || text->empty()) return false;
  std::vector<std::u32string> labels(1);
  for (char32_t c : *text) {
    if (Contains(kSeparators, c)) {
      labels.emplace_back();
    } else {
      labels.back().push_back(c);
    }
  }
  std::size_t ascii_length = labels.size() - 1;  // the dots
  for (std::u32string& label : labels) {
    if (label.empty()) return false;
    const bool ascii =
        std::all_of(label.begin(), label.end(), [](char32_t c) { return c < kAsciiEnd; });
    if (ascii) {
      const std::string narrow(label.begin(), label.end());
      ascii_length += narrow.size();
      if (StartsWithAce(narrow)) {
        auto decoded = DecodeALabel(narrow);
        if (!decoded) return false;
        label = std::move(*decoded);
      } else if (!IsLdhLabel(narrow) || HasReservedHyphens(narrow)) {
        return false;
      }
      continue;
    }
    const auto encoded = PunycodeEncode(label);
    if (!encoded || kAcePrefix.size() + encoded->size() > kMaxLabelOctets) return false;
    ascii_length += kAcePrefix.size() + encoded->size();
    if (!IsValidULabel(label)) return false;
  }
  return ascii_length <= kMaxNameOctets && AreValidLabels(labels);
}

}  // namespace sextant::internal::json_schema
