#include "toolserver/tools/web/internal/dom.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace sextant::toolserver::web::internal {
namespace {

// How far down the open-element stack an implicitly closed tag is looked for.
constexpr std::size_t kImplicitCloseWindow = 8;

constexpr std::array<std::string_view, 14> kVoidTags = {"area",  "base",   "br",    "col",  "embed",
                                                        "hr",    "img",    "input", "link", "meta",
                                                        "param", "source", "track", "wbr"};
constexpr std::array<std::string_view, 9> kRawTextTags = {
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"};
constexpr std::array<std::string_view, 13> kFormattingTags = {
    "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"};
// Start tags that close an open element of the same name nearby.
constexpr std::array<std::string_view, 12> kSelfClosingSiblings = {
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody", "thead", "tfoot", "a"};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_';
}

// Finds `</name` (case-insensitive) at or after `from`; npos when absent.
std::size_t FindEndTag(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t i = html.find("</", from); i != std::string_view::npos;
       i = html.find("</", i + 2)) {
    if (i + 2 + name.size() > html.size()) return std::string_view::npos;
    bool match = true;
    for (std::size_t k = 0; k < name.size() && match; ++k) {
      match = std::tolower(static_cast<unsigned char>(html[i + 2 + k])) == name[k];
    }
    if (match) return i;
  }
  return std::string_view::npos;
}

// The end of the tag that starts at html[start] == '<': one past its '>'.
std::size_t TagEnd(std::string_view html, std::size_t start) {
  char quote = 0;
  for (std::size_t i = start + 1; i < html.size(); ++i) {
    const char c = html[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      // Quotes only open an attribute value right after '='.
      std::size_t j = i;
      while (j > start && std::isspace(static_cast<unsigned char>(html[j - 1]))) --j;
      if (j > start && html[j - 1] == '=') quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return html.size();
}

}  // namespace

std::string_view Node::Attr(std::string_view name) const {
  for (const auto& [k, v] : attrs) {
    if (k == name) return v;
  }
  return {};
}

bool Node::HasAttr(std::string_view name) const {
  return std::any_of(attrs.begin(), attrs.end(), [&](const auto& kv) { return kv.first == name; });
}

std::string LimitNesting(std::string_view html, int max_depth) {
  std::string out;
  out.reserve(html.size());
  std::vector<std::string> open;     // element names, outermost first
  std::vector<std::string> dropped;  // names of dropped start tags awaiting their end tag
  std::size_t i = 0;
  while (i < html.size()) {
    const std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) {
      out.append(html.substr(i));
      break;
    }
    out.append(html.substr(i, lt - i));
    i = lt;
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      const std::size_t stop = end == std::string_view::npos ? html.size() : end + 3;
      out.append(html.substr(i, stop - i));
      i = stop;
      continue;
    }
    const bool is_end = i + 1 < html.size() && html[i + 1] == '/';
    std::size_t name_start = i + (is_end ? 2 : 1);
    std::size_t name_end = name_start;
    while (name_end < html.size() && IsNameChar(html[name_end])) ++name_end;
    if (name_end == name_start || !std::isalpha(static_cast<unsigned char>(html[name_start]))) {
      // Not a tag ("<!DOCTYPE", "< 3", "</>"): copy the tag-ish run as it is.
      const std::size_t stop = html[i + 1] == '!' || html[i + 1] == '?' ? TagEnd(html, i) : i + 1;
      out.append(html.substr(i, stop - i));
      i = stop;
      continue;
    }
    const std::string name = Lower(html.substr(name_start, name_end - name_start));
    const std::size_t end = TagEnd(html, i);
    const std::string_view tag = html.substr(i, end - i);
    i = end;
    if (is_end) {
      if (!dropped.empty() && dropped.back() == name) {
        dropped.pop_back();
        continue;
      }
      auto it = std::find(open.rbegin(), open.rend(), name);
      if (it != open.rend()) open.erase(std::next(it).base(), open.end());
      out.append(tag);
      continue;
    }
    const bool self_closed = tag.size() >= 2 && tag[tag.size() - 2] == '/';
    if (In(kSelfClosingSiblings, name)) {
      const std::size_t window = std::min(open.size(), kImplicitCloseWindow);
      for (std::size_t k = 0; k < window; ++k) {
        if (open[open.size() - 1 - k] == name) {
          open.resize(open.size() - 1 - k);
          break;
        }
      }
    }
    const bool is_void = In(kVoidTags, name) || self_closed;
    if (!is_void && static_cast<int>(open.size()) >= max_depth) {
      dropped.push_back(name);
    } else {
      if (In(kFormattingTags, name)) {
        out.append("<").append(name).append(">");
      } else {
        out.append(tag);
      }
      if (!is_void) open.push_back(name);
    }
    if (In(kRawTextTags, name) && !self_closed) {
      const std::size_t close = FindEndTag(html, i, name);
      const std::size_t stop = close == std::string_view::npos ? html.size() : close;
      out.append(html.substr(i, stop - i));
      i = stop;
    }
  }
  return out;
}

