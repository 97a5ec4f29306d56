// Format dispatch, dates and times (RFC 3339), addresses, e-mail (RFC 5321 and
// 6531), UUIDs and JSON Pointers.
#include "common/internal/json_schema_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "common/internal/json_schema_format_util.h"
#include "common/internal/json_schema_regex.h"
#include "common/internal/json_schema_uri.h"

namespace sextant::internal::json_schema {
namespace {

constexpr std::array<std::pair<std::string_view, FormatKind>, 19> kFormats = {{
    {"date-time", FormatKind::kDateTime},
    {"date", FormatKind::kDate},
    {"time", FormatKind::kTime},
    {"duration", FormatKind::kDuration},
    {"email", FormatKind::kEmail},
    {"idn-email", FormatKind::kIdnEmail},
    {"hostname", FormatKind::kHostname},
    {"idn-hostname", FormatKind::kIdnHostname},
    {"ipv4", FormatKind::kIpv4},
    {"ipv6", FormatKind::kIpv6},
    {"uri", FormatKind::kUri},
    {"uri-reference", FormatKind::kUriReference},
    {"iri", FormatKind::kIri},
    {"iri-reference", FormatKind::kIriReference},
    {"uri-template", FormatKind::kUriTemplate},
    {"json-pointer", FormatKind::kJsonPointer},
    {"relative-json-pointer", FormatKind::kRelativeJsonPointer},
    {"regex", FormatKind::kRegex},
    {"uuid", FormatKind::kUuid},
}};

constexpr int kMinutesPerHour = 60;
constexpr int kHoursPerDay = 24;
constexpr int kLeapSecond = 60;
constexpr int kLastHour = 23;
constexpr int kLastMinute = 59;
constexpr int kMonthsPerYear = 12;

// Reads exactly `n` ASCII digits at s[pos].
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!IsAsciiDigit(s[i])) return std::nullopt;
    value = value * kDecimalBase + (s[i] - '0');
  }
  return value;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

bool IsIpv4Octets(std::string_view s) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t end = pos;
    while (end < s.size() && IsAsciiDigit(s[end])) ++end;
    const std::size_t len = end - pos;
    constexpr std::size_t kMaxOctetDigits = 3;
    constexpr int kMaxOctet = 255;
    if (len == 0 || len > kMaxOctetDigits || (len > 1 && s[pos] == '0')) return false;
    if (*Digits(s, pos, len) > kMaxOctet) return false;
    ++parts;
    if (end == s.size()) break;
    if (s[end] != '.') return false;
    pos = end + 1;
  }
  constexpr int kOctets = 4;
  return parts == kOctets;
}

bool IsUuid(std::string_view s) {
  // 8-4-4-4-12 hex digits.
  constexpr std::size_t kUuidLength = 36;
  constexpr std::array<std::size_t, 4> kDashes = {8, 13, 18, 23};
  if (s.size() != kUuidLength) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = std::find(kDashes.begin(), kDashes.end(), i) != kDashes.end();
    if (dash ? s[i] != '-' : std::isxdigit(static_cast<unsigned char>(s[i])) == 0) return false;
  }
  return true;
}

bool IsJsonPointer(std::string_view s) { return ParseJsonPointer(s).has_value(); }

// non-negative-integer ( "#" / json-pointer )
bool IsRelativeJsonPointer(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && IsAsciiDigit(s[digits])) ++digits;
  if (digits == 0 || (digits > 1 && s[0] == '0')) return false;
  const std::string_view rest = s.substr(digits);
  return rest == "#" || IsJsonPointer(rest);
}

