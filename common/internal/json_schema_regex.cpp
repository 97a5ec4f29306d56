#include "common/internal/json_schema_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <utility>

namespace sextant::internal::json_schema {
namespace {

// ECMA-262 WhiteSpace and LineTerminator code points, as class members.
constexpr std::string_view kEcmaWhiteSpace =
    "\\t\\n\\x0b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";
// ECMA-262 "." excludes the line terminators.
constexpr std::string_view kEcmaDot = "[^\\n\\r\\u2028\\u2029]";

constexpr std::size_t kPcreErrorBufferSize = 256;
// Size of the ovector: only whether there is a match matters.
constexpr std::uint32_t kOvectorPairs = 1;
constexpr std::size_t kHexPrefixLength = 2;  // "\u"
constexpr std::size_t kHexEscapeDigits = 4;
constexpr std::size_t kSurrogatePairEscapeLength = 2 * (kHexPrefixLength + kHexEscapeDigits);
constexpr unsigned kHighSurrogateFirst = 0xD800;
constexpr unsigned kLowSurrogateFirst = 0xDC00;
constexpr unsigned kSurrogateLast = 0xDFFF;
constexpr unsigned kSurrogateBits = 10;
constexpr unsigned kSupplementaryFirst = 0x10000;

// ECMA-262 General_Category long names and aliases PCRE2 10.42 lacks.
constexpr std::array<std::pair<std::string_view, std::string_view>, 42> kCategoryNames = {{
    {"Letter", "L"},
    {"Cased_Letter", "L&"},
    {"Uppercase_Letter", "Lu"},
    {"Lowercase_Letter", "Ll"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Nonspacing_Mark", "Mn"},
    {"Spacing_Mark", "Mc"},
    {"Enclosing_Mark", "Me"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"punct", "P"},
    {"Connector_Punctuation", "Pc"},
    {"Dash_Punctuation", "Pd"},
    {"Open_Punctuation", "Ps"},
    {"Close_Punctuation", "Pe"},
    {"Initial_Punctuation", "Pi"},
    {"Final_Punctuation", "Pf"},
    {"Other_Punctuation", "Po"},
    {"Symbol", "S"},
    {"Math_Symbol", "Sm"},
    {"Currency_Symbol", "Sc"},
    {"Modifier_Symbol", "Sk"},
    {"Other_Symbol", "So"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Line_Separator", "Zl"},
    {"Paragraph_Separator", "Zp"},
    {"Other", "C"},
    {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Format", "Cf"},
    {"Surrogate", "Cs"},
    {"Private_Use", "Co"},
    {"Unassigned", "Cn"},
}};

std::string MapCategory(std::string_view name) {
  for (const auto& [long_name, short_name] : kCategoryNames) {
    if (long_name == name) return std::string(short_name);
  }
  return std::string(name);
}

// The body of \p{...} in PCRE2 syntax.
std::string MapProperty(std::string_view body) {
  const auto eq = body.find('=');
  if (eq == std::string_view::npos) return MapCategory(body);
  const std::string_view key = body.substr(0, eq);
  const std::string_view value = body.substr(eq + 1);
  if (key == "General_Category" || key == "gc") return MapCategory(value);
  if (key == "Script" || key == "sc") return "sc:" + std::string(value);
  if (key == "Script_Extensions" || key == "scx") return "scx:" + std::string(value);
  return std::string(body);
}

std::optional<unsigned> ParseHex4(std::string_view text) {
  constexpr unsigned kHexBase = 16;
  constexpr int kDecimalDigits = 10;
  if (text.size() < kHexEscapeDigits) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = 0; i < kHexEscapeDigits; ++i) {
    const char c = text[i];
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    value = value * kHexBase +
            static_cast<unsigned>(
                std::isdigit(static_cast<unsigned char>(c)) != 0
                    ? c - '0'
                    : (std::tolower(static_cast<unsigned char>(c)) - 'a' + kDecimalDigits));
  }
  return value;
}

// Length of the UTF-8 sequence that starts with `lead`.
std::size_t Utf8Length(char lead) {
  constexpr unsigned char kTwoByteLead = 0xC0;
  constexpr unsigned char kThreeByteLead = 0xE0;
  constexpr unsigned char kFourByteLead = 0xF0;
  const auto b = static_cast<unsigned char>(lead);
  if (b < kTwoByteLead) return 1;
  if (b < kThreeByteLead) return 2;
  if (b < kFourByteLead) return 3;
  return 4;
}

// Letter escapes that ECMA-262 lacks; PCRE2 gives most of them another
// meaning (\a bell, \A start, \h horizontal space, ...).
bool IsNonEcmaEscape(char c) {
  constexpr std::string_view kEcmaLetterEscapes = "bBdDwWsSfnrtvcxupPk";
  return std::isalpha(static_cast<unsigned char>(c)) != 0 &&
         kEcmaLetterEscapes.find(c) == std::string_view::npos;
}

// Translates one escape sequence at pattern[i] == '\\'; returns the number of
// pattern bytes consumed.
Result<std::size_t> TranslateEscape(std::string_view pattern, std::size_t i, bool in_class,
                                    bool strict, std::string& out) {
  if (i + 1 >= pattern.size()) return InvalidArgumentError("pattern ends with a lone backslash");
  const char c = pattern[i + 1];
  switch (c) {
    case 's':
      out += in_class ? std::string(kEcmaWhiteSpace) : "[" + std::string(kEcmaWhiteSpace) + "]";
      return 2;
    case 'S':
      out += in_class ? "\\S" : "[^" + std::string(kEcmaWhiteSpace) + "]";
      return 2;
    case 'v':
      out += "\\x0b";
      return 2;
    case 'p':
    case 'P': {
      if (i + 2 < pattern.size() && pattern[i + 2] == '{') {
        const auto close = pattern.find('}', i + 3);
        if (close == std::string_view::npos) {
          return InvalidArgumentError("unterminated \\" + std::string(1, c) + "{");
        }
        out += "\\" + std::string(1, c) + "{" +
               MapProperty(pattern.substr(i + 3, close - (i + 3))) + "}";
        return close + 1 - i;
      }
      break;
    }
    case 'u': {
      // A UTF-16 surrogate pair written as two escapes is one code point.
      const auto high = ParseHex4(pattern.substr(i + kHexPrefixLength));
      if (high && *high >= kHighSurrogateFirst && *high < kLowSurrogateFirst &&
          pattern.substr(i + kHexPrefixLength + kHexEscapeDigits, kHexPrefixLength) == "\\u") {
        const auto low = ParseHex4(pattern.substr(i + 2 * kHexPrefixLength + kHexEscapeDigits));
        if (low && *low >= kLowSurrogateFirst && *low <= kSurrogateLast) {
          const unsigned cp = kSupplementaryFirst +
                              ((*high - kHighSurrogateFirst) << kSurrogateBits) +
                              (*low - kLowSurrogateFirst);
          constexpr std::size_t kEscapeBufferSize = 16;  // "\\u{10FFFF}" and a NUL
          char buf[kEscapeBufferSize];
          std::snprintf(buf, sizeof buf, "\\u{%X}", cp);
          out += buf;
          return kSurrogatePairEscapeLength;
        }
      }
      break;
    }
    default:
      if (strict && IsNonEcmaEscape(c)) {
        return InvalidArgumentError("\\" + std::string(1, c) + " is not an ECMA-262 escape");
      }
      break;
  }
  const std::size_t n = 1 + Utf8Length(c);
  out.append(pattern.substr(i, n));
  return n;
}

// Checks the group opened at pattern[i] == '(' against ECMA-262 syntax.
Status CheckGroup(std::string_view pattern, std::size_t i) {
  const std::string_view rest = pattern.substr(i + 1);
  if (rest.empty() || rest[0] != '?') return Status::Ok();
  for (std::string_view ok : {"?:", "?=", "?!", "?<=", "?<!"}) {
    if (rest.substr(0, ok.size()) == ok) return Status::Ok();
  }
  if (rest.size() > 2 && rest[1] == '<' &&
      (std::isalpha(static_cast<unsigned char>(rest[2])) != 0 || rest[2] == '_' ||
       rest[2] == '$')) {
    return Status::Ok();  // (?<name>...)
  }
  return InvalidArgumentError("group syntax '(" + std::string(rest.substr(0, 3)) +
                              "' is not ECMA-262");
}

}  // namespace

Result<std::string> TranslateEcmaPattern(std::string_view pattern, bool strict) {
  std::string out;
  out.reserve(pattern.size() + pattern.size() / 2);
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\\') {
      SEXTANT_ASSIGN_OR_RETURN(std::size_t n, TranslateEscape(pattern, i, in_class, strict, out));
      i += n;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '[') {
        out += "\\[";  // literal in ECMA-262; PCRE2 reads "[:" as a POSIX class
      } else {
        out += c;
      }
      ++i;
      continue;
    }
    switch (c) {
      case '[': {
        in_class = true;
        out += c;
        ++i;
        // "[]" and "[^]" are complete classes in ECMA-262 (and in PCRE2 with
        // PCRE2_ALLOW_EMPTY_CLASS).
        if (i < pattern.size() && pattern[i] == '^') out += pattern[i++];
        if (i < pattern.size() && pattern[i] == ']') {
          out += pattern[i++];
          in_class = false;
        }
        continue;
      }
      case '.':
        out += kEcmaDot;
        break;
      case '(':
        if (strict) SEXTANT_RETURN_IF_ERROR(CheckGroup(pattern, i));
        out += c;
        break;
      default:
        out += c;
    }
    ++i;
  }
  if (in_class) return InvalidArgumentError("unterminated character class");
  return out;
}