Document::Document(std::string_view html, int max_depth) {
  const std::string limited = LimitNesting(html, max_depth);
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // record no parse errors; they are not used
  GumboOutput* output = gumbo_parse_with_options(&options, limited.data(), limited.size());
  root_ = NewNode(NodeKind::kDocument);
  std::vector<std::pair<const GumboNode*, Node*>> stack;
  const GumboVector& top = output->document->v.document.children;
  for (unsigned k = top.length; k > 0; --k) {
    stack.emplace_back(static_cast<const GumboNode*>(top.data[k - 1]), root_);
  }
  while (!stack.empty()) {
    auto [g, parent] = stack.back();
    stack.pop_back();
    Node* node = nullptr;
    if (g->type == GUMBO_NODE_TEXT || g->type == GUMBO_NODE_WHITESPACE ||
        g->type == GUMBO_NODE_CDATA) {
      node = NewNode(NodeKind::kText);
      node->text = g->v.text.text;
    } else if (g->type == GUMBO_NODE_ELEMENT || g->type == GUMBO_NODE_TEMPLATE) {
      node = NewNode(NodeKind::kElement);
      const GumboElement& e = g->v.element;
      if (e.tag == GUMBO_TAG_UNKNOWN) {
        GumboStringPiece piece = e.original_tag;
        gumbo_tag_from_original_text(&piece);
        node->tag = Lower(std::string_view(piece.data, piece.length));
      } else {
        node->tag = gumbo_normalized_tagname(e.tag);
      }
      for (unsigned k = 0; k < e.attributes.length; ++k) {
        const auto* a = static_cast<const GumboAttribute*>(e.attributes.data[k]);
        node->attrs.emplace_back(Lower(a->name), a->value);
      }
      for (unsigned k = e.children.length; k > 0; --k) {
        stack.emplace_back(static_cast<const GumboNode*>(e.children.data[k - 1]), node);
      }
      if (node->tag == "html" && !html_) html_ = node;
      if (node->tag == "head" && !head_) head_ = node;
      if (node->tag == "body" && !body_) body_ = node;
    } else {
      continue;  // comments
    }
    node->parent = parent;
    parent->children.push_back(node);
  }
  gumbo_destroy_output(&options, output);
}

Node* Document::NewNode(NodeKind kind) {
  arena_.push_back(std::make_unique<Node>());
  arena_.back()->kind = kind;
  return arena_.back().get();
}

Node* Document::CreateElement(std::string tag) {
  Node* node = NewNode(NodeKind::kElement);
  node->tag = std::move(tag);
  return node;
}

void Walk(Node* start, const std::function<bool(Node*)>& fn) {
  std::vector<Node*> stack(start->children.rbegin(), start->children.rend());
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    if (node->removed || !fn(node)) continue;
    stack.insert(stack.end(), node->children.rbegin(), node->children.rend());
  }
}

std::vector<Node*> ElementChildren(const Node* node) {
  std::vector<Node*> out;
  for (Node* c : node->children) {
    if (!c->removed && c->IsElement()) out.push_back(c);
  }
  return out;
}

std::string InnerText(Node* node, bool normalize) {
  std::string text;
  if (node->kind == NodeKind::kText) {
    text = node->text;
  } else {
    Walk(node, [&](Node* n) {
      if (n->kind == NodeKind::kText) text += n->text;
      return true;
    });
  }
  return normalize ? CollapseWhitespace(text) : text;
}

std::size_t TextLength(Node* node) { return InnerText(node).size(); }

double LinkDensity(Node* node) {
  const std::size_t total = TextLength(node);
  if (total == 0) return 0;
  std::size_t in_links = 0;
  Walk(node, [&](Node* n) {
    if (!n->Is("a")) return true;
    // Readability counts in-page "#" links at a third of their weight.
    const std::string_view href = n->Attr("href");
    const double weight = !href.empty() && href[0] == '#' ? 0.3 : 1.0;
    in_links += static_cast<std::size_t>(static_cast<double>(TextLength(n)) * weight);
    return false;
  });
  return static_cast<double>(in_links) / static_cast<double>(total);
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace sextant::toolserver::web::internal
