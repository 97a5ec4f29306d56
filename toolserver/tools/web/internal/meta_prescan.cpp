#include "toolserver/tools/web/internal/meta_prescan.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace sextant::toolserver::web::internal {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The charset label in a <meta> content attribute, per the HTML "extracting
// a character encoding from a meta element" steps; "" when there is none.
std::string CharsetFromMetaContent(std::string_view content) {
  constexpr std::string_view kCharset = "charset";
  std::size_t pos = 0;
  while (true) {
    std::size_t found = std::string_view::npos;
    for (std::size_t i = pos; i + kCharset.size() <= content.size(); ++i) {
      bool match = true;
      for (std::size_t k = 0; k < kCharset.size() && match; ++k) {
        match = ToLower(content[i + k]) == kCharset[k];
      }
      if (match) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return "";
    std::size_t i = found + kCharset.size();
    while (i < content.size() && IsAsciiSpace(content[i])) ++i;
    if (i >= content.size() || content[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < content.size() && IsAsciiSpace(content[i])) ++i;
    if (i >= content.size()) return "";
    if (content[i] == '"' || content[i] == '\'') {
      const std::size_t close = content.find(content[i], i + 1);
      if (close == std::string_view::npos) return "";
      return std::string(content.substr(i + 1, close - i - 1));
    }
    std::size_t end = i;
    while (end < content.size() && !IsAsciiSpace(content[end]) && content[end] != ';') ++end;
    return std::string(content.substr(i, end - i));
  }
}

// A tolerant reader of the tags of an HTML prefix.
class TagScanner {
 public:
  explicit TagScanner(std::string_view html) : s_(html) {}

  // Calls on_label with each <meta> declaration's label until it returns true.
  void Scan(const MetaLabelCallback& on_label) {
    while (pos_ < s_.size()) {
      if (StartsWith("<!--")) {
        const std::size_t end = s_.find("-->", pos_ + 2);
        if (end == std::string_view::npos) return;
        pos_ = end + 3;
      } else if (StartsWithTag("<meta")) {
        pos_ += std::string_view("<meta").size();
        if (std::optional<std::string> label = ReadMeta(); label && on_label(*label)) return;
      } else if (IsTagStart()) {
        while (pos_ < s_.size() && !IsAsciiSpace(s_[pos_]) && s_[pos_] != '>') ++pos_;
        while (ReadAttribute()) {
        }
      } else if (StartsWith("<!") || StartsWith("</") || StartsWith("<?")) {
        const std::size_t end = s_.find('>', pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 1;
      } else {
        ++pos_;
      }
    }
  }

 private:
  bool StartsWith(std::string_view prefix) const {
    if (s_.size() - pos_ < prefix.size()) return false;
    for (std::size_t k = 0; k < prefix.size(); ++k) {
      if (ToLower(s_[pos_ + k]) != prefix[k]) return false;
    }
    return true;
  }

  bool StartsWithTag(std::string_view name) const {
    if (!StartsWith(name)) return false;
    const std::size_t after = pos_ + name.size();
    return after < s_.size() && (IsAsciiSpace(s_[after]) || s_[after] == '/');
  }

  bool IsTagStart() const {
    if (s_[pos_] != '<' || pos_ + 1 >= s_.size()) return false;
    std::size_t i = pos_ + 1;
    if (s_[i] == '/' && i + 1 < s_.size()) ++i;
    const char c = ToLower(s_[i]);
    return c >= 'a' && c <= 'z';
  }

  // Reads one attribute into name_ and value_; false at '>' (tag_closed_)
  // or the end of the text.
  bool ReadAttribute() {
    tag_closed_ = false;
    while (pos_ < s_.size() && (IsAsciiSpace(s_[pos_]) || s_[pos_] == '/')) ++pos_;
    if (pos_ >= s_.size()) return false;
    if (s_[pos_] == '>') {
      ++pos_;
      tag_closed_ = true;
      return false;
    }
    name_.clear();
    value_.clear();
    while (pos_ < s_.size() && !IsAsciiSpace(s_[pos_]) && s_[pos_] != '=' && s_[pos_] != '>' &&
           s_[pos_] != '/') {
      name_ += ToLower(s_[pos_++]);
    }
    while (pos_ < s_.size() && IsAsciiSpace(s_[pos_])) ++pos_;
    if (pos_ >= s_.size() || s_[pos_] != '=') return true;
    ++pos_;
    while (pos_ < s_.size() && IsAsciiSpace(s_[pos_])) ++pos_;
    if (pos_ >= s_.size()) return true;
    if (s_[pos_] == '"' || s_[pos_] == '\'') {
      const char quote = s_[pos_++];
      const std::size_t close = s_.find(quote, pos_);
      const std::size_t end = close == std::string_view::npos ? s_.size() : close;
      value_ = std::string(s_.substr(pos_, end - pos_));
      pos_ = close == std::string_view::npos ? s_.size() : close + 1;
      return true;
    }
    while (pos_ < s_.size() && !IsAsciiSpace(s_[pos_]) && s_[pos_] != '>') value_ += s_[pos_++];
    return true;
  }

  // After "<meta": its attributes, as the HTML prescan reads them (a
  // repeated attribute is ignored); the label it declares, if any.
  std::optional<std::string> ReadMeta() {
    bool got_pragma = false;
    std::optional<bool> need_pragma;
    std::string charset;
    std::vector<std::string> seen;
    while (ReadAttribute()) {
      if (std::find(seen.begin(), seen.end(), name_) != seen.end()) continue;
      seen.push_back(name_);
      if (name_ == "http-equiv") {
        std::string lower;
        for (char c : Trim(value_)) lower += ToLower(c);
        got_pragma = lower == "content-type";
      } else if (name_ == "content" && charset.empty()) {
        charset = CharsetFromMetaContent(value_);
        if (!charset.empty()) need_pragma = true;
      } else if (name_ == "charset") {
        charset = value_;
        need_pragma = false;
      }
    }
    // A tag cut off by the end of the scanned text does not count.
    if (!tag_closed_ || !need_pragma.has_value() || (*need_pragma && !got_pragma)) {
      return std::nullopt;
    }
    return charset;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string name_;
  std::string value_;
  bool tag_closed_ = false;
};

}  // namespace

void ScanMetaCharsets(std::string_view html, const MetaLabelCallback& on_label) {
  TagScanner(html).Scan(on_label);
}

}  // namespace sextant::toolserver::web::internal