// RFC 5321 Dot-string or Quoted-string, then '@'; returns the domain part.
std::optional<std::string_view> EmailDomain(std::string_view s, bool allow_unicode) {
  constexpr std::string_view kAtextSpecials = "!#$%&'*+-/=?^_`{|}~";
  constexpr unsigned char kFirstPrintable = 32;
  constexpr unsigned char kLastPrintable = 126;
  std::size_t pos = 0;
  if (!s.empty() && s[0] == '"') {
    for (pos = 1; pos < s.size() && s[pos] != '"'; ++pos) {
      const auto c = static_cast<unsigned char>(s[pos]);
      if (c == '\\') {
        ++pos;
        if (pos >= s.size()) return std::nullopt;
        continue;
      }
      const bool printable = c >= kFirstPrintable && c <= kLastPrintable;
      if (!printable && !(allow_unicode && c >= kNonAscii)) return std::nullopt;
    }
    if (pos >= s.size()) return std::nullopt;
    ++pos;  // closing quote
  } else {
    bool atom_empty = true;
    for (; pos < s.size() && s[pos] != '@'; ++pos) {
      const auto c = static_cast<unsigned char>(s[pos]);
      if (c == '.') {
        if (atom_empty) return std::nullopt;
        atom_empty = true;
        continue;
      }
      const bool atext = std::isalnum(c) != 0 ||
                         kAtextSpecials.find(s[pos]) != std::string_view::npos ||
                         (allow_unicode && c >= kNonAscii);
      if (!atext) return std::nullopt;
      atom_empty = false;
    }
    if (atom_empty) return std::nullopt;
  }
  if (pos >= s.size() || s[pos] != '@') return std::nullopt;
  return s.substr(pos + 1);
}

bool IsEmailDomain(std::string_view domain, bool allow_unicode) {
  if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
    const std::string_view literal = domain.substr(1, domain.size() - 2);
    constexpr std::string_view kIpv6Tag = "IPv6:";
    if (literal.substr(0, kIpv6Tag.size()) == kIpv6Tag) {
      return IsIpv6(literal.substr(kIpv6Tag.size()));
    }
    return IsIpv4(literal);
  }
  return allow_unicode ? IsIdnHostname(domain) : IsHostname(domain);
}

// Seconds field of a time, checking a leap second against UTC 23:59.
bool IsValidTimeOfDay(int hour, int minute, int second, int offset_minutes) {
  if (hour > kLastHour || minute > kLastMinute || second > kLeapSecond) return false;
  if (second < kLeapSecond) return true;
  int utc = hour * kMinutesPerHour + minute - offset_minutes;
  constexpr int kMinutesPerDay = kHoursPerDay * kMinutesPerHour;
  utc = ((utc % kMinutesPerDay) + kMinutesPerDay) % kMinutesPerDay;
  return utc == kLastHour * kMinutesPerHour + kLastMinute;
}

}  // namespace

FormatKind FormatFromName(std::string_view name) {
  for (const auto& [known, kind] : kFormats) {
    if (known == name) return kind;
  }
  return FormatKind::kUnknown;
}

bool IsDate(std::string_view s) {
  // full-date = date-fullyear "-" date-month "-" date-mday
  constexpr std::size_t kDateLength = 10;
  if (s.size() != kDateLength || s[4] != '-' || s[7] != '-') return false;
  const auto year = Digits(s, 0, 4);
  const auto month = Digits(s, 5, 2);
  const auto day = Digits(s, 8, 2);
  if (!year || !month || !day || *month < 1 || *month > kMonthsPerYear || *day < 1) return false;
  return *day <= DaysInMonth(*year, *month);
}

