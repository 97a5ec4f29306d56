#include "toolserver/tools/web/internal/scoring.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string_view>

#include "toolserver/tools/web/internal/cleaning.h"
#include "toolserver/tools/web/internal/patterns.h"

namespace sextant::toolserver::web::internal {
namespace {

constexpr std::size_t kMinScoredText = 25;
constexpr double kCharsPerPoint = 100;
constexpr double kMaxLengthPoints = 3;
constexpr int kAncestorLevels = 5;
constexpr std::size_t kTopCandidates = 5;
constexpr std::size_t kMinTopCandidates = 3;
constexpr double kAlternativeRatio = 0.75;
constexpr double kSingleParagraphLinkDensity = 0.25;
constexpr double kSiblingMinThreshold = 10;
constexpr double kSiblingRatio = 0.2;
constexpr std::size_t kSiblingLongParagraph = 80;
constexpr std::size_t kMaxBylineChars = 100;
constexpr double kTitleSimilarity = 0.75;

constexpr std::array<std::string_view, 9> kTagsToScore = {"section", "h2", "h3", "h4", "h5",
                                                          "h6",      "p",  "td", "pre"};
// Dropped before scoring, with their content.
constexpr std::array<std::string_view, 14> kDroppedTags = {
    "script", "style",  "noscript", "template", "svg",    "iframe", "nav",
    "button", "select", "textarea", "input",    "object", "embed",  "link"};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool IsHeading(std::string_view tag) {
  return tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6';
}

std::size_t CountCommas(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') ++n;
    // U+FF0C fullwidth comma, U+060C Arabic comma, U+3001 ideographic comma.
    if (text.compare(i, 3, "\xEF\xBC\x8C") == 0 || text.compare(i, 2, "\xD8\x8C") == 0 ||
        text.compare(i, 3, "\xE3\x80\x81") == 0) {
      ++n;
    }
  }
  return n;
}

void InitializeNode(Node* node, const ScoringFlags& flags) {
  node->scored = true;
  node->score = 0;
  const std::string& t = node->tag;
  if (t == "div") {
    node->score += 5;
  } else if (t == "pre" || t == "td" || t == "blockquote") {
    node->score += 3;
  } else if (t == "address" || t == "ol" || t == "ul" || t == "dl" || t == "dd" || t == "dt" ||
             t == "li" || t == "form") {
    node->score -= 3;
  } else if (IsHeading(t) || t == "th") {
    node->score -= 5;
  }
  if (flags.weight_classes) node->score += ClassWeight(node);
}

bool HasChildBlockElement(Node* node) {
  bool found = false;
  Walk(node, [&](Node* n) {
    if (found) return false;
    if (n->IsElement() && IsDivToPBlock(n->tag)) found = true;
    return !found;
  });
  return found;
}

bool HasSingleParagraph(const Node* node) {
  const auto kids = ElementChildren(node);
  if (kids.size() != 1 || !kids[0]->Is("p")) return false;
  return std::none_of(node->children.begin(), node->children.end(), [](const Node* c) {
    return !c->removed && c->kind == NodeKind::kText && !IsWhitespace(c);
  });
}

bool IsWithoutContent(Node* node) {
  if (TextLength(node) != 0) return false;
  const auto kids = ElementChildren(node);
  return std::all_of(kids.begin(), kids.end(),
                     [](const Node* c) { return c->Is("br") || c->Is("hr"); });
}

// Wraps runs of phrasing children of a div into new <p> elements.
void WrapPhrasing(Document& doc, Node* div) {
  std::vector<Node*> kids;
  kids.reserve(div->children.size());
  Node* p = nullptr;
  for (Node* c : div->children) {
    if (c->removed) continue;
    if (IsPhrasing(c)) {
      if (p || !IsWhitespace(c)) {
        if (!p) {
          p = doc.CreateElement("p");
          p->parent = div;
          kids.push_back(p);
        }
        c->parent = p;
        p->children.push_back(c);
      }
      continue;
    }
    p = nullptr;
    kids.push_back(c);
  }
  div->children = std::move(kids);
}

// Makes `div` take the place of its only child <p>: same tag and attributes.
void CollapseIntoChild(Node* div, Node* p) {
  div->tag = "p";
  div->attrs = p->attrs;
  div->children = p->children;
  for (Node* c : div->children) c->parent = div;
}

std::vector<Node*> Ancestors(Node* node, int levels) {
  std::vector<Node*> out;
  for (Node* p = node->parent; p && (levels <= 0 || static_cast<int>(out.size()) < levels);
       p = p->parent) {
    out.push_back(p);
  }
  return out;
}

// Readability's node loop: removal of hidden, unlikely and empty nodes,
// byline detection, div-to-paragraph conversion. Returns the nodes to score.
std::vector<Node*> PrepareNodes(Document& doc, const std::string& title, const ScoringFlags& flags,
                                std::string& byline) {
  std::vector<Node*> to_score;
  bool remove_title_header = true;
  std::vector<Node*> stack = {doc.html() ? doc.html() : doc.root()};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    if (node->removed || !node->IsElement()) continue;
    const std::string match = MatchString(node);
    if (In(kDroppedTags, node->tag) || !IsProbablyVisible(node) ||
        (node->Attr("aria-modal") == "true" && node->Attr("role") == "dialog")) {
      node->removed = true;
      continue;
    }
    if (byline.empty() &&
        (node->Attr("rel") == "author" ||
         node->Attr("itemprop").find("author") != std::string_view::npos || IsBylineMatch(match))) {
      const std::string text = InnerText(node);
      if (!text.empty() && text.size() < kMaxBylineChars) {
        byline = text;
        node->removed = true;
        continue;
      }
    }
    if (remove_title_header && (node->Is("h1") || node->Is("h2")) &&
        TextSimilarity(title, InnerText(node)) > kTitleSimilarity) {
      remove_title_header = false;
      node->removed = true;
      continue;
    }
    if (flags.strip_unlikely) {
      if (IsUnlikelyCandidate(match) && !MaybeCandidate(match) &&
          !HasAncestorTag(node, "table", 0) && !HasAncestorTag(node, "code", 0) &&
          !node->Is("body") && !node->Is("a")) {
        node->removed = true;
        continue;
      }
      if (IsUnlikelyRole(node->Attr("role"))) {
        node->removed = true;
        continue;
      }
    }
    if ((node->Is("div") || node->Is("section") || node->Is("header") || IsHeading(node->tag)) &&
        IsWithoutContent(node)) {
      node->removed = true;
      continue;
    }
    if (In(kTagsToScore, node->tag)) to_score.push_back(node);
    if (node->Is("div")) {
      WrapPhrasing(doc, node);
      if (HasSingleParagraph(node) && LinkDensity(node) < kSingleParagraphLinkDensity) {
        CollapseIntoChild(node, ElementChildren(node)[0]);
        to_score.push_back(node);
      } else if (!HasChildBlockElement(node)) {
        node->tag = "p";
        to_score.push_back(node);
      }
    }
    stack.insert(stack.end(), node->children.rbegin(), node->children.rend());
  }
  return to_score;
}

}  // namespace

