#include "toolserver/tools/web/internal/text_render.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace sextant::toolserver::web::internal {
namespace {

constexpr int kLineBreak = 1;
constexpr int kParagraphBreak = 2;
constexpr std::size_t kListIndent = 2;

constexpr std::array<std::string_view, 26> kBlockTags = {
    "p",        "div",     "section", "article", "main",    "blockquote", "ul",
    "ol",       "dl",      "dt",      "dd",      "table",   "figure",     "figcaption",
    "header",   "footer",  "address", "center",  "details", "summary",    "form",
    "fieldset", "caption", "hgroup",  "body",    "html"};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

int HeadingLevel(std::string_view tag) {
  if (tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6') return tag[1] - '0';
  return 0;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

class Writer {
 public:
  Writer(std::string base_url, bool number_links)
      : base_url_(std::move(base_url)), number_links_(number_links) {}

  void Enter(Node* n) {
    const std::string& t = n->tag;
    if (in_cell_ > 0 && !(t == "td" || t == "th" || t == "tr")) {
      if (In(kBlockTags, t) || t == "br" || HeadingLevel(t) || t == "li" || t == "pre") {
        space_ = true;
      }
      if (t == "a") EnterLink(n);
      return;
    }
    if (const int level = HeadingLevel(t)) {
      Break(kParagraphBreak);
      prefix_ = std::string(static_cast<std::size_t>(level), '#') + " ";
    } else if (t == "ul" || t == "ol") {
      Break(lists_.empty() ? kParagraphBreak : kLineBreak);
      lists_.push_back({t == "ol", 0});
    } else if (t == "li") {
      Break(kLineBreak);
      std::string marker = "- ";
      if (!lists_.empty() && lists_.back().ordered) {
        marker = std::to_string(++lists_.back().counter) + ". ";
      }
      const std::size_t depth = lists_.empty() ? 0 : lists_.size() - 1;
      prefix_ = std::string(depth * kListIndent, ' ') + marker;
    } else if (t == "tr") {
      Break(kLineBreak);
      cell_index_ = 0;
    } else if (t == "td" || t == "th") {
      if (cell_index_++ > 0) {
        space_ = false;
        Append(" | ", true);
      }
      ++in_cell_;
    } else if (t == "pre") {
      Break(kParagraphBreak);
      ++in_pre_;
    } else if (t == "br") {
      Break(kLineBreak);
    } else if (t == "hr") {
      Break(kParagraphBreak);
    } else if (t == "a") {
      EnterLink(n);
    } else if (In(kBlockTags, t)) {
      Break(BlockBreak());
    }
  }

  void Exit(Node* n) {
    const std::string& t = n->tag;
    if (t == "a" && link_node_ == n) ExitLink();
    if (t == "td" || t == "th") {
      --in_cell_;
      return;
    }
    if (in_cell_ > 0) return;
    if (t == "ul" || t == "ol") {
      if (!lists_.empty()) lists_.pop_back();
      Break(lists_.empty() ? kParagraphBreak : kLineBreak);
    } else if (t == "li" || t == "tr") {
      Break(kLineBreak);
    } else if (t == "pre") {
      --in_pre_;
      Break(kParagraphBreak);
    } else if (HeadingLevel(t) || In(kBlockTags, t)) {
      Break(BlockBreak());
    }
  }

  void Text(const std::string& text) {
    if (in_pre_ > 0 && in_cell_ == 0) {
      Append(text, false);
      return;
    }
    for (char c : text) {
      if (IsSpace(c)) {
        space_ = true;
      } else {
        Append(std::string_view(&c, 1), true);
      }
    }
  }

  RenderedText Finish() {
    while (!out_.empty() && IsSpace(out_.back())) out_.pop_back();
    return {std::move(out_), std::move(links_)};
  }

 private:
  struct List {
    bool ordered = false;
    int counter = 0;
  };

  int BlockBreak() const { return lists_.empty() ? kParagraphBreak : kLineBreak; }

  void Break(int level) {
    if (!out_.empty()) pending_break_ = std::max(pending_break_, level);
  }

  // Appends visible text, first flushing pending breaks, prefix, link marker
  // and (when collapse) a pending space.
  void Append(std::string_view s, bool collapse) {
    if (pending_break_ > 0) {
      out_.append(static_cast<std::size_t>(pending_break_), '\n');
      pending_break_ = 0;
      space_ = false;
    } else if (space_ && collapse && !out_.empty() && out_.back() != '\n' && out_.back() != ' ') {
      out_ += ' ';
    }
    space_ = false;
    if (!prefix_.empty() && (out_.empty() || out_.back() == '\n')) out_ += prefix_;
    prefix_.clear();
    if (link_node_ && link_start_ == std::string::npos) {
      if (number_links_) out_ += "[" + std::to_string(links_.size() + 1) + "] ";
      link_start_ = out_.size();
      links_.push_back({static_cast<int>(links_.size() + 1), link_url_, ""});
    }
    out_.append(s);
  }

  void EnterLink(Node* n) {
    if (link_node_) return;
    std::string href = CollapseWhitespace(n->Attr("href"));
    if (href.empty() || Lower(href).rfind("javascript:", 0) == 0) return;
    link_node_ = n;
    link_url_ = ResolveUrl(base_url_, href);
    link_start_ = std::string::npos;
  }

  void ExitLink() {
    if (link_start_ != std::string::npos) {
      const std::string_view out = out_;
      links_.back().text = CollapseWhitespace(out.substr(link_start_));
    }
    link_node_ = nullptr;
  }

  std::string base_url_;
  bool number_links_;
  std::string out_;
  std::vector<ExtractedLink> links_;
  int pending_break_ = 0;
  bool space_ = false;
  std::string prefix_;
  std::vector<List> lists_;
  int in_cell_ = 0;
  int cell_index_ = 0;
  int in_pre_ = 0;
  const Node* link_node_ = nullptr;
  std::string link_url_;
  std::size_t link_start_ = std::string::npos;
};

}  // namespace

RenderedText RenderText(const std::vector<Node*>& roots, const std::string& base_url,
                        bool number_links) {
  Writer writer(base_url, number_links);
  for (Node* root : roots) {
    if (root->removed) continue;
    // (node, exiting): each element is visited on the way in and out.
    std::vector<std::pair<Node*, bool>> stack = {{root, false}};
    while (!stack.empty()) {
      auto [node, exiting] = stack.back();
      stack.pop_back();
      if (node->kind == NodeKind::kText) {
        writer.Text(node->text);
        continue;
      }
      if (exiting) {
        writer.Exit(node);
        continue;
      }
      if (node->IsElement()) writer.Enter(node);
      stack.emplace_back(node, true);
      for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) {
        if (!(*it)->removed) stack.emplace_back(*it, false);
      }
    }
  }
  return writer.Finish();
}

}  // namespace sextant::toolserver::web::internal
