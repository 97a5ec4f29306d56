#include "toolserver/tools/web/internal/online_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "common/utf8.h"

namespace sextant::toolserver::web::internal {
namespace {

using std::chrono::milliseconds;

// Longest wait a header may ask for; longer values are capped (about 400
// days, past any service's quota window).
constexpr std::int64_t kMaxWaitSeconds = std::int64_t{400} * 24 * 60 * 60;
constexpr std::int64_t kMsPerSecond = 1000;
// Longest character reference read ("&#x10FFFF;", "&hellip;").
constexpr std::size_t kMaxReferenceLength = 12;

bool IsBlank(unsigned char c) { return c <= 0x20 || c == 0x7F; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && IsBlank(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::optional<std::int64_t> ParseWholeNumber(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range && end == text.data() + text.size()) {
    return kMaxWaitSeconds;
  }
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return std::min(value, kMaxWaitSeconds);
}

std::vector<std::int64_t> ParseNumberList(std::string_view text, bool& ok) {
  std::vector<std::int64_t> out;
  ok = true;
  while (ok) {
    const std::size_t comma = text.find(',');
    const std::optional<std::int64_t> value = ParseWholeNumber(text.substr(0, comma));
    if (!value) ok = false;
    if (value) out.push_back(*value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

struct NamedReference {
  std::string_view name;
  std::uint32_t code_point;
};

constexpr std::array<NamedReference, 22> kNamedReferences = {{
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},     {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018},
    {"rsquo", 0x2019}, {"ldquo", 0x201C},  {"rdquo", 0x201D}, {"laquo", 0xAB},   {"raquo", 0xBB},
    {"middot", 0xB7},  {"copy", 0xA9},     {"reg", 0xAE},     {"trade", 0x2122}, {"bull", 0x2022},
    {"deg", 0xB0},     {"times", 0xD7},
}};

std::optional<std::uint32_t> ReferenceCodePoint(std::string_view name) {
  if (name.size() > 1 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    std::uint32_t value = 0;
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      return std::nullopt;
    }
    return value;
  }
  for (const NamedReference& ref : kNamedReferences) {
    if (ref.name == name) return ref.code_point;
  }
  return std::nullopt;
}

// Decodes the reference at html[at] == '&' into `out`; returns the bytes
// consumed, or 0 when it is not a reference this reader knows.
std::size_t DecodeReference(std::string_view html, std::size_t at, std::string& out) {
  const std::size_t semi = html.find(';', at + 1);
  if (semi == std::string_view::npos || semi - at - 1 > kMaxReferenceLength) return 0;
  const std::optional<std::uint32_t> cp = ReferenceCodePoint(html.substr(at + 1, semi - at - 1));
  if (!cp) return 0;
  AppendUtf8(*cp == 0 ? 0xFFFD : *cp, out);
  return semi - at + 1;
}

// Whether html[at] == '<' opens a tag, a comment or a declaration.
bool OpensTag(std::string_view html, std::size_t at) {
  if (at + 1 >= html.size()) return false;
  const auto next = static_cast<unsigned char>(html[at + 1]);
  return std::isalpha(next) || next == '/' || next == '!' || next == '?';
}

// Whether the tag inside "<...>" is a phrasing element that joins the text
// around it ("<strong>Rust</strong>acean"); other tags separate words.
bool IsInlineTag(std::string_view inside) {
  static constexpr std::array<std::string_view, 14> kInline = {
      "a",    "abbr", "b", "cite",  "code", "em",     "i",
      "mark", "q",    "s", "small", "span", "strong", "u"};
  if (!inside.empty() && inside[0] == '/') inside.remove_prefix(1);
  std::string name;
  for (const char c : inside) {
    if (!std::isalnum(static_cast<unsigned char>(c))) break;
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return std::find(kInline.begin(), kInline.end(), name) != kInline.end();
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string EncodeQuery(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += PercentEncode(name);
    out += '=';
    out += PercentEncode(value);
  }
  return out;
}

std::string CollapseBlanks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool blank = false;
  for (const char c : text) {
    if (IsBlank(static_cast<unsigned char>(c))) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::string HtmlFragmentToText(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<' && OpensTag(html, i)) {
      const std::size_t close = html.find('>', i);
      if (close != std::string_view::npos) {
        if (!IsInlineTag(html.substr(i + 1, close - i - 1))) out += ' ';
        i = close + 1;
        continue;
      }
    }
    if (c == '&') {
      if (const std::size_t used = DecodeReference(html, i, out); used > 0) {
        i += used;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return CollapseBlanks(out);
}

std::string ShortText(std::string_view text, std::size_t max_bytes) {
  std::string out = CollapseBlanks(text);
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  out += "...";
  return out;
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value,
                                            std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value[0]))) {
    const std::optional<std::int64_t> seconds = ParseWholeNumber(value);
    if (!seconds) return std::nullopt;
    return milliseconds(*seconds * kMsPerSecond);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  constexpr std::size_t kFixdateLength = 29;
  if (value.size() != kFixdateLength || value.substr(3, 2) != ", " || value[7] != ' ' ||
      value[11] != ' ' || value[16] != ' ' || value[19] != ':' || value[22] != ':' ||
      value.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto number = [&](std::size_t at, std::size_t len) {
    return ParseWholeNumber(value.substr(at, len));
  };
  const auto month = std::find(kMonths.begin(), kMonths.end(), value.substr(8, 3));
  const auto day = number(5, 2), year = number(12, 4), hour = number(17, 2), minute = number(20, 2),
             second = number(23, 2);
  if (month == kMonths.end() || !day || !year || !hour || !minute || !second) return std::nullopt;
  const std::chrono::year_month_day date{
      std::chrono::year(static_cast<int>(*year)),
      std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const auto when = std::chrono::sys_days{date} + std::chrono::hours(*hour) +
                    std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  const auto wait = std::chrono::duration_cast<milliseconds>(when - now);
  if (wait.count() <= 0) return milliseconds(0);
  return std::min(wait, milliseconds(kMaxWaitSeconds * kMsPerSecond));
}

std::optional<milliseconds> ParseRateLimitReset(std::string_view reset,
                                                std::string_view remaining) {
  bool reset_ok = false;
  const std::vector<std::int64_t> resets = ParseNumberList(reset, reset_ok);
  if (!reset_ok || resets.empty()) return std::nullopt;
  bool remaining_ok = false;
  const std::vector<std::int64_t> left = ParseNumberList(remaining, remaining_ok);
  std::optional<std::int64_t> exhausted;
  if (remaining_ok && left.size() == resets.size()) {
    for (std::size_t i = 0; i < resets.size(); ++i) {
      if (left[i] == 0) exhausted = std::max(exhausted.value_or(0), resets[i]);
    }
  }
  const std::int64_t seconds = exhausted.value_or(*std::min_element(resets.begin(), resets.end()));
  return milliseconds(seconds * kMsPerSecond);
}

std::string FormatWait(milliseconds wait) {
  if (wait.count() < kMsPerSecond) return std::to_string(wait.count()) + " ms";
  return std::to_string((wait.count() + kMsPerSecond - 1) / kMsPerSecond) + " s";
}

}  // namespace sextant::toolserver::web::internal