Article GrabArticle(Document& doc, const std::string& title, const ScoringFlags& flags) {
  Article article;
  const std::vector<Node*> to_score = PrepareNodes(doc, title, flags, article.byline);
  std::vector<Node*> candidates;
  for (Node* el : to_score) {
    if (el->removed || !el->parent || !el->parent->IsElement()) continue;
    const std::string text = InnerText(el);
    if (text.size() < kMinScoredText) continue;
    const auto ancestors = Ancestors(el, kAncestorLevels);
    if (ancestors.empty()) continue;
    const double score =
        1 + static_cast<double>(CountCommas(text)) +
        std::min(std::floor(static_cast<double>(text.size()) / kCharsPerPoint), kMaxLengthPoints);
    for (std::size_t level = 0; level < ancestors.size(); ++level) {
      Node* a = ancestors[level];
      if (!a->IsElement() || !a->parent || !a->parent->IsElement()) break;
      if (!a->scored) {
        InitializeNode(a, flags);
        candidates.push_back(a);
      }
      const double divider = level == 0 ? 1.0 : level == 1 ? 2.0 : static_cast<double>(level) * 3;
      a->score += score / divider;
    }
  }
  std::vector<Node*> top;
  for (Node* c : candidates) {
    c->score *= 1 - LinkDensity(c);
    auto pos = std::find_if(top.begin(), top.end(), [&](Node* t) { return c->score > t->score; });
    top.insert(pos, c);
    if (top.size() > kTopCandidates) top.pop_back();
  }
  Node* best = top.empty() ? nullptr : top[0];
  if (!best || best->Is("body")) {
    Node* body = doc.body() ? doc.body() : doc.root();
    article.nodes = {body};
    PrepArticle(article.nodes, flags);
    article.text_length = TextLength(body);
    return article;
  }
  std::vector<std::vector<Node*>> alternatives;
  for (std::size_t i = 1; i < top.size(); ++i) {
    if (top[i]->score / best->score >= kAlternativeRatio) {
      alternatives.push_back(Ancestors(top[i], 0));
    }
  }
  if (alternatives.size() >= kMinTopCandidates) {
    for (Node* p = best->parent; p && p->IsElement() && !p->Is("body"); p = p->parent) {
      std::size_t lists = 0;
      for (const auto& a : alternatives) lists += std::count(a.begin(), a.end(), p);
      if (lists >= kMinTopCandidates) {
        best = p;
        break;
      }
    }
    if (!best->scored) InitializeNode(best, flags);
  }
  // Climb while the parent scores better.
  double last_score = best->score;
  const double threshold = last_score / 3;
  for (Node* p = best->parent; p && p->IsElement() && !p->Is("body"); p = p->parent) {
    if (!p->scored) continue;
    if (p->score < threshold) break;
    if (p->score > last_score) {
      best = p;
      break;
    }
    last_score = p->score;
  }
  while (best->parent && best->parent->IsElement() && !best->parent->Is("body") &&
         ElementChildren(best->parent).size() == 1) {
    best = best->parent;
  }
  if (!best->scored) InitializeNode(best, flags);

  const double sibling_threshold = std::max(kSiblingMinThreshold, best->score * kSiblingRatio);
  const std::string best_class(best->Attr("class"));
  const std::vector<Node*> siblings =
      best->parent ? ElementChildren(best->parent) : std::vector<Node*>{best};
  for (Node* s : siblings) {
    bool append = s == best;
    if (!append) {
      double bonus = 0;
      if (!best_class.empty() && s->Attr("class") == best_class)
        bonus += best->score * kSiblingRatio;
      if (s->scored && s->score + bonus >= sibling_threshold) {
        append = true;
      } else if (s->Is("p")) {
        const double density = LinkDensity(s);
        const std::string text = InnerText(s);
        if (text.size() > kSiblingLongParagraph && density < kSingleParagraphLinkDensity) {
          append = true;
        } else if (text.size() < kSiblingLongParagraph && !text.empty() && density == 0 &&
                   (text.find(". ") != std::string::npos || text.back() == '.')) {
          append = true;
        }
      }
    }
    if (append) article.nodes.push_back(s);
  }
  PrepArticle(article.nodes, flags);
  for (Node* n : article.nodes) article.text_length += n->removed ? 0 : TextLength(n);
  return article;
}

}  // namespace sextant::toolserver::web::internal
