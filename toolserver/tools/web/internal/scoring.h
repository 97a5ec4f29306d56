// Readability's article finder on the extractor's DOM: removes hidden and
// unlikely nodes, scores paragraph-like blocks, picks the best candidate and
// its related siblings, then cleans the result.
//
// Thread safety: works on a Document owned by the caller; no shared state.
#pragma once

#include <string>
#include <vector>

#include "toolserver/tools/web/internal/dom.h"

namespace sextant::toolserver::web::internal {

// Readability's flags; a failed attempt is retried with fewer of them.
struct ScoringFlags {
  bool strip_unlikely = true;
  bool weight_classes = true;
  bool clean_conditionally = true;
};

struct Article {
  // The nodes to render, in order; they stay owned by the Document.
  std::vector<Node*> nodes;
  // The text of the first byline-like node found in the page, or "".
  std::string byline;
  // The length of the article's normalized text, in bytes.
  std::size_t text_length = 0;
};

// Finds the main content of `doc`, mutating it (removal marks, retagging).
// `title` is the page title, used to drop a heading that repeats it.
Article GrabArticle(Document& doc, const std::string& title, const ScoringFlags& flags);

}  // namespace sextant::toolserver::web::internal
