// Extraction quality against mozilla/readability's test pages: token-level
// F1 of our text against the text of expected.html, and title exact match
// against expected-metadata.json. Used by the tests and bench_web.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "toolserver/tools/web/extract.h"

namespace sextant::toolserver::web {

// Lowercase word tokens: runs of ASCII letters and digits and of non-ASCII
// code points outside the Unicode punctuation and space blocks.
std::vector<std::string> WordTokens(std::string_view text);

// F1 of the two token multisets (1 when both are empty).
double TokenF1(const std::vector<std::string>& ours, const std::vector<std::string>& reference);

// All text of an HTML document (every text node, script and style included),
// as readability's expected.html files are read.
std::string AllText(std::string_view html);

// Collapses whitespace runs to one space and trims both ends.
std::string NormalizeSpace(std::string_view text);

struct PageQuality {
  std::string name;       // the test page's directory name
  std::size_t bytes = 0;  // source.html size
  double f1 = 0;          // token F1 of our text against expected.html's text
  bool title_match = false;
  std::string title;           // ours
  std::string expected_title;  // readability's
};

// Extracts every <dir>/*/source.html (with base URL http://fakehost/test/,
// as readability's tests use, and links not numbered) and scores it.
// Fails when `dir` cannot be read or holds no pages.
[[nodiscard]] Result<std::vector<PageQuality>> MeasureReadabilityPages(
    const std::filesystem::path& dir, const ExtractOptions& options = {});

}  // namespace sextant::toolserver::web
