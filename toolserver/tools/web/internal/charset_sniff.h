// Byte-level pieces of charset handling (toolserver/tools/web/charset.h):
// the WHATWG UTF-8 decoder's sequence rule and the scores that sniffing
// compares.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sextant::toolserver::web::internal {

// The next sequence of `bytes` at `pos`: its length, and whether it is a
// well-formed UTF-8 character. An ill-formed one is the maximal subpart that
// a single U+FFFD replaces (at least one byte).
struct Utf8Sequence {
  std::size_t length = 1;
  bool valid = false;
};
Utf8Sequence NextUtf8Sequence(std::string_view bytes, std::size_t pos);

bool IsValidUtf8(std::string_view bytes);

// Appends `bytes` to `out` with every ill-formed subpart replaced by U+FFFD;
// returns how many were replaced.
std::size_t AppendRepairedUtf8(std::string_view bytes, std::string& out);

// Evidence for each candidate charset: roughly the number of non-ASCII bytes
// that read as common text in it, less a penalty per byte sequence that is
// invalid in it. Higher is more likely; zero or less is no evidence.
std::int64_t ScoreUtf8(std::string_view bytes);
std::int64_t ScoreWindows1252(std::string_view bytes);
std::int64_t ScoreGb18030(std::string_view bytes);
std::int64_t ScoreShiftJis(std::string_view bytes);

}  // namespace sextant::toolserver::web::internal
