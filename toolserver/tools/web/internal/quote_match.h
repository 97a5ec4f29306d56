// Finding where a quote a model typed sits in a page's text, allowing for
// differences in case, whitespace and punctuation and for small typos.
//
// Both texts are normalized the same way: ASCII letters lower-cased, ASCII
// punctuation and the Unicode punctuation and space blocks (U+0080-U+00BF,
// U+2000-U+206F, U+3000-U+303F, U+FE30-U+FE4F, U+FF01-U+FF0F) turned into
// spaces, link markers "[n]" (internal/text_render's) dropped the same way,
// space runs collapsed to one, other characters kept as they are. An
// exact occurrence of the normalized quote in the normalized page has
// similarity 1. Otherwise the page windows sharing the most character
// trigrams with the quote are aligned with it (edit distance, free start and
// end in the page), and the best alignment, widened to whole words, is the
// match: similarity = 1 - edits / max(quote length, match length), in bytes
// of normalized text.
//
// Thread safety: free functions without shared state. Time: linear in the
// page plus quadratic in the quote (a few alignments of the quote against
// windows about twice its length).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::toolserver::web::internal {

// Normalized text with, for each of its bytes, the byte range in the source
// of the character it came from.
struct NormalizedText {
  std::string text;
  std::vector<std::size_t> source_begin;
  std::vector<std::size_t> source_end;
};

// The normalization above; leading and trailing spaces are dropped.
NormalizedText NormalizeForQuote(std::string_view source);

struct QuoteMatch {
  std::size_t begin = 0;  // bytes [begin, end) of the page text
  std::size_t end = 0;
  double similarity = 0;  // in [0, 1]
};

// The span of `page` that best matches `quote`; among exact occurrences the
// first at or after byte `prefer_from`, else the first. nullopt when the
// quote normalizes to nothing or the page shares no character trigram with
// it (and holds no exact occurrence). Punctuation next to the span is taken
// in where the quote itself begins or ends with punctuation; closing
// punctuation after it (. ! ? ) ] " ' and their Unicode kin) always is.
std::optional<QuoteMatch> FindQuote(std::string_view page, std::string_view quote,
                                    std::size_t prefer_from = 0);

}  // namespace sextant::toolserver::web::internal
