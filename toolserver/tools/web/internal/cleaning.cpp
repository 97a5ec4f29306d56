#include "toolserver/tools/web/internal/cleaning.h"

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <string_view>

#include "toolserver/tools/web/internal/patterns.h"

namespace sextant::toolserver::web::internal {
namespace {

constexpr std::size_t kShareMaxChars = 500;
constexpr std::size_t kMaxCommasToClean = 10;
constexpr int kListItemAllowance = 100;
constexpr double kListTextShare = 0.9;
constexpr double kMaxHeadingDensity = 0.9;
constexpr std::size_t kMinContent = 25;
constexpr double kLinkDensityLow = 0.2;
constexpr double kLinkDensityHigh = 0.5;
constexpr int kDataTableMinRows = 10;
constexpr int kDataTableMaxColumns = 4;
constexpr int kDataTableMinCells = 10;

using Set = std::set<const Node*>;

// Live elements named `tag` under `root` (inclusive when include_root).
std::vector<Node*> AllWithTag(Node* root, std::initializer_list<std::string_view> tags,
                              bool include_root) {
  std::vector<Node*> out;
  auto match = [&](const Node* n) {
    return n->IsElement() && std::find(tags.begin(), tags.end(), n->tag) != tags.end();
  };
  if (include_root && !root->removed && match(root)) out.push_back(root);
  Walk(root, [&](Node* n) {
    if (match(n)) out.push_back(n);
    return true;
  });
  return out;
}

bool Gone(const Node* n) {
  for (; n; n = n->parent) {
    if (n->removed) return true;
  }
  return false;
}

bool IsDataTable(Node* table) {
  if (table->Attr("role") == "presentation" || table->Attr("datatable") == "0") return false;
  if (table->HasAttr("summary")) return true;
  const auto captions = AllWithTag(table, {"caption"}, false);
  if (!captions.empty() && !captions[0]->children.empty()) return true;
  if (!AllWithTag(table, {"col", "colgroup", "tfoot", "thead", "th"}, false).empty()) return true;
  if (!AllWithTag(table, {"table"}, false).empty()) return false;
  int rows = 0;
  int columns = 0;
  for (Node* tr : AllWithTag(table, {"tr"}, false)) {
    const int span = std::max(1, std::atoi(std::string(tr->Attr("rowspan")).c_str()));
    rows += span;
    int cols = 0;
    for (Node* cell : ElementChildren(tr)) {
      if (cell->Is("td") || cell->Is("th")) {
        cols += std::max(1, std::atoi(std::string(cell->Attr("colspan")).c_str()));
      }
    }
    columns = std::max(columns, cols);
  }
  if (rows == 1 || columns == 1) return false;
  if (rows >= kDataTableMinRows || columns > kDataTableMaxColumns) return true;
  return rows * columns > kDataTableMinCells;
}

double TextDensity(Node* node, std::initializer_list<std::string_view> tags) {
  const std::size_t total = TextLength(node);
  if (total == 0) return 0;
  std::size_t inside = 0;
  for (Node* c : AllWithTag(node, tags, false)) inside += TextLength(c);
  return static_cast<double>(inside) / static_cast<double>(total);
}

bool IsAdOrLoadingText(const std::string& text) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "ad",         "advertising",      "advertisement",
      "pub",        "publicit\xC3\xA9", "werb",
      "werbung",    "loading",          "loading...",
      "chargement", "cargando",         "loading\xE2\x80\xA6"};
  const std::string lower = Lower(text);
  return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

bool ShouldRemove(Node* node, const Set& data_tables, const ScoringFlags& flags) {
  const bool is_list_tag = node->Is("ul") || node->Is("ol");
  const std::string text = InnerText(node);
  bool is_list = is_list_tag;
  if (!is_list && !text.empty()) {
    std::size_t list_length = 0;
    for (Node* l : AllWithTag(node, {"ul", "ol"}, false)) list_length += TextLength(l);
    is_list = static_cast<double>(list_length) / static_cast<double>(text.size()) > kListTextShare;
  }
  if (node->Is("table") && data_tables.count(node)) return false;
  for (const Node* p = node->parent; p; p = p->parent) {
    if (p->Is("table") && data_tables.count(p)) return false;
  }
  if (HasAncestorTag(node, "code")) return false;
  for (Node* t : AllWithTag(node, {"table"}, false)) {
    if (data_tables.count(t)) return false;
  }
  const int weight = flags.weight_classes ? ClassWeight(node) : 0;
  if (weight < 0) return true;
  if (static_cast<std::size_t>(std::count(text.begin(), text.end(), ',')) >= kMaxCommasToClean) {
    return false;
  }
  const auto p = static_cast<double>(AllWithTag(node, {"p"}, false).size());
  const auto img = static_cast<double>(AllWithTag(node, {"img"}, false).size());
  const auto li_total = static_cast<int>(AllWithTag(node, {"li"}, false).size());
  const double li = li_total - kListItemAllowance;
  const auto input = static_cast<double>(AllWithTag(node, {"input"}, false).size());
  const double heading_density = TextDensity(node, {"h1", "h2", "h3", "h4", "h5", "h6"});
  if (IsAdOrLoadingText(text)) return true;
  const std::size_t content_length = text.size();
  const double link_density = LinkDensity(node);
  const double text_density = TextDensity(node, {"span", "li", "td", "blockquote", "dl", "div",
                                                 "img", "ol", "p", "pre", "table", "ul"});
  const bool figure_child = HasAncestorTag(node, "figure");
  bool remove = (!figure_child && img > 1 && p / img < 0.5) || (!is_list && li > p) ||
                (input > static_cast<double>(static_cast<int>(p / 3))) ||
                (!is_list && !figure_child && heading_density < kMaxHeadingDensity &&
                 content_length < kMinContent && (img == 0 || img > 2) && link_density > 0) ||
                (!is_list && weight < kClassWeightStep && link_density > kLinkDensityLow) ||
                (weight >= kClassWeightStep && link_density > kLinkDensityHigh) ||
                (img == 0 && text_density == 0);
  if (is_list && remove) {
    for (Node* c : ElementChildren(node)) {
      if (ElementChildren(c).size() > 1) return remove;
    }
    if (static_cast<int>(img) == li_total) return false;
  }
  return remove;
}

void CleanConditionally(Node* root, std::string_view tag, const Set& data_tables,
                        const ScoringFlags& flags) {
  if (!flags.clean_conditionally) return;
  const auto nodes = AllWithTag(root, {tag}, true);
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    if (!Gone(*it) && ShouldRemove(*it, data_tables, flags)) (*it)->removed = true;
  }
}

