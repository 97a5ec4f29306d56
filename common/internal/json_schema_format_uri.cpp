// URI and IRI references (RFC 3986, RFC 3987) and URI templates (RFC 6570).
#include <cctype>

#include "common/internal/json_schema_format.h"
#include "common/internal/json_schema_format_util.h"

namespace sextant::internal::json_schema {
namespace {

constexpr std::string_view kSubDelims = "!$&'()*+,;=";
constexpr std::string_view kUnreservedMarks = "-._~";

class UriParser {
 public:
  UriParser(std::string_view text, bool allow_unicode) : s_(text), unicode_(allow_unicode) {}

  bool Uri() {
    if (!Scheme()) return false;
    return HierPart(false) && QueryAndFragment() && pos_ == s_.size();
  }

  bool RelativeRef() {
    pos_ = 0;
    return HierPart(true) && QueryAndFragment() && pos_ == s_.size();
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }

  bool Scheme() {
    if (AtEnd() || std::isalpha(static_cast<unsigned char>(s_[0])) == 0) return false;
    std::size_t i = 1;
    while (i < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i])) != 0 || s_[i] == '+' ||
                             s_[i] == '-' || s_[i] == '.')) {
      ++i;
    }
    if (i >= s_.size() || s_[i] != ':') return false;
    pos_ = i + 1;
    return true;
  }

  bool IsUnreserved(char c) const {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || kUnreservedMarks.find(c) != std::string_view::npos ||
           (unicode_ && u >= kNonAscii);
  }

  // Consumes one unreserved / pct-encoded / sub-delims / `extra` character.
  bool Char(std::string_view extra) {
    const char c = Peek();
    if (AtEnd()) return false;
    if (c == '%') {
      if (pos_ + 2 >= s_.size()) return false;
      if (std::isxdigit(static_cast<unsigned char>(s_[pos_ + 1])) == 0 ||
          std::isxdigit(static_cast<unsigned char>(s_[pos_ + 2])) == 0) {
        return false;
      }
      pos_ += 3;
      return true;
    }
    if (IsUnreserved(c) || kSubDelims.find(c) != std::string_view::npos ||
        extra.find(c) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Consumes characters until one of `stop` (or the end); false on an
  // invalid character.
  bool Run(std::string_view extra, std::string_view stop) {
    while (!AtEnd() && stop.find(Peek()) == std::string_view::npos) {
      if (!Char(extra)) return false;
    }
    return true;
  }

  bool Authority() {
    const std::size_t end = s_.find_first_of("/?#", pos_);
    std::string_view authority = s_.substr(pos_, end == std::string_view::npos ? end : end - pos_);
    pos_ += authority.size();
    if (const auto at = authority.find('@'); at != std::string_view::npos) {
      UriParser user(authority.substr(0, at), unicode_);
      if (!user.Run(":", "")) return false;
      authority.remove_prefix(at + 1);
    }
    if (!authority.empty() && authority[0] == '[') {
      const auto close = authority.find(']');
      if (close == std::string_view::npos) return false;
      const std::string_view literal = authority.substr(1, close - 1);
      if (!IsIpv6(literal) && !IsIpFuture(literal)) return false;
      authority.remove_prefix(close + 1);
    } else {
      const auto colon = authority.find(':');
      UriParser host(authority.substr(0, colon), unicode_);
      if (!host.Run("", "")) return false;
      authority.remove_prefix(colon == std::string_view::npos ? authority.size() : colon);
    }
    if (authority.empty()) return true;
    if (authority[0] != ':') return false;
    for (char c : authority.substr(1)) {
      if (!IsAsciiDigit(c)) return false;
    }
    return true;
  }

  static bool IsIpFuture(std::string_view s) {
    if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
    std::size_t i = 1;
    while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])) != 0) ++i;
    if (i == 1 || i >= s.size() || s[i] != '.' || i + 1 == s.size()) return false;
    UriParser rest(s.substr(i + 1), false);
    return rest.Run(":", "");
  }

  // hier-part, or relative-part when `relative` (whose first segment may not
  // contain ':').
  bool HierPart(bool relative) {
    if (s_.substr(pos_, 2) == "//") {
      pos_ += 2;
      if (!Authority()) return false;
      return Run(":@/", "?#");
    }
    if (relative) {
      const std::size_t segment_end = s_.find_first_of("/?#", pos_);
      const std::string_view first =
          s_.substr(pos_, segment_end == std::string_view::npos ? segment_end : segment_end - pos_);
      if (first.find(':') != std::string_view::npos) return false;
    }
    return Run(":@/", "?#");
  }

  bool QueryAndFragment() {
    if (Peek() == '?') {
      ++pos_;
      if (!Run(":@/?", "#")) return false;
    }
    if (Peek() == '#') {
      ++pos_;
      if (!Run(":@/?", "")) return false;
    }
    return true;
  }

  std::string_view s_;
  bool unicode_;
  std::size_t pos_ = 0;
};