struct RegexScratch::Impl {
  pcre2_match_data* data = nullptr;
  ~Impl() { pcre2_match_data_free(data); }
};

RegexScratch::RegexScratch() = default;
RegexScratch::~RegexScratch() = default;

struct SchemaRegex::Impl {
  std::string pattern;
  pcre2_code* code = nullptr;
  pcre2_match_context* match_context = nullptr;
  bool jit = false;
  ~Impl() {
    pcre2_code_free(code);
    pcre2_match_context_free(match_context);
  }
};

SchemaRegex::SchemaRegex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaRegex::~SchemaRegex() = default;

const std::string& SchemaRegex::pattern() const { return impl_->pattern; }

Result<std::unique_ptr<SchemaRegex>> SchemaRegex::Compile(std::string_view pattern,
                                                          std::uint32_t match_limit) {
  SEXTANT_ASSIGN_OR_RETURN(std::string translated, TranslateEcmaPattern(pattern, false));
  auto impl = std::make_unique<Impl>();
  impl->pattern = std::string(pattern);
  std::unique_ptr<pcre2_compile_context, decltype(&pcre2_compile_context_free)> context(
      pcre2_compile_context_create(nullptr), &pcre2_compile_context_free);
  if (!context) return InternalError("out of memory compiling a regex");
  pcre2_set_compile_extra_options(context.get(), PCRE2_EXTRA_ALT_BSUX);
  // Not PCRE2_MATCH_INVALID_UTF: with it, the 10.42 JIT fails to match \D
  // against non-ASCII characters. pcre2_match checks the subject instead.
  constexpr std::uint32_t kOptions = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX |
                                     PCRE2_ALLOW_EMPTY_CLASS | PCRE2_NEVER_BACKSLASH_C;
  int error = 0;
  PCRE2_SIZE offset = 0;
  impl->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                             kOptions, &error, &offset, context.get());
  if (impl->code == nullptr) {
    PCRE2_UCHAR message[kPcreErrorBufferSize];
    pcre2_get_error_message(error, message, sizeof message);
    return InvalidArgumentError(std::string(reinterpret_cast<const char*>(message)) +
                                " (at offset " + std::to_string(offset) + " of the translation '" +
                                translated + "')");
  }
  impl->jit = pcre2_jit_compile(impl->code, PCRE2_JIT_COMPLETE) == 0;
  impl->match_context = pcre2_match_context_create(nullptr);
  if (impl->match_context == nullptr) return InternalError("out of memory compiling a regex");
  pcre2_set_match_limit(impl->match_context, match_limit);
  return std::unique_ptr<SchemaRegex>(new SchemaRegex(std::move(impl)));
}

