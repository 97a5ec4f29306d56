// Text helpers of the Chain-of-Knowledge parser (knowledge/cok.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "knowledge/cok.h"

namespace sextant::knowledge::internal {

// Drops ASCII white space at both ends.
std::string_view Trim(std::string_view text);
// ASCII case-insensitive prefix test and search.
bool IStartsWith(std::string_view text, std::string_view prefix);
std::size_t IFind(std::string_view text, std::string_view needle);

// True when `line` starts with a list marker: "1." "1)" "1:" "-" "*" "•".
bool HasListMarker(std::string_view line);
// `line` without its list marker.
std::string_view StripListMarker(std::string_view line);

// True when `line` (after any list marker) opens with a bracket, or splits
// into three parts on "|" or ";".
bool LooksLikeTriples(std::string_view line);

// Reads every triple of a line: bracketed groups "(...)", "[...]", "<...>"
// (several may share a line), or one bare "s | r | o" / "s; r; o". Each
// part that cannot be read becomes a problem naming `line_no`.
void ReadTriples(std::string_view line, std::size_t line_no, std::vector<Triple>& triples,
                 std::vector<std::string>& problems);

// One triple, bracketed or bare (separators "|", ";", TAB or ","; quoted
// parts may hold separators). invalid_argument says what is wrong.
Result<Triple> ParseTripleText(std::string_view text);

}  // namespace sextant::knowledge::internal
