// The browser's quote list: merging quotes of one page, and citing them.
//
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "toolserver/tools/web/browser.h"

namespace sextant::toolserver::web::internal {

// Joins quotes of the same page (URL and page hash) that overlap, or are
// only their recorded whitespace apart, into one (its text taken from both,
// with that whitespace between), then drops quotes whose URL and text repeat
// an earlier one. Each result keeps the list place of its first member.
void MergeQuotes(std::vector<Quote>& quotes);

// `text` without the link markers "[n] " that page text holds before each
// link's anchor text.
std::string WithoutLinkMarkers(std::string_view text);

struct Citations {
  // "1. "text" [1]" lines (the text without link markers), a blank line, "Sources:", then "[1] url
  // — title" lines; sources numbered in order of first use.
  std::string text;
  Json quotes;   // [{text, url, title, source}], text without link markers
  Json sources;  // [{n, url, title}]
};

Citations CiteQuotes(const std::vector<Quote>& quotes);

}  // namespace sextant::toolserver::web::internal
