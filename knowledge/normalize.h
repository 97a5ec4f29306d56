// Normalization of entity and relation names into lookup keys.
//
// A key is what two spellings of the same name share. NormalizeKey applies,
// in order:
//   1. `_` becomes a space (WordNet and YAGO write spaces as underscores);
//   2. Unicode NFKC and case folding (utf8proc), so "Ｐａｒｉｓ" and "PARIS"
//      both become "paris";
//   3. every run of white space becomes one space;
//   4. punctuation (Unicode categories P*) and spaces are trimmed from both
//      ends, so "(Paris)." is "paris"; punctuation inside stays ("f.c. alverca").
// NormalizeRelationKey first drops leading underscores (WordNet's
// "_hypernym" is "hypernym") and splits camelCase words
// ("hasOfficialLanguage" is "has official language", "isURLOf" is
// "is url of"), then applies NormalizeKey.
//
// Thread safety: pure functions.
// Errors: invalid UTF-8 is invalid_argument.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sextant::knowledge {

Result<std::string> NormalizeKey(std::string_view text);

Result<std::string> NormalizeRelationKey(std::string_view text);

// Splits camelCase into words separated by spaces, leaving other text as it
// is: a space goes before an upper-case ASCII letter that follows a
// lower-case letter or digit, and before the last capital of a run of
// capitals that a lower-case letter follows ("URLOf" is "URL Of").
std::string SplitCamelCase(std::string_view text);

}  // namespace sextant::knowledge
