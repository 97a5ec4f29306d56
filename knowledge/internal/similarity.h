// String and token similarity of normalized names, and the content words of
// text, for the F² verifier (knowledge/verifier.h).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::knowledge::internal {

// Similarity of two different keys is at most this, so only equal keys
// score 1.
inline constexpr double kInexactCap = 0.95;
// Longer keys skip the edit distance (token overlap only).
inline constexpr std::size_t kMaxEditBytes = 128;

// Runs of ASCII letters and digits, and of bytes >= 0x80, lower-cased.
std::vector<std::string> Words(std::string_view text);

// One word of Words(text) with where it lies in `text`: [begin, end).
struct WordSpan {
  std::string word;
  std::size_t begin = 0;
  std::size_t end = 0;
};
std::vector<WordSpan> WordSpans(std::string_view text);

// True for English function words ("the", "is", "of", ...), which carry no
// content of their own.
bool IsStopword(std::string_view word);

// A light plural stemmer: "countries" -> "country", "cats" -> "cat",
// "glass" stays.
std::string Stem(std::string word);

// The stemmed words of `text` that are not stop words.
std::set<std::string> ContentWords(std::string_view text);

// 1 - edit distance / length of the longer string; 1 for two empty strings.
double EditSimilarity(std::string_view a, std::string_view b);

// Similarity of two normalized keys in [0, 1]: 1 when equal, else
// kInexactCap times the best of the edit similarity, the edit similarity
// with spaces removed ("located in" ~ "locatedin") and the Dice overlap of
// their content words ("has official language" ~ "official language").
double NameSimilarity(std::string_view a, std::string_view b);

}  // namespace sextant::knowledge::internal