RegexMatch SchemaRegex::Search(std::string_view subject, RegexScratch& scratch) const {
  if (scratch.impl_ == nullptr) scratch.impl_ = std::make_unique<RegexScratch::Impl>();
  auto& data = scratch.impl_->data;
  if (data == nullptr) {
    data = pcre2_match_data_create(kOvectorPairs, nullptr);
    if (data == nullptr) return RegexMatch::kLimitExceeded;
  }
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = pcre2_match(impl_->code, text, subject.size(), 0, 0, data, impl_->match_context);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    // The interpreter keeps its backtracking state on the heap instead.
    rc =
        pcre2_match(impl_->code, text, subject.size(), 0, PCRE2_NO_JIT, data, impl_->match_context);
  }
  if (rc >= 0) return RegexMatch::kMatch;
  // Invalid UTF-8 in the subject matches nothing.
  if (rc == PCRE2_ERROR_NOMATCH || (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)) {
    return RegexMatch::kNoMatch;
  }
  return RegexMatch::kLimitExceeded;
}

bool IsEcmaRegex(std::string_view pattern) {
  auto translated = TranslateEcmaPattern(pattern, true);
  if (!translated.ok()) return false;
  constexpr std::uint32_t kUnusedMatchLimit = 1;
  return SchemaRegex::Compile(pattern, kUnusedMatchLimit).ok();
}

}  // namespace sextant::internal::json_schema
