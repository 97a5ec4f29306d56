// Text helpers of the local search index: strict UTF-8 decoding, the word
// rule shared by query building and snippets, document text cleaning, and
// snippets.
//
// Thread safety: free functions without shared state. Errors: none; invalid
// UTF-8 is handled as the comments say. Time is linear in the text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::toolserver::web::internal {

// Decodes one UTF-8 character at text[i] into cp; returns its length, or 0
// for an invalid sequence (overlong, surrogate, past U+10FFFF, cut short).
std::size_t DecodeUtf8(std::string_view text, std::size_t i, char32_t& cp);

// Word characters: ASCII letters and digits, and non-ASCII characters
// outside the punctuation, space and symbol blocks.
bool IsWordChar(char32_t cp);

struct WordSpan {
  std::size_t begin = 0;  // byte offsets into the text
  std::size_t end = 0;
};

// The next maximal run of word characters at or after `pos` (invalid UTF-8
// separates words): sets `word` and moves `pos` past it; false at the end.
bool NextWord(std::string_view text, std::size_t& pos, WordSpan& word);

// `text` as valid UTF-8 without NUL bytes (invalid sequences become U+FFFD,
// NUL a space), cut at a character boundary to at most `max_bytes`.
std::string CleanText(std::string_view text, std::size_t max_bytes);

// A one-line extract of `text`: the first window of at most `max_words` words
// that holds every query word, else the first with the most distinct query
// words and then the most matches, moved so that its matches sit in the
// middle, from its first to its last word, with each word that matches
// a query word wrapped in '[' and ']', whitespace runs collapsed, and "…"
// where text was cut before or after. A word matches a query word when, ASCII
// case ignored, they are equal or, for query words of four or more letters,
// the word starts with the query word less up to two final letters (so
// "checkpointing" matches "checkpoint" and "index" matches "indexes").
// Reads the text only up to the chosen window plus 2 * max_words words, and
// keeps only about 3 * max_words words in memory.
std::string MakeSnippet(std::string_view text, const std::vector<std::string>& query_words,
                        std::size_t max_words);

}  // namespace sextant::toolserver::web::internal
