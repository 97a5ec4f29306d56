#include "toolserver/tools/web/quality.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "common/json.h"
#include "toolserver/tools/web/internal/dom.h"

namespace sextant::toolserver::web {
namespace {

// readability's tests resolve links against this URL.
constexpr std::string_view kFakeHostBase = "http://fakehost/test/";
// No HTML nesting in the reference pages comes close to this.
constexpr int kReferenceMaxDepth = 100000;

bool IsPunctuationCodePoint(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0xFEFF;
}

Result<std::string> ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<std::string> WordTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        cur += static_cast<char>(std::tolower(c));
      } else {
        flush();
      }
      ++i;
      continue;
    }
    std::size_t len = 1;
    char32_t cp = 0xFFFD;
    if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      len = 2;
      cp = ((c & 0x1F) << 6) | (text[i + 1] & 0x3F);
    } else if ((c & 0xF0) == 0xE0 && i + 2 < text.size()) {
      len = 3;
      cp = ((c & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
    } else if ((c & 0xF8) == 0xF0 && i + 3 < text.size()) {
      len = 4;
      cp = 0x10000;
    }
    if (IsPunctuationCodePoint(cp)) {
      flush();
    } else {
      cur.append(text.substr(i, len));
    }
    i += len;
  }
  flush();
  return out;
}

double TokenF1(const std::vector<std::string>& ours, const std::vector<std::string>& reference) {
  if (ours.empty() && reference.empty()) return 1;
  if (ours.empty() || reference.empty()) return 0;
  std::unordered_map<std::string, long> counts;
  for (const auto& t : reference) ++counts[t];
  long common = 0;
  for (const auto& t : ours) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0;
  const double precision = static_cast<double>(common) / static_cast<double>(ours.size());
  const double recall = static_cast<double>(common) / static_cast<double>(reference.size());
  return 2 * precision * recall / (precision + recall);
}

std::string AllText(std::string_view html) {
  internal::Document doc(html, kReferenceMaxDepth);
  return internal::InnerText(doc.root(), false);
}

std::string NormalizeSpace(std::string_view text) { return internal::CollapseWhitespace(text); }

Result<std::vector<PageQuality>> MeasureReadabilityPages(const std::filesystem::path& dir,
                                                         const ExtractOptions& options) {
  std::error_code ec;
  std::vector<std::filesystem::path> pages;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (std::filesystem::exists(entry.path() / "source.html")) pages.push_back(entry.path());
  }
  if (ec) return NotFoundError("cannot list " + dir.string() + ": " + ec.message());
  if (pages.empty()) return NotFoundError("no test pages under " + dir.string());
  std::sort(pages.begin(), pages.end());
  ExtractOptions opts = options;
  opts.base_url = std::string(kFakeHostBase);
  opts.number_links = false;
  std::vector<PageQuality> out;
  for (const auto& page : pages) {
    SEXTANT_ASSIGN_OR_RETURN(const std::string source, ReadWhole(page / "source.html"));
    SEXTANT_ASSIGN_OR_RETURN(const std::string expected, ReadWhole(page / "expected.html"));
    SEXTANT_ASSIGN_OR_RETURN(const std::string meta_text,
                             ReadWhole(page / "expected-metadata.json"));
    SEXTANT_ASSIGN_OR_RETURN(const Json meta, ParseJson(meta_text));
    SEXTANT_ASSIGN_OR_RETURN(const ExtractedPage extracted, ExtractPage(source, opts));
    PageQuality q;
    q.name = page.filename().string();
    q.bytes = source.size();
    q.f1 = TokenF1(WordTokens(extracted.text), WordTokens(AllText(expected)));
    q.title = NormalizeSpace(extracted.title);
    if (meta.contains("title") && meta["title"].is_string()) {
      q.expected_title = NormalizeSpace(meta["title"].get<std::string>());
    }
    q.title_match = q.title == q.expected_title;
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace sextant::toolserver::web
