// A small mutable DOM built from Gumbo's parse tree, for the extractor.
//
// Nodes live in the Document's arena; removal only marks a node, so a walk
// over `children` must skip removed nodes. Every walk here is iterative, so
// no tree depth can exhaust the stack.
//
// Thread safety: a Document is used by one thread at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant::toolserver::web::internal {

enum class NodeKind { kDocument, kElement, kText };

struct Node {
  NodeKind kind = NodeKind::kElement;
  std::string tag;  // lowercase element name; empty for text and document
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;  // text nodes only
  Node* parent = nullptr;
  std::vector<Node*> children;
  bool removed = false;
  // Readability's content score, valid when `scored`.
  double score = 0;
  bool scored = false;

  bool IsElement() const { return kind == NodeKind::kElement; }
  bool Is(std::string_view name) const { return kind == NodeKind::kElement && tag == name; }
  // The attribute's value, or "" when absent.
  std::string_view Attr(std::string_view name) const;
  bool HasAttr(std::string_view name) const;
};

class Document {
 public:
  // Parses `html`, first unwrapping elements nested deeper than max_depth.
  Document(std::string_view html, int max_depth);
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  Node* root() const { return root_; }
  // The <html>, <head> and <body> elements, or nullptr.
  Node* html() const { return html_; }
  Node* head() const { return head_; }
  Node* body() const { return body_; }

  // A new element owned by the document, not yet in the tree.
  Node* CreateElement(std::string tag);

 private:
  Node* NewNode(NodeKind kind);

  std::vector<std::unique_ptr<Node>> arena_;
  Node* root_ = nullptr;
  Node* html_ = nullptr;
  Node* head_ = nullptr;
  Node* body_ = nullptr;
};

// Rewrites `html` so that no element is nested deeper than max_depth (deeper
// start and end tags are dropped, their text kept) and formatting elements
// lose their attributes (which bounds Gumbo's list of active formatting
// elements). Linear in the input.
std::string LimitNesting(std::string_view html, int max_depth);

// Calls fn(node) for every live node under `start` (not `start` itself) in
// document order; fn returns false to skip that node's subtree.
void Walk(Node* start, const std::function<bool(Node*)>& fn);

// The live element children of `node`.
std::vector<Node*> ElementChildren(const Node* node);

// The concatenated text under `node`, optionally with whitespace runs
// collapsed to one space and trimmed.
std::string InnerText(Node* node, bool normalize = true);
// The length of InnerText(node, true) in bytes.
std::size_t TextLength(Node* node);
// The share of the text under `node` that sits inside links, 0 to 1.
double LinkDensity(Node* node);

// Collapses whitespace runs to one space and trims both ends.
std::string CollapseWhitespace(std::string_view text);
// ASCII lowercase.
std::string Lower(std::string_view text);

}  // namespace sextant::toolserver::web::internal
