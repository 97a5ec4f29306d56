#include "knowledge/internal/record_parsers.h"

#include <cctype>
#include <cstdint>

#include "common/utf8.h"

namespace sextant::knowledge::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads \uXXXX or \UXXXXXXXX at text[i] (the 'u' or 'U'); advances i past it.
Status ReadUnicodeEscape(std::string_view text, std::size_t& i, std::string& out) {
  const std::size_t digits = text[i] == 'u' ? 4 : 8;
  if (i + digits >= text.size()) {
    return InvalidArgumentError("truncated \\" + std::string(1, text[i]) + " escape");
  }
  std::uint32_t cp = 0;
  for (std::size_t k = 1; k <= digits; ++k) {
    const int h = HexValue(text[i + k]);
    if (h < 0) return InvalidArgumentError("bad hex digit in \\u escape");
    cp = cp * 16 + static_cast<std::uint32_t>(h);
  }
  if (!IsUnicodeScalarValue(cp)) {
    return InvalidArgumentError("escape names no Unicode scalar value");
  }
  AppendUtf8(cp, out);
  i += digits + 1;
  return Status::Ok();
}

class NTriplesScanner {
 public:
  explicit NTriplesScanner(std::string_view line) : s_(line) {}

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  std::size_t pos() const { return i_; }
  void Advance() { ++i_; }

  Result<std::string> Iri() {
    ++i_;  // '<'
    std::string out;
    while (i_ < s_.size() && s_[i_] != '>') {
      const char c = s_[i_];
      if (c == ' ' || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' ||
          c == '`' || static_cast<unsigned char>(c) < 0x20) {
        return Error("character not allowed in an IRI");
      }
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size() || (s_[i_] != 'u' && s_[i_] != 'U')) {
          return Error("only \\u and \\U escapes are allowed in an IRI");
        }
        SEXTANT_RETURN_IF_ERROR(ReadUnicodeEscape(s_, i_, out));
        continue;
      }
      out.push_back(c);
      ++i_;
    }
    if (i_ >= s_.size()) return Error("unterminated IRI");
    ++i_;  // '>'
    if (out.empty()) return Error("empty IRI");
    return out;
  }

  Result<std::string> Blank() {
    if (i_ + 1 >= s_.size() || s_[i_ + 1] != ':') return Error("blank node must start with _:");
    i_ += 2;
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '.') ++i_;
    if (i_ == start) return Error("empty blank node label");
    return std::string(s_.substr(start, i_ - start));
  }

  Status Literal(RdfTerm& term) {
    ++i_;  // '"'
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) return Error("unterminated literal");
      const char c = s_[i_];
      if (c == '"') break;
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) return Error("unterminated escape");
        const char e = s_[i_];
        switch (e) {
          case 't':
            out.push_back('\t');
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'n':
            out.push_back('\n');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case '"':
            out.push_back('"');
            break;
          case '\'':
            out.push_back('\'');
            break;
          case '\\':
            out.push_back('\\');
            break;
          case 'u':
          case 'U':
            SEXTANT_RETURN_IF_ERROR(ReadUnicodeEscape(s_, i_, out));
            continue;
          default:
            return Error(std::string("unknown escape \\") + e);
        }
        ++i_;
        continue;
      }
      out.push_back(c);
      ++i_;
    }
    ++i_;  // closing '"'
    term.kind = RdfTerm::Kind::kLiteral;
    term.value = std::move(out);
    if (Peek() == '@') {
      ++i_;
      const std::size_t start = i_;
      while (i_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[i_])) != 0 || s_[i_] == '-')) {
        ++i_;
      }
      if (i_ == start) return Error("empty language tag");
      term.language = std::string(s_.substr(start, i_ - start));
    } else if (Peek() == '^') {
      if (i_ + 2 >= s_.size() || s_[i_ + 1] != '^' || s_[i_ + 2] != '<') {
        return Error("datatype must be ^^<IRI>");
      }
      i_ += 2;
      SEXTANT_ASSIGN_OR_RETURN(term.datatype, Iri());
    }
    return Status::Ok();
  }

  Status Error(std::string_view what) const {
    return InvalidArgumentError(std::string(what) + " at column " + std::to_string(i_ + 1));
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

Result<RdfTerm> ReadTerm(NTriplesScanner& scan, bool allow_literal, bool allow_blank) {
  scan.SkipSpace();
  RdfTerm term;
  switch (scan.Peek()) {
    case '<': {
      SEXTANT_ASSIGN_OR_RETURN(term.value, scan.Iri());
      term.kind = RdfTerm::Kind::kIri;
      return term;
    }
    case '_': {
      if (!allow_blank) return scan.Error("a blank node cannot be a predicate");
      SEXTANT_ASSIGN_OR_RETURN(term.value, scan.Blank());
      term.kind = RdfTerm::Kind::kBlank;
      return term;
    }
    case '"': {
      if (!allow_literal) return scan.Error("a literal can only be an object");
      SEXTANT_RETURN_IF_ERROR(scan.Literal(term));
      return term;
    }
    case '\0':
      return scan.Error("missing term");
    default:
      return scan.Error(std::string("unexpected '") + scan.Peek() + "'");
  }
}

}  // namespace

