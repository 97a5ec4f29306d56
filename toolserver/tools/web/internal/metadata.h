// Page metadata the way readability reads it: JSON-LD first, then <meta>
// tags (Dublin Core, Open Graph, Twitter, Parse.ly), then <title> with its
// site-name suffix removed.
//
// Thread safety: free functions over a Document owned by the caller.
#pragma once

#include <string>

#include "toolserver/tools/web/internal/dom.h"

namespace sextant::toolserver::web::internal {

struct PageMetadata {
  std::string title;
  std::string byline;
  std::string lang;
  std::string excerpt;
  std::string site_name;
};

// Reads the metadata of `doc`; fields that the page lacks stay empty (the
// caller fills excerpt and byline from the article when they are).
PageMetadata ReadMetadata(const Document& doc);

// The <title> text cleaned as readability's _getArticleTitle: a trailing
// " | Site" or " - Site" is dropped, and so is a leading "Site: " part,
// unless that leaves too few words.
std::string CleanTitle(const Document& doc);

}  // namespace sextant::toolserver::web::internal
