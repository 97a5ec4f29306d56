#include "agent/internal/lenient_json.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <utility>

namespace sextant::agent::internal {
namespace {

constexpr std::uint32_t kReplacementChar = 0xFFFD;
constexpr std::uint32_t kHighSurrogateFirst = 0xD800;
constexpr std::uint32_t kLowSurrogateFirst = 0xDC00;
constexpr std::uint32_t kSurrogateEnd = 0xE000;
constexpr std::size_t kHexEscapeDigits = 4;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '-'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::size_t kMaxKeyShown = 64;

// The key as shown in an error message, cut short when long.
std::string Shown(const std::string& key) {
  if (key.size() <= kMaxKeyShown) return key;
  return key.substr(0, kMaxKeyShown) + "...";
}

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "0x%02X", u);
  return buffer;
}

class Parser {
 public:
  Parser(std::string_view text, std::size_t pos, int max_depth)
      : text_(text), pos_(pos), max_depth_(max_depth) {}

  LenientJsonResult Run() {
    LenientJsonResult result;
    Json value;
    if (ParseValue(0, value)) {
      result.value = std::move(value);
      result.end = pos_;
    } else {
      result.error = std::move(error_);
      result.error_offset = error_offset_;
      result.too_deep = too_deep_;
    }
    return result;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  bool Fail(std::size_t offset, std::string what) {
    error_offset_ = offset;
    error_ = std::move(what);
    return false;
  }

  // Skips whitespace and comments; false (with an error) on an unclosed /* comment.
  bool SkipSpace() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (!AtEnd() && Peek() != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        const std::size_t close = text_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) return Fail(pos_, "unclosed /* comment");
        pos_ = close + 2;
      } else {
        break;
      }
    }
    return true;
  }

  bool ParseValue(int depth, Json& out) {
    if (!SkipSpace()) return false;
    if (AtEnd()) return Fail(pos_, "unexpected end of input, expected a value");
    const char c = Peek();
    if (c == '{' || c == '[') {
      if (depth >= max_depth_) {
        too_deep_ = true;
        return Fail(pos_,
                    "too deep: the JSON nests more than " + std::to_string(max_depth_) + " levels");
      }
      return c == '{' ? ParseObject(depth + 1, out) : ParseArray(depth + 1, out);
    }
    if (c == '"' || c == '\'') {
      std::string s;
      if (!ParseString(s)) return false;
      out = std::move(s);
      return true;
    }
    if (c == '-' || IsDigit(c)) return ParseNumber(out);
    if (IsIdentStart(c)) return ParseWord(out);
    return Fail(pos_, "unexpected character " + Printable(c) + ", expected a value");
  }

  bool ParseWord(Json& out) {
    const std::size_t start = pos_;
    while (!AtEnd() && IsIdentChar(Peek())) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    if (word == "true" || word == "True") {
      out = true;
    } else if (word == "false" || word == "False") {
      out = false;
    } else if (word == "null" || word == "None") {
      out = nullptr;
    } else {
      return Fail(start, "unexpected word '" + std::string(word) +
                             "', expected a value (strings need quotes)");
    }
    return true;
  }

  bool ParseNumber(Json& out) {
    const std::size_t start = pos_;
    bool integral = true;
    if (Peek() == '-') ++pos_;
    if (AtEnd() || !IsDigit(Peek())) return Fail(start, "invalid number: no digits after '-'");
    if (Peek() == '0' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1])) {
      return Fail(start, "invalid number: leading zero");
    }
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
    if (!AtEnd() && Peek() == '.') {
      integral = false;
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail(pos_, "invalid number: no digits after '.'");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail(pos_, "invalid number: no digits in exponent");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      std::int64_t i = 0;
      if (std::from_chars(first, last, i).ec == std::errc()) {
        out = i;
        return true;
      }
    }
    double d = 0;
    const auto parsed = std::from_chars(first, last, d);
    if (parsed.ec != std::errc() && parsed.ec != std::errc::result_out_of_range) {
      return Fail(start, "invalid number");
    }
    out = d;
    return true;
  }

  // Reads 4 hex digits at pos_.
  bool ReadHex4(std::uint32_t& out) {
    if (pos_ + kHexEscapeDigits > text_.size()) return Fail(pos_, "\\u needs 4 hex digits");
    out = 0;
    for (std::size_t i = 0; i < kHexEscapeDigits; ++i) {
      const char c = text_[pos_ + i];
      std::uint32_t v = 0;
      if (c >= '0' && c <= '9') {
        v = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v = c - 'A' + 10;
      } else {
        return Fail(pos_ + i, "\\u needs 4 hex digits");
      }
      out = out * 16 + v;
    }
    pos_ += kHexEscapeDigits;
    return true;
  }

  bool ParseUnicodeEscape(std::string& out) {
    std::uint32_t cp = 0;
    if (!ReadHex4(cp)) return false;
    if (cp >= kHighSurrogateFirst && cp < kLowSurrogateFirst) {
      std::uint32_t low = 0;
      if (pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
        const std::size_t save = pos_;
        pos_ += 2;
        if (!ReadHex4(low)) return false;
        if (low >= kLowSurrogateFirst && low < kSurrogateEnd) {
          cp = 0x10000 + ((cp - kHighSurrogateFirst) << 10) + (low - kLowSurrogateFirst);
        } else {
          pos_ = save;
          cp = kReplacementChar;
        }
      } else {
        cp = kReplacementChar;
      }
    } else if (cp >= kLowSurrogateFirst && cp < kSurrogateEnd) {
      cp = kReplacementChar;
    }
    AppendUtf8(out, cp);
    return true;
  }

  bool ParseString(std::string& out) {
    const std::size_t start = pos_;
    const char quote = Peek();
    ++pos_;
    while (!AtEnd()) {
      const char c = Peek();
      if (c == quote) {
        ++pos_;
        return true;
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (AtEnd()) break;
      const char e = Peek();
      ++pos_;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u':
          if (!ParseUnicodeEscape(out)) return false;
          break;
        case '"':
        case '\'':
        case '\\':
        case '/':
          out += e;
          break;
        default:  // an unknown escape is kept as written, e.g. C:\dir
          out += '\\';
          out += e;
          break;
      }
    }
    return Fail(start, "unterminated string");
  }

  bool ParseKey(std::string& key) {
    const char c = Peek();
    if (c == '"' || c == '\'') return ParseString(key);
    if (IsIdentStart(c)) {
      const std::size_t start = pos_;
      while (!AtEnd() && IsIdentChar(Peek())) ++pos_;
      key = std::string(text_.substr(start, pos_ - start));
      return true;
    }
    return Fail(pos_, "unexpected character " + Printable(c) + ", expected a key in quotes or '}'");
  }

  bool ParseObject(int depth, Json& out) {
    const std::size_t open = pos_;
    ++pos_;
    out = Json::object();
    for (;;) {
      if (!SkipSpace()) return false;
      if (AtEnd()) break;
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      std::string key;
      if (!ParseKey(key)) return false;
      if (!SkipSpace()) return false;
      if (AtEnd()) break;
      if (Peek() != ':') {
        return Fail(
            pos_, "expected ':' after the key \"" + Shown(key) + "\", found " + Printable(Peek()));
      }
      ++pos_;
      Json value;
      if (!ParseValue(depth, value)) return false;
      out[key] = std::move(value);
      if (!SkipSpace()) return false;
      if (AtEnd()) break;
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != '}') {
        return Fail(pos_, "expected ',' or '}' after the value of \"" + Shown(key) + "\", found " +
                              Printable(Peek()));
      }
    }
    const LineColumn at = LineColumnAt(text_, open);
    return Fail(pos_, "unexpected end of input: the object opened at line " +
                          std::to_string(at.line) + " column " + std::to_string(at.column) +
                          " is not closed");
  }

  bool ParseArray(int depth, Json& out) {
    const std::size_t open = pos_;
    ++pos_;
    out = Json::array();
    for (;;) {
      if (!SkipSpace()) return false;
      if (AtEnd()) break;
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      Json value;
      if (!ParseValue(depth, value)) return false;
      out.push_back(std::move(value));
      if (!SkipSpace()) return false;
      if (AtEnd()) break;
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ']') {
        return Fail(pos_, "expected ',' or ']' after an array element, found " + Printable(Peek()));
      }
    }
    const LineColumn at = LineColumnAt(text_, open);
    return Fail(pos_, "unexpected end of input: the array opened at line " +
                          std::to_string(at.line) + " column " + std::to_string(at.column) +
                          " is not closed");
  }

  std::string_view text_;
  std::size_t pos_;
  int max_depth_;
  std::string error_;
  std::size_t error_offset_ = 0;
  bool too_deep_ = false;
};

}  // namespace

LenientJsonResult ParseLenientJson(std::string_view text, std::size_t start, int max_depth) {
  return Parser(text, start, max_depth).Run();
}

LineColumn LineColumnAt(std::string_view text, std::size_t offset) {
  LineColumn at;
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

}  // namespace sextant::agent::internal
