// Readability's prepArticle: removes share boxes, negative headers, empty
// paragraphs and, when flags.clean_conditionally, forms, tables, lists and
// divs that look like navigation or ads rather than content.
//
// Thread safety: works on a Document owned by the caller; no shared state.
#pragma once

#include <vector>

#include "toolserver/tools/web/internal/dom.h"
#include "toolserver/tools/web/internal/scoring.h"

namespace sextant::toolserver::web::internal {

// Cleans the subtrees rooted at `roots` in place (roots may be removed too).
void PrepArticle(const std::vector<Node*>& roots, const ScoringFlags& flags);

}  // namespace sextant::toolserver::web::internal