bool IsValidUtf8(std::string_view s) { return DecodeUtf8(s).has_value(); }

// varname = varchar *( ["."] varchar ); varchar = ALPHA / DIGIT / "_" / pct-encoded
bool IsVarName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (name[i - 1] == '.') return false;
    } else if (c == '%') {
      if (i + 2 >= name.size() || std::isxdigit(static_cast<unsigned char>(name[i + 1])) == 0 ||
          std::isxdigit(static_cast<unsigned char>(name[i + 2])) == 0) {
        return false;
      }
      i += 2;
    } else if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      return false;
    }
  }
  return true;
}

// varspec = varname [ ":" max-length / "*" ], max-length = %x31-39 0*3DIGIT
bool IsVarSpec(std::string_view spec) {
  constexpr std::size_t kMaxPrefixDigits = 4;
  if (!spec.empty() && spec.back() == '*') return IsVarName(spec.substr(0, spec.size() - 1));
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos) return IsVarName(spec);
  const std::string_view length = spec.substr(colon + 1);
  if (length.empty() || length.size() > kMaxPrefixDigits || length[0] == '0') return false;
  for (char c : length) {
    if (!IsAsciiDigit(c)) return false;
  }
  return IsVarName(spec.substr(0, colon));
}

bool IsTemplateExpression(std::string_view body) {
  constexpr std::string_view kOperators = "+#./;?&";
  if (!body.empty() && kOperators.find(body[0]) != std::string_view::npos) body.remove_prefix(1);
  while (true) {
    const auto comma = body.find(',');
    if (!IsVarSpec(body.substr(0, comma))) return false;
    if (comma == std::string_view::npos) return true;
    body.remove_prefix(comma + 1);
  }
}

}  // namespace

bool IsUri(std::string_view s, bool allow_unicode) {
  if (allow_unicode && !IsValidUtf8(s)) return false;
  return UriParser(s, allow_unicode).Uri();
}

bool IsUriReference(std::string_view s, bool allow_unicode) {
  if (allow_unicode && !IsValidUtf8(s)) return false;
  UriParser parser(s, allow_unicode);
  return parser.Uri() || parser.RelativeRef();
}

bool IsUriTemplate(std::string_view s) {
  if (!IsValidUtf8(s)) return false;
  constexpr std::string_view kNotLiteral = " \"<>\\^`{|}";
  constexpr unsigned char kDelete = 0x7F;
  constexpr unsigned char kFirstPrintable = 0x21;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (s[i] == '{') {
      const auto close = s.find('}', i + 1);
      if (close == std::string_view::npos) return false;
      if (!IsTemplateExpression(s.substr(i + 1, close - i - 1))) return false;
      i = close;
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || std::isxdigit(static_cast<unsigned char>(s[i + 1])) == 0 ||
          std::isxdigit(static_cast<unsigned char>(s[i + 2])) == 0) {
        return false;
      }
      i += 2;
    } else if (c < kNonAscii && (c < kFirstPrintable || c == kDelete ||
                                 kNotLiteral.find(s[i]) != std::string_view::npos)) {
      return false;
    }
  }
  return true;
}

}  // namespace sextant::internal::json_schema
