#include "common/internal/http_server_util.h"

#include <cstddef>
#include <cstdint>

namespace sextant::internal {
namespace {

constexpr char kSpace = ' ';
constexpr char kTab = '\t';
constexpr unsigned char kFirstPrintable = 0x20;
constexpr unsigned char kDelete = 0x7f;
constexpr std::string_view kBearerScheme = "Bearer";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsTChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  static constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  return kPunctuation.find(c) != std::string_view::npos;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == kSpace || s.front() == kTab)) s.remove_prefix(1);
  while (!s.empty() && (s.back() == kSpace || s.back() == kTab)) s.remove_suffix(1);
  return s;
}

Status ParseQuery(std::string_view query, std::map<std::string, std::string>& out) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    if (!key.ok()) return key.status().WithContext("query key");
    std::string value;
    if (eq != std::string_view::npos) {
      auto decoded = PercentDecode(pair.substr(eq + 1), /*plus_is_space=*/true);
      if (!decoded.ok()) return decoded.status().WithContext("query value of '" + *key + "'");
      value = std::move(decoded).value();
    }
    out.emplace(std::move(key).value(), std::move(value));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return InvalidArgumentError("truncated percent escape at byte " + std::to_string(i));
      }
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return InvalidArgumentError("bad percent escape at byte " + std::to_string(i));
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = kSpace;
    }
    if (c == '\0') return InvalidArgumentError("NUL byte at byte " + std::to_string(i));
    out.push_back(c);
  }
  return out;
}

Result<ParsedTarget> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return InvalidArgumentError("request target must start with '/'");
  }
  for (char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= kFirstPrintable || byte == kDelete) {
      return InvalidArgumentError("request target holds a control byte or space");
    }
    if (c == '#') return InvalidArgumentError("request target holds a fragment");
  }
  ParsedTarget out;
  const std::size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (question != std::string_view::npos) {
    SEXTANT_RETURN_IF_ERROR(ParseQuery(target.substr(question + 1), out.query));
  }
  raw_path.remove_prefix(1);  // the leading '/'
  for (;;) {
    const std::size_t slash = raw_path.find('/');
    auto segment = PercentDecode(raw_path.substr(0, slash), /*plus_is_space=*/false);
    if (!segment.ok()) return segment.status().WithContext("path");
    out.path += '/';
    out.path += *segment;
    out.segments.push_back(std::move(segment).value());
    if (slash == std::string_view::npos) break;
    raw_path.remove_prefix(slash + 1);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view expected, std::string_view given) {
  // Every byte of `expected` is compared; a missing byte of `given` counts as
  // a zero, and the length mismatch is folded into the same accumulator.
  std::size_t diff = expected.size() ^ given.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0u;
    diff |= static_cast<unsigned char>(expected[i]) ^ g;
  }
  return diff == 0;
}

std::string_view BearerToken(std::string_view authorization) {
  std::string_view value = TrimSpaces(authorization);
  if (value.size() <= kBearerScheme.size() ||
      !EqualsIgnoreCase(value.substr(0, kBearerScheme.size()), kBearerScheme)) {
    return {};
  }
  std::string_view rest = value.substr(kBearerScheme.size());
  if (rest.front() != kSpace && rest.front() != kTab) return {};
  rest = TrimSpaces(rest);
  for (char c : rest) {
    if (c == kSpace || c == kTab) return {};  // "Bearer a b" is not one token
  }
  return rest;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

bool IsHttpToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTChar(c)) return false;
  }
  return true;
}

bool IsValidHeaderValue(std::string_view s) {
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < kFirstPrintable && c != kTab) || byte == kDelete) return false;
  }
  return true;
}

}  // namespace sextant::internal
