// RFC 3986 reference resolution for link targets.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "toolserver/tools/web/extract.h"

namespace sextant::toolserver::web {
namespace {

// The length of the scheme of `url` ("https" in "https://x"), or 0 for none.
std::size_t SchemeLength(std::string_view url) {
  if (url.empty() || !std::isalpha(static_cast<unsigned char>(url[0]))) return 0;
  for (std::size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return i;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> out;
  const bool absolute = !path.empty() && path[0] == '/';
  std::size_t i = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (i <= path.size()) {
    std::size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view seg = path.substr(i, slash - i);
    trailing_slash = false;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      out.push_back(seg);
    }
    i = slash + 1;
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (k > 0) result += '/';
    result += out[k];
  }
  if (trailing_slash && !out.empty()) result += '/';
  return result;
}

}  // namespace

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  if (SchemeLength(ref) > 0) return std::string(ref);
  const std::size_t scheme_len = SchemeLength(base);
  if (scheme_len == 0) return std::string(ref);
  const std::string_view scheme = base.substr(0, scheme_len);
  std::string_view rest = base.substr(scheme_len + 1);
  std::string_view authority;
  if (rest.substr(0, 2) == "//") {
    const std::size_t end = rest.find_first_of("/?#", 2);
    authority = rest.substr(0, end == std::string_view::npos ? rest.size() : end);
    rest = rest.substr(authority.size());
  }
  const std::size_t frag = rest.find('#');
  const std::string_view no_frag = rest.substr(0, frag);
  const std::size_t q = no_frag.find('?');
  const std::string_view base_path = no_frag.substr(0, q);
  const std::string prefix = std::string(scheme) + ":" + std::string(authority);

  if (ref.substr(0, 2) == "//") return std::string(scheme) + ":" + std::string(ref);
  if (ref.empty()) return prefix + std::string(no_frag);
  if (ref[0] == '#') return prefix + std::string(no_frag) + std::string(ref);
  if (ref[0] == '?') return prefix + std::string(base_path) + std::string(ref);
  const std::size_t suffix_at = ref.find_first_of("?#");
  const std::string_view ref_path = ref.substr(0, suffix_at);
  const std::string_view suffix =
      suffix_at == std::string_view::npos ? std::string_view() : ref.substr(suffix_at);
  std::string merged;
  if (ref_path[0] == '/') {
    merged = std::string(ref_path);
  } else if (!authority.empty() && base_path.empty()) {
    merged = "/" + std::string(ref_path);
  } else {
    const std::size_t slash = base_path.rfind('/');
    merged = std::string(base_path.substr(0, slash == std::string_view::npos ? 0 : slash + 1)) +
             std::string(ref_path);
  }
  return prefix + RemoveDotSegments(merged) + std::string(suffix);
}

}  // namespace sextant::toolserver::web
