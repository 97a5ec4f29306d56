#include "toolserver/tools/web/internal/metadata.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <sstream>
#include <string_view>

#include "common/json.h"
#include "toolserver/tools/web/internal/patterns.h"

namespace sextant::toolserver::web::internal {
namespace {

// Titles outside this length range are replaced by the page's only <h1>.
constexpr std::size_t kMinPlainTitle = 15;
constexpr std::size_t kMaxPlainTitle = 150;
// A cleaned title with this many words or fewer is suspicious.
constexpr std::size_t kShortTitleWords = 4;
constexpr std::size_t kMinTitleWords = 3;
constexpr std::size_t kMaxPrefixWords = 5;
// JSON-LD name or headline counts as the title when this similar to it.
constexpr double kTitleSimilarity = 0.75;

constexpr std::string_view kSeparators = "|-\\/>";  // plus », – and —

std::size_t WordCount(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

// Whether text[i..] is a separator character (ASCII or "»"); sets its length.
bool SeparatorAt(std::string_view text, std::size_t i, std::size_t& len) {
  if (text.compare(i, 2, "\xC2\xBB") == 0) {
    len = 2;
    return true;
  }
  if (text.compare(i, 3, "\xE2\x80\x93") == 0 || text.compare(i, 3, "\xE2\x80\x94") == 0) {
    len = 3;  // en dash, em dash
    return true;
  }
  len = 1;
  return kSeparators.find(text[i]) != std::string_view::npos;
}

// Positions of " X " separators in `title`: (start of X, length of X).
std::vector<std::pair<std::size_t, std::size_t>> SpacedSeparators(std::string_view title) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t i = 1; i + 1 < title.size(); ++i) {
    std::size_t len = 0;
    if (title[i - 1] == ' ' && SeparatorAt(title, i, len) && i + len < title.size() &&
        title[i + len] == ' ') {
      out.emplace_back(i, len);
    }
  }
  return out;
}

std::string Trim(std::string_view s) { return CollapseWhitespace(s); }

const Node* FindFirst(Node* root, std::string_view tag) {
  const Node* found = nullptr;
  Walk(root, [&](Node* n) {
    if (found) return false;
    if (n->Is(tag)) found = n;
    return !found;
  });
  return found;
}

// The meta values keyed as readability keys them ("og:title", "author", ...).
std::map<std::string, std::string> MetaValues(const Document& doc) {
  static constexpr std::array<std::string_view, 5> kPrefixes = {"article", "dc", "dcterm", "og",
                                                                "twitter"};
  static constexpr std::array<std::string_view, 6> kProps = {
      "author", "creator", "description", "published_time", "title", "site_name"};
  static constexpr std::array<std::string_view, 7> kNamePrefixes = {
      "dc", "dcterm", "og", "twitter", "parsely", "weibo:article", "weibo:webpage"};
  static constexpr std::array<std::string_view, 6> kNames = {"author",      "creator", "pub-date",
                                                             "description", "title",   "site_name"};
  std::map<std::string, std::string> values;
  Walk(doc.root(), [&](Node* n) {
    if (!n->Is("meta")) return true;
    const std::string content = Trim(n->Attr("content"));
    if (content.empty()) return true;
    std::istringstream props{Lower(n->Attr("property"))};
    bool matched = false;
    for (std::string p; props >> p;) {
      const auto colon = p.find(':');
      if (colon == std::string::npos) continue;
      const std::string prefix = p.substr(0, colon);
      const std::string prop = p.substr(colon + 1);
      if (std::find(kPrefixes.begin(), kPrefixes.end(), prefix) != kPrefixes.end() &&
          std::find(kProps.begin(), kProps.end(), prop) != kProps.end()) {
        values[p] = content;
        matched = true;
      }
    }
    std::string name = Lower(n->Attr("name"));
    if (matched || name.empty()) return true;
    name.erase(std::remove_if(name.begin(), name.end(),
                              [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
               name.end());
    std::replace(name.begin(), name.end(), '.', ':');
    std::replace(name.begin(), name.end(), '-', ':');
    if (name == "pub:date") name = "pub-date";
    std::string key = name;
    for (std::string_view prefix : kNamePrefixes) {
      if (name.size() > prefix.size() + 1 && name.compare(0, prefix.size(), prefix) == 0 &&
          name[prefix.size()] == ':') {
        key = name;
        name = name.substr(prefix.size() + 1);
        break;
      }
    }
    if (std::find(kNames.begin(), kNames.end(), name) != kNames.end()) values[key] = content;
    return true;
  });
  return values;
}

std::string First(const std::map<std::string, std::string>& values,
                  std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    auto it = values.find(std::string(k));
    if (it != values.end() && !it->second.empty()) return it->second;
  }
  return {};
}

std::string JsonText(const Json& j) { return j.is_string() ? Trim(j.get<std::string>()) : ""; }

bool IsArticleType(const Json& j) {
  if (!j.is_object() || !j.contains("@type") || !j["@type"].is_string()) return false;
  const std::string type = j["@type"].get<std::string>();
  return type.find("Article") != std::string::npos || type == "Report" ||
         type.find("Posting") != std::string::npos || type == "APIReference";
}

// Applies one parsed JSON-LD value; false when it is not a schema.org article.
bool ReadJsonLdValue(const Document& doc, Json j, PageMetadata& meta) {
  if (j.is_array()) {
    auto it = std::find_if(j.begin(), j.end(), IsArticleType);
    if (it == j.end()) return false;
    j = *it;
  }
  if (!j.is_object()) return false;
  const std::string context = j.contains("@context") ? JsonText(j["@context"]) : "";
  if (context != "http://schema.org" && context != "https://schema.org" &&
      context != "http://schema.org/" && context != "https://schema.org/") {
    return false;
  }
  if (!j.contains("@type") && j.contains("@graph") && j["@graph"].is_array()) {
    auto it = std::find_if(j["@graph"].begin(), j["@graph"].end(), IsArticleType);
    if (it == j["@graph"].end()) return false;
    j = Json(*it);
  }
  if (!IsArticleType(j)) return false;
  const bool has_name = j.contains("name") && j["name"].is_string();
  const bool has_headline = j.contains("headline") && j["headline"].is_string();
  const std::string name = has_name ? JsonText(j["name"]) : "";
  const std::string headline = has_headline ? JsonText(j["headline"]) : "";
  if (has_name && has_headline && name != headline) {
    const std::string title = CleanTitle(doc);
    const bool name_matches = TextSimilarity(name, title) > kTitleSimilarity;
    const bool headline_matches = TextSimilarity(headline, title) > kTitleSimilarity;
    meta.title = headline_matches && !name_matches ? headline : name;
  } else {
    meta.title = has_name ? name : headline;
  }
  if (j.contains("author")) {
    const Json& a = j["author"];
    if (a.is_object() && a.contains("name")) {
      meta.byline = JsonText(a["name"]);
    } else if (a.is_array()) {
      for (const Json& e : a) {
        if (!e.is_object() || !e.contains("name")) continue;
        if (!meta.byline.empty()) meta.byline += ", ";
        meta.byline += JsonText(e["name"]);
      }
    }
  }
  if (j.contains("description")) meta.excerpt = JsonText(j["description"]);
  if (j.contains("publisher") && j["publisher"].is_object() && j["publisher"].contains("name")) {
    meta.site_name = JsonText(j["publisher"]["name"]);
  }
  return true;
}

// Title, byline, excerpt and site name from the first schema.org article in
// the page's JSON-LD scripts.
PageMetadata ReadJsonLd(const Document& doc) {
  PageMetadata meta;
  bool done = false;
  Walk(doc.root(), [&](Node* n) {
    if (done) return false;
    if (!n->Is("script") || n->Attr("type") != "application/ld+json") return true;
    std::string content = InnerText(n, false);
    const std::size_t open = content.find("<![CDATA[");
    if (open != std::string::npos && content.find_first_not_of(" \t\r\n") == open) {
      content.erase(0, open + 9);
      const std::size_t close = content.rfind("]]>");
      if (close != std::string::npos) content.erase(close);
    }
    auto parsed = ParseJson(content);
    done = parsed.ok() && ReadJsonLdValue(doc, *parsed, meta);
    return false;
  });
  return meta;
}

}  // namespace

std::string CleanTitle(const Document& doc) {
  const Node* title_node = doc.head() ? FindFirst(doc.head(), "title") : nullptr;
  if (!title_node) title_node = FindFirst(doc.root(), "title");
  const std::string orig = title_node ? Trim(InnerText(const_cast<Node*>(title_node))) : "";
  const std::string_view orig_view = orig;
  std::string cur = orig;
  bool hierarchical = false;
  const auto seps = SpacedSeparators(orig);
  if (!seps.empty()) {
    for (const auto& [pos, len] : seps) {
      const std::string_view s = orig_view.substr(pos, len);
      hierarchical = hierarchical || s == "\\" || s == "/" || s == ">" || s == "\xC2\xBB";
    }
    cur = Trim(orig_view.substr(0, seps.back().first - 1));
    if (WordCount(cur) < kMinTitleWords) {
      // Drop the first part instead: everything up to the first separator char.
      for (std::size_t i = 0; i < orig.size(); ++i) {
        std::size_t len = 0;
        if (SeparatorAt(orig, i, len)) {
          cur = Trim(orig_view.substr(i + len));
          break;
        }
      }
    }
  } else if (orig.find(": ") != std::string::npos) {
    bool matches_heading = false;
    Walk(doc.root(), [&](Node* n) {
      if ((n->Is("h1") || n->Is("h2")) && Trim(InnerText(n)) == orig) matches_heading = true;
      return !matches_heading;
    });
    if (!matches_heading) {
      cur = Trim(orig.substr(orig.rfind(':') + 1));
      if (WordCount(cur) < kMinTitleWords) {
        cur = Trim(orig.substr(orig.find(':') + 1));
      } else if (WordCount(orig.substr(0, orig.find(':'))) > kMaxPrefixWords) {
        cur = orig;
      }
    }
  } else if (orig.size() > kMaxPlainTitle || orig.size() < kMinPlainTitle) {
    std::vector<Node*> h1s;
    Walk(doc.root(), [&](Node* n) {
      if (n->Is("h1")) h1s.push_back(n);
      return true;
    });
    if (h1s.size() == 1) cur = Trim(InnerText(h1s[0]));
  }
  cur = Trim(cur);
  const std::size_t words = WordCount(cur);
  std::string orig_without_seps;
  for (std::size_t i = 0; i < orig.size(); ++i) {
    std::size_t len = 0;
    if (SeparatorAt(orig, i, len)) {
      i += len - 1;
    } else {
      orig_without_seps += orig[i];
    }
  }
  if (words <= kShortTitleWords && (!hierarchical || words != WordCount(orig_without_seps) - 1)) {
    cur = orig;
  }
  return cur;
}

PageMetadata ReadMetadata(const Document& doc) {
  PageMetadata meta = ReadJsonLd(doc);
  const auto values = MetaValues(doc);
  if (meta.title.empty()) {
    meta.title = First(values, {"dc:title", "dcterm:title", "og:title", "weibo:article:title",
                                "weibo:webpage:title", "title", "twitter:title", "parsely:title"});
  }
  if (meta.title.empty()) meta.title = CleanTitle(doc);
  if (meta.byline.empty()) {
    meta.byline = First(values, {"dc:creator", "dcterm:creator", "author", "parsely:author"});
  }
  if (meta.excerpt.empty()) {
    meta.excerpt = First(values, {"dc:description", "dcterm:description", "og:description",
                                  "weibo:article:description", "weibo:webpage:description",
                                  "description", "twitter:description"});
  }
  if (meta.site_name.empty()) meta.site_name = First(values, {"og:site_name"});
  if (doc.html()) meta.lang = Trim(doc.html()->Attr("lang"));
  meta.title = Trim(meta.title);
  return meta;
}

}  // namespace sextant::toolserver::web::internal
