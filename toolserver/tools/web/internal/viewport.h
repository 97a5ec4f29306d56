// Text helpers for the browser's viewport: counting and stepping over UTF-8
// characters, choosing viewport bounds at line or word boundaries, and
// finding text with case and whitespace ignored.
//
// Offsets are bytes into valid UTF-8 text; every function returns a
// character boundary. Thread safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sextant::toolserver::web::internal {

// Characters (code points) in `s`.
std::size_t CountChars(std::string_view s);

// `pos` moved forward (or back) over `chars` characters, stopping at the
// text's end (or start).
std::size_t AdvanceChars(std::string_view text, std::size_t pos, std::size_t chars);
std::size_t RetreatChars(std::string_view text, std::size_t pos, std::size_t chars);

// The longest prefix of `text` of at most `max_bytes` bytes that ends on a
// character boundary, as a length.
std::size_t CutAtChar(std::string_view text, std::size_t max_bytes);

// The first byte at or after `pos` that is not ASCII whitespace, or the end.
std::size_t SkipSpace(std::string_view text, std::size_t pos);
// Whether bytes [begin, end) are all ASCII whitespace.
bool OnlySpace(std::string_view text, std::size_t begin, std::size_t end);

// The end of a viewport that starts at `begin` and shows at most `chars`
// characters: just after the last line break in its second half, else after
// the last space there, else after exactly `chars` characters.
std::size_t ViewportEnd(std::string_view text, std::size_t begin, std::size_t chars);
// The start of a viewport that ends at `end`, chosen the same way from the
// other side.
std::size_t ViewportStart(std::string_view text, std::size_t end, std::size_t chars);
// A viewport start that shows `pos` near the top: the start of its line when
// that is at most chars / 3 characters before it, else just after the first
// space in that range, else `pos`.
std::size_t StartShowing(std::string_view text, std::size_t pos, std::size_t chars);

// `text` as FindText compares it: ASCII lower-cased, whitespace runs as one
// space, no space at either end.
std::string FoldForFind(std::string_view text);

struct FoundText {
  std::size_t begin = 0;  // bytes of `text`
  std::size_t end = 0;
  std::size_t occurrence = 0;  // from 1
  std::size_t count = 0;       // occurrences in the whole text
  bool wrapped = false;        // none at or after `from`; this is the first
};

// The first occurrence of `needle` at or after byte `from`, ignoring ASCII
// case, with any run of whitespace matching any other; wraps to the first
// occurrence when there is none after `from`. nullopt when there is none at
// all, or `needle` is only whitespace.
std::optional<FoundText> FindText(std::string_view text, std::string_view needle, std::size_t from);

}  // namespace sextant::toolserver::web::internal
