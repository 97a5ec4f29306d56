#include "toolserver/tools/web/internal/patterns.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <sstream>
#include <vector>

namespace sextant::toolserver::web::internal {
namespace {

template <std::size_t N>
bool ContainsAny(std::string_view s, const std::array<std::string_view, N>& parts) {
  return std::any_of(parts.begin(), parts.end(),
                     [&](std::string_view p) { return s.find(p) != std::string_view::npos; });
}

template <std::size_t N>
bool In(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string StyleLower(const Node* node) {
  std::string style = Lower(node->Attr("style"));
  style.erase(std::remove_if(style.begin(), style.end(),
                             [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
              style.end());
  return style;
}

std::vector<std::string> WordTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::size_t JoinedLength(const std::vector<std::string>& words) {
  std::size_t n = 0;
  for (const auto& w : words) n += w.size();
  return words.empty() ? 0 : n + words.size() - 1;
}

}  // namespace

double TextSimilarity(std::string_view a, std::string_view b) {
  const auto ta = WordTokens(a);
  const auto tb = WordTokens(b);
  if (ta.empty() || tb.empty()) return 0;
  const std::set<std::string> in_a(ta.begin(), ta.end());
  std::vector<std::string> unique_b;
  for (const auto& w : tb) {
    if (!in_a.count(w)) unique_b.push_back(w);
  }
  return 1 - static_cast<double>(JoinedLength(unique_b)) / static_cast<double>(JoinedLength(tb));
}

std::string MatchString(const Node* node) {
  return Lower(std::string(node->Attr("class")) + " " + std::string(node->Attr("id")));
}

bool IsUnlikelyCandidate(std::string_view m) {
  static constexpr std::array<std::string_view, 31> kParts = {
      "-ad-",       "ai2html", "banner",    "breadcrumbs",  "combx",    "comment",  "community",
      "cover-wrap", "disqus",  "extra",     "footer",       "gdpr",     "header",   "legends",
      "menu",       "related", "remark",    "replies",      "rss",      "shoutbox", "sidebar",
      "skyscraper", "social",  "sponsor",   "supplemental", "ad-break", "agegate",  "pagination",
      "pager",      "popup",   "yom-remote"};
  return ContainsAny(m, kParts);
}

bool MaybeCandidate(std::string_view m) {
  static constexpr std::array<std::string_view, 8> kParts = {
      "and", "article", "body", "column", "content", "main", "mathjax", "shadow"};
  return ContainsAny(m, kParts);
}

bool IsPositive(std::string_view m) {
  static constexpr std::array<std::string_view, 13> kParts = {
      "article", "body",       "content", "entry", "hentry", "h-entry", "main",
      "page",    "pagination", "post",    "text",  "blog",   "story"};
  return ContainsAny(m, kParts);
}

bool IsNegative(std::string_view m) {
  static constexpr std::array<std::string_view, 24> kParts = {
      "-ad-",  "hidden",   "banner",  "combx",      "comment",  "com-",     "contact", "footer",
      "gdpr",  "masthead", "media",   "meta",       "outbrain", "promo",    "related", "scroll",
      "share", "shoutbox", "sidebar", "skyscraper", "sponsor",  "shopping", "tags",    "widget"};
  if (ContainsAny(m, kParts)) return true;
  std::istringstream words{std::string(m)};
  for (std::string w; words >> w;) {
    if (w == "hid") return true;
  }
  return false;
}

bool IsBylineMatch(std::string_view m) {
  static constexpr std::array<std::string_view, 5> kParts = {"byline", "author", "dateline",
                                                             "writtenby", "p-author"};
  return ContainsAny(m, kParts);
}

bool IsShareMatch(std::string_view m) {
  for (std::size_t i = m.find("share"); i != std::string_view::npos; i = m.find("share", i + 1)) {
    const bool before = i == 0 || !IsWordChar(m[i - 1]) || m[i - 1] == '_';
    std::size_t end = i + 5;
    if (m.compare(i, 11, "sharedaddy") == 0) end = i + 10;
    const bool after = end == m.size() || !IsWordChar(m[end]) || m[end] == '_';
    if (before && after) return true;
  }
  return false;
}

bool IsUnlikelyRole(std::string_view role) {
  static constexpr std::array<std::string_view, 7> kRoles = {
      "menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"};
  return In(kRoles, role);
}

int ClassWeight(const Node* node) {
  int weight = 0;
  for (std::string_view attr : {"class", "id"}) {
    const std::string value = Lower(node->Attr(attr));
    if (value.empty()) continue;
    if (IsNegative(value)) weight -= kClassWeightStep;
    if (IsPositive(value)) weight += kClassWeightStep;
  }
  return weight;
}

bool IsProbablyVisible(const Node* node) {
  const std::string style = StyleLower(node);
  if (style.find("display:none") != std::string::npos ||
      style.find("visibility:hidden") != std::string::npos) {
    return false;
  }
  if (node->HasAttr("hidden")) return false;
  if (node->Attr("aria-hidden") == "true" &&
      node->Attr("class").find("fallback-image") == std::string_view::npos) {
    return false;
  }
  return true;
}

bool HasAncestorTag(const Node* node, std::string_view tag, int max_depth) {
  int depth = 0;
  for (const Node* p = node->parent; p; p = p->parent) {
    if (max_depth > 0 && depth >= max_depth) return false;
    if (p->Is(tag)) return true;
    ++depth;
  }
  return false;
}

bool IsDivToPBlock(std::string_view tag) {
  static constexpr std::array<std::string_view, 9> kTags = {
      "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul"};
  return In(kTags, tag);
}

bool IsPhrasing(const Node* node) {
  static constexpr std::array<std::string_view, 39> kTags = {
      "abbr",     "audio",    "b",    "bdo",      "br",     "button",   "cite",   "code",
      "data",     "datalist", "dfn",  "em",       "embed",  "i",        "img",    "input",
      "kbd",      "label",    "mark", "math",     "meter",  "noscript", "object", "output",
      "progress", "q",        "ruby", "samp",     "script", "select",   "small",  "span",
      "strong",   "sub",      "sup",  "textarea", "time",   "var",      "wbr"};
  if (node->kind == NodeKind::kText) return true;
  if (In(kTags, node->tag)) return true;
  if (node->Is("a") || node->Is("del") || node->Is("ins")) {
    return std::all_of(node->children.begin(), node->children.end(),
                       [](const Node* c) { return c->removed || IsPhrasing(c); });
  }
  return false;
}

bool IsWhitespace(const Node* node) {
  if (node->kind == NodeKind::kText) {
    return std::all_of(node->text.begin(), node->text.end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  }
  return node->Is("br");
}

}  // namespace sextant::toolserver::web::internal