void RemoveAll(Node* root, std::initializer_list<std::string_view> tags) {
  for (Node* n : AllWithTag(root, tags, true)) n->removed = true;
}

}  // namespace

void PrepArticle(const std::vector<Node*>& roots, const ScoringFlags& flags) {
  Set data_tables;
  for (Node* root : roots) {
    for (Node* t : AllWithTag(root, {"table"}, true)) {
      if (IsDataTable(t)) data_tables.insert(t);
    }
  }
  for (Node* root : roots) {
    CleanConditionally(root, "form", data_tables, flags);
    CleanConditionally(root, "fieldset", data_tables, flags);
    RemoveAll(root, {"object", "embed", "footer", "link", "aside", "iframe", "input", "textarea",
                     "select", "button"});
    Walk(root, [&](Node* n) {
      if (n->IsElement() && IsShareMatch(MatchString(n)) && TextLength(n) < kShareMaxChars) {
        n->removed = true;
        return false;
      }
      return true;
    });
    if (flags.weight_classes) {
      for (Node* h : AllWithTag(root, {"h1", "h2"}, true)) {
        if (ClassWeight(h) < 0) h->removed = true;
      }
    }
    CleanConditionally(root, "table", data_tables, flags);
    CleanConditionally(root, "ul", data_tables, flags);
    CleanConditionally(root, "div", data_tables, flags);
    for (Node* p : AllWithTag(root, {"p"}, true)) {
      if (Gone(p)) continue;
      if (AllWithTag(p, {"img", "embed", "object", "iframe"}, false).empty() &&
          TextLength(p) == 0) {
        p->removed = true;
      }
    }
  }
}

}  // namespace sextant::toolserver::web::internal
