// Renders extracted article nodes as plain text with numbered links.
//
// Thread safety: pure function over nodes owned by the caller.
#pragma once

#include <string>
#include <vector>

#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/internal/dom.h"

namespace sextant::toolserver::web::internal {

struct RenderedText {
  std::string text;
  std::vector<ExtractedLink> links;
};

// Renders `roots` in order (see extract.h for the format). Link targets are
// resolved against `base_url`; javascript: links render as plain text.
RenderedText RenderText(const std::vector<Node*>& roots, const std::string& base_url,
                        bool number_links);

}  // namespace sextant::toolserver::web::internal