std::vector<std::string> SplitTsv(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.emplace_back(line.substr(start));
      return fields;
    }
    fields.emplace_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

Result<std::optional<std::vector<std::string>>> ParseCsvRecord(std::string_view text) {
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  for (;;) {
    field.clear();
    if (i < text.size() && text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) return std::optional<std::vector<std::string>>();  // open quote
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(text[i++]);
      }
      if (i < text.size() && text[i] != ',') {
        return InvalidArgumentError("text after a closing quote at column " +
                                    std::to_string(i + 1));
      }
    } else {
      while (i < text.size() && text[i] != ',') {
        if (text[i] == '"') {
          return InvalidArgumentError("quote inside an unquoted field at column " +
                                      std::to_string(i + 1));
        }
        field.push_back(text[i++]);
      }
    }
    fields.push_back(field);
    if (i >= text.size()) break;
    ++i;  // ','
  }
  return std::optional<std::vector<std::string>>(std::move(fields));
}

Result<std::optional<NTriple>> ParseNTriplesLine(std::string_view line) {
  NTriplesScanner scan(line);
  scan.SkipSpace();
  if (scan.AtEnd() || scan.Peek() == '#') return std::optional<NTriple>();
  NTriple t;
  SEXTANT_ASSIGN_OR_RETURN(t.s, ReadTerm(scan, false, true));
  SEXTANT_ASSIGN_OR_RETURN(t.p, ReadTerm(scan, false, false));
  SEXTANT_ASSIGN_OR_RETURN(t.o, ReadTerm(scan, true, true));
  scan.SkipSpace();
  if (scan.Peek() != '.') return scan.Error("expected '.' after the object");
  scan.Advance();
  scan.SkipSpace();
  if (!scan.AtEnd() && scan.Peek() != '#') return scan.Error("text after the final '.'");
  return std::optional<NTriple>(std::move(t));
}

std::string IriLocalName(std::string_view iri) {
  std::size_t cut = iri.find_last_of("/#:");
  while (cut != std::string_view::npos && cut + 1 == iri.size() && cut > 0) {
    iri = iri.substr(0, cut);  // trailing separator: use the segment before it
    cut = iri.find_last_of("/#:");
  }
  std::string_view local = cut == std::string_view::npos ? iri : iri.substr(cut + 1);
  std::string out;
  for (std::size_t i = 0; i < local.size(); ++i) {
    if (local[i] == '%' && i + 2 < local.size() && HexValue(local[i + 1]) >= 0 &&
        HexValue(local[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(local[i + 1]) * 16 + HexValue(local[i + 2])));
      i += 2;
    } else {
      out.push_back(local[i]);
    }
  }
  return out.empty() ? std::string(iri) : out;
}

}  // namespace sextant::knowledge::internal
