// Readability-style extraction of a web page's main content as plain text,
// with its metadata and numbered links.
//
// ExtractPage parses HTML with Gumbo, drops navigation, scripts, styles,
// hidden nodes and ad/comment/sidebar blocks, scores paragraph-like blocks to
// find the article, and renders it as text: headings as "# " lines,
// paragraphs separated by blank lines, list items as "- " lines, table rows
// with cells joined by " | ", preformatted blocks verbatim and links as
// "[n] anchor text" with their resolved URLs kept in `links`.
//
// Thread safety: free functions without shared state; call from any thread.
// Errors: over-long input gives resource_exhausted; nothing else fails, since
// any byte sequence is some HTML. Time is linear in the input for a fixed
// max_depth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace sextant::toolserver::web {

struct ExtractOptions {
  static constexpr std::size_t kDefaultMaxBytes = std::size_t{32} << 20;  // 32 MiB
  static constexpr int kDefaultMaxDepth = 400;
  static constexpr std::size_t kDefaultMinArticleChars = 500;

  // Longer input gives resource_exhausted.
  std::size_t max_bytes = kDefaultMaxBytes;
  // Elements nested deeper than this are unwrapped (their text is kept, the
  // tags dropped) before parsing, which bounds every tree walk.
  int max_depth = kDefaultMaxDepth;
  // An article shorter than this is retried with looser filters, as
  // readability's charThreshold.
  std::size_t min_article_chars = kDefaultMinArticleChars;
  // Resolves relative link targets; the page's <base href> is applied on top
  // of it. Empty: relative URLs stay relative unless <base> is absolute.
  std::string base_url;
  // Whether links are rendered as "[n] anchor text" (else just the text; the
  // links are listed either way).
  bool number_links = true;
};

struct ExtractedLink {
  int n = 0;         // the number shown in the text, from 1
  std::string url;   // resolved against the base URL where possible
  std::string text;  // the anchor text, whitespace collapsed
};

struct ExtractedPage {
  std::string title;      // og:title, twitter:title or <title>, site suffix removed
  std::string byline;     // rel=author, meta author or itemprop=author
  std::string lang;       // <html lang>
  std::string excerpt;    // og:description or meta description, else the first paragraph
  std::string site_name;  // og:site_name
  std::string text;       // the main content as text (without the title line)
  std::vector<ExtractedLink> links;
};

// Extracts `html` (UTF-8; invalid bytes become U+FFFD). See the file comment.
[[nodiscard]] Result<ExtractedPage> ExtractPage(std::string_view html,
                                                const ExtractOptions& options = {});

// {title, byline, lang, excerpt, site_name, text, links: [{n, url, text}]}.
Json ExtractedPageToJson(const ExtractedPage& page);

// Resolves `ref` against the absolute URL `base` (RFC 3986 section 5.2, with
// dot-segment removal). Returns `ref` unchanged when it is already absolute
// or `base` is not an absolute URL.
std::string ResolveUrl(std::string_view base, std::string_view ref);

}  // namespace sextant::toolserver::web