bool IsTime(std::string_view s) {
  // partial-time = HH ":" MM ":" SS [ "." 1*DIGIT ], then "Z" / ("+" / "-") HH ":" MM
  constexpr std::size_t kPartialTimeLength = 8;
  if (s.size() < kPartialTimeLength + 1 || s[2] != ':' || s[5] != ':') return false;
  const auto hour = Digits(s, 0, 2);
  const auto minute = Digits(s, 3, 2);
  const auto second = Digits(s, 6, 2);
  if (!hour || !minute || !second) return false;
  std::size_t pos = kPartialTimeLength;
  if (s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && IsAsciiDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  const std::string_view offset = s.substr(pos);
  int offset_minutes = 0;
  if (offset == "Z" || offset == "z") {
    offset_minutes = 0;
  } else {
    constexpr std::size_t kOffsetLength = 6;
    if (offset.size() != kOffsetLength || (offset[0] != '+' && offset[0] != '-') ||
        offset[3] != ':') {
      return false;
    }
    const auto oh = Digits(offset, 1, 2);
    const auto om = Digits(offset, 4, 2);
    if (!oh || !om || *oh > kLastHour || *om > kLastMinute) return false;
    offset_minutes = (*oh * kMinutesPerHour + *om) * (offset[0] == '-' ? -1 : 1);
  }
  return IsValidTimeOfDay(*hour, *minute, *second, offset_minutes);
}

bool IsDateTime(std::string_view s) {
  constexpr std::size_t kDateLength = 10;
  if (s.size() <= kDateLength || (s[kDateLength] != 'T' && s[kDateLength] != 't')) return false;
  return IsDate(s.substr(0, kDateLength)) && IsTime(s.substr(kDateLength + 1));
}

bool IsDuration(std::string_view s) {
  // RFC 3339 appendix A: "P" (dur-date / dur-time / dur-week), where units
  // appear in order, each at most once, without gaps inside date or time.
  static const FixedRegex kDuration(
      "^P(?:(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)"
      "(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?"
      "|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)"
      "|[0-9]+W)$");
  return kDuration.Matches(s);
}

bool IsIpv4(std::string_view s) { return IsIpv4Octets(s); }

bool IsIpv6(std::string_view s) {
  // Up to 8 groups of 1-4 hex digits, one "::" for a run of zero groups, and
  // optionally an IPv4 address as the last two groups.
  constexpr int kGroups = 8;
  constexpr std::size_t kMaxGroupDigits = 4;
  int groups = 0;
  bool compressed = false;
  std::size_t pos = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    pos = 2;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (pos < s.size()) {
    std::size_t end = pos;
    while (end < s.size() && std::isxdigit(static_cast<unsigned char>(s[end])) != 0) ++end;
    if (end < s.size() && s[end] == '.') {
      // The IPv4 tail.
      if (!IsIpv4Octets(s.substr(pos))) return false;
      groups += 2;
      pos = s.size();
      break;
    }
    if (end == pos || end - pos > kMaxGroupDigits) return false;
    ++groups;
    if (end == s.size()) {
      pos = end;
      break;
    }
    if (s[end] != ':') return false;
    if (end + 1 < s.size() && s[end + 1] == ':') {
      if (compressed) return false;
      compressed = true;
      pos = end + 2;
    } else {
      if (end + 1 == s.size()) return false;  // trailing single ':'
      pos = end + 1;
    }
  }
  return compressed ? groups < kGroups : groups == kGroups;
}

bool IsEmail(std::string_view s, bool allow_unicode) {
  const auto domain = EmailDomain(s, allow_unicode);
  return domain && IsEmailDomain(*domain, allow_unicode);
}

bool IsValidFormat(FormatKind kind, std::string_view value) {
  switch (kind) {
    case FormatKind::kNone:
    case FormatKind::kUnknown:
      return true;
    case FormatKind::kDateTime:
      return IsDateTime(value);
    case FormatKind::kDate:
      return IsDate(value);
    case FormatKind::kTime:
      return IsTime(value);
    case FormatKind::kDuration:
      return IsDuration(value);
    case FormatKind::kEmail:
      return IsEmail(value, false);
    case FormatKind::kIdnEmail:
      return IsEmail(value, true);
    case FormatKind::kHostname:
      return IsHostname(value);
    case FormatKind::kIdnHostname:
      return IsIdnHostname(value);
    case FormatKind::kIpv4:
      return IsIpv4(value);
    case FormatKind::kIpv6:
      return IsIpv6(value);
    case FormatKind::kUri:
      return IsUri(value, false);
    case FormatKind::kUriReference:
      return IsUriReference(value, false);
    case FormatKind::kIri:
      return IsUri(value, true);
    case FormatKind::kIriReference:
      return IsUriReference(value, true);
    case FormatKind::kUriTemplate:
      return IsUriTemplate(value);
    case FormatKind::kJsonPointer:
      return IsJsonPointer(value);
    case FormatKind::kRelativeJsonPointer:
      return IsRelativeJsonPointer(value);
    case FormatKind::kRegex:
      return IsEcmaRegex(value);
    case FormatKind::kUuid:
      return IsUuid(value);
  }
  return true;
}

}  // namespace sextant::internal::json_schema
