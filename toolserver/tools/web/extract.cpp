#include "toolserver/tools/web/extract.h"

#include <array>
#include <utility>

#include "toolserver/tools/web/internal/dom.h"
#include "toolserver/tools/web/internal/metadata.h"
#include "toolserver/tools/web/internal/scoring.h"
#include "toolserver/tools/web/internal/text_render.h"

namespace sextant::toolserver::web {
namespace {

using internal::Document;
using internal::Node;

// Readability's retry order: each attempt drops one more filter.
constexpr std::array<internal::ScoringFlags, 4> kAttempts = {{
    {true, true, true},
    {false, true, true},
    {false, false, true},
    {false, false, false},
}};

// The page's <base href> applied to the caller's base URL.
std::string EffectiveBase(const Document& doc, const std::string& base_url) {
  std::string base = base_url;
  bool found = false;
  internal::Walk(doc.root(), [&](Node* n) {
    if (found) return false;
    if (n->Is("base") && n->HasAttr("href")) {
      const std::string href = internal::CollapseWhitespace(n->Attr("href"));
      base = base.empty() ? href : ResolveUrl(base, href);
      found = true;
    }
    return !found;
  });
  return base;
}

std::string FirstParagraph(const std::vector<Node*>& roots) {
  for (Node* root : roots) {
    if (root->removed) continue;
    if (root->Is("p")) return internal::InnerText(root);
    std::string text;
    internal::Walk(root, [&](Node* n) {
      if (!text.empty()) return false;
      if (n->Is("p")) {
        text = internal::InnerText(n);
        return false;
      }
      return true;
    });
    if (!text.empty()) return text;
  }
  return {};
}

}  // namespace

Result<ExtractedPage> ExtractPage(std::string_view html, const ExtractOptions& options) {
  if (html.size() > options.max_bytes) {
    return ResourceExhaustedError("html is " + std::to_string(html.size()) +
                                  " bytes, over the limit of " + std::to_string(options.max_bytes));
  }
  if (options.max_depth < 1) {
    return InvalidArgumentError("max_depth must be at least 1, got " +
                                std::to_string(options.max_depth));
  }
  ExtractedPage page;
  std::string base;
  internal::RenderedText best;
  std::size_t best_length = 0;
  bool have_best = false;
  for (const internal::ScoringFlags& flags : kAttempts) {
    Document doc(html, options.max_depth);
    if (!have_best) {
      internal::PageMetadata meta = internal::ReadMetadata(doc);
      page.title = std::move(meta.title);
      page.byline = std::move(meta.byline);
      page.lang = std::move(meta.lang);
      page.excerpt = std::move(meta.excerpt);
      page.site_name = std::move(meta.site_name);
      base = EffectiveBase(doc, options.base_url);
    }
    internal::Article article = internal::GrabArticle(doc, page.title, flags);
    if (!have_best || article.text_length > best_length) {
      best = internal::RenderText(article.nodes, base, options.number_links);
      best_length = article.text_length;
      if (page.byline.empty()) page.byline = article.byline;
      if (page.excerpt.empty()) page.excerpt = FirstParagraph(article.nodes);
      have_best = true;
    }
    if (article.text_length >= options.min_article_chars) break;
  }
  page.text = std::move(best.text);
  page.links = std::move(best.links);
  return page;
}

Json ExtractedPageToJson(const ExtractedPage& page) {
  Json links = Json::array();
  for (const ExtractedLink& l : page.links) {
    links.push_back({{"n", l.n}, {"url", l.url}, {"text", l.text}});
  }
  return {{"title", page.title},      {"byline", page.byline},       {"lang", page.lang},
          {"excerpt", page.excerpt},  {"site_name", page.site_name}, {"text", page.text},
          {"links", std::move(links)}};
}

}  // namespace sextant::toolserver::web
