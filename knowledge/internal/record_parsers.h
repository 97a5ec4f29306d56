// Parsers of one record of each import format into fields. Pure functions
// over one line (or, for CSV, one record that may span lines); they never
// throw and report the reason a record is malformed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::knowledge::internal {

// Tab-separated fields (no quoting).
std::vector<std::string> SplitTsv(std::string_view line);

// One RFC 4180 record. Returns nullopt when a quoted field is still open at
// the end of `text` (the record continues on the next line); malformed
// quoting (a quote inside an unquoted field, text after a closing quote) is
// invalid_argument.
Result<std::optional<std::vector<std::string>>> ParseCsvRecord(std::string_view text);

// One N-Triples term.
struct RdfTerm {
  enum class Kind { kIri, kBlank, kLiteral };
  Kind kind = Kind::kIri;
  std::string value;     // IRI, blank node label or literal text (unescaped)
  std::string language;  // literal language tag, without '@'
  std::string datatype;  // literal datatype IRI
};

struct NTriple {
  RdfTerm s;
  RdfTerm p;
  RdfTerm o;
};

// One N-Triples line. Returns nullopt for a blank or comment line.
Result<std::optional<NTriple>> ParseNTriplesLine(std::string_view line);

// A readable name for an IRI: its last path segment or fragment,
// percent-decoded ("http://x.org/wiki/Dutch_language" is "Dutch_language").
std::string IriLocalName(std::string_view iri);

}  // namespace sextant::knowledge::internal
