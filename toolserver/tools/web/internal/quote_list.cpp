#include "toolserver/tools/web/internal/quote_list.h"

#include <algorithm>
#include <cstddef>
#include <tuple>
#include <utility>

namespace sextant::toolserver::web::internal {

void MergeQuotes(std::vector<Quote>& quotes) {
  std::vector<std::size_t> order(quotes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Quote& x = quotes[a];
    const Quote& y = quotes[b];
    return std::tie(x.url, x.page_hash, x.begin) < std::tie(y.url, y.page_hash, y.begin);
  });
  std::vector<std::pair<std::size_t, Quote>> merged;  // (first member's index, quote)
  for (std::size_t i : order) {
    const Quote& q = quotes[i];
    if (!merged.empty()) {
      auto& [first, m] = merged.back();
      if (m.url == q.url && m.page_hash == q.page_hash && q.begin <= m.end + m.space_after.size()) {
        if (q.end > m.end) {
          m.text += q.begin <= m.end ? q.text.substr(m.end - q.begin) : m.space_after + q.text;
          m.end = q.end;
          m.space_after = q.space_after;
        }
        first = std::min(first, i);
        continue;
      }
    }
    merged.emplace_back(i, q);
  }
  std::sort(merged.begin(), merged.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Quote> out;
  for (auto& entry : merged) {
    Quote& q = entry.second;
    const bool repeated = std::any_of(
        out.begin(), out.end(), [&](const Quote& o) { return o.url == q.url && o.text == q.text; });
    if (!repeated) out.push_back(std::move(q));
  }
  quotes = std::move(out);
}

std::string WithoutLinkMarkers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '[') {
      std::size_t j = i + 1;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      if (j > i + 1 && j + 1 < text.size() && text[j] == ']' && text[j + 1] == ' ') {
        i = j + 2;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

Citations CiteQuotes(const std::vector<Quote>& quotes) {
  Citations out{"", Json::array(), Json::array()};
  std::vector<const Quote*> sources;  // first quote of each URL, in order
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const Quote& q = quotes[i];
    auto it = std::find_if(sources.begin(), sources.end(),
                           [&](const Quote* s) { return s->url == q.url; });
    if (it == sources.end()) {
      sources.push_back(&q);
      it = sources.end() - 1;
    }
    const auto n = static_cast<std::size_t>(it - sources.begin()) + 1;
    const std::string text = WithoutLinkMarkers(q.text);
    out.text += std::to_string(i + 1) + ". \"" + text + "\" [" + std::to_string(n) + "]\n";
    out.quotes.push_back({{"text", text}, {"url", q.url}, {"title", q.title}, {"source", n}});
  }
  out.text += "\nSources:\n";
  for (std::size_t n = 1; n <= sources.size(); ++n) {
    const Quote& s = *sources[n - 1];
    out.text += "[" + std::to_string(n) + "] " + s.url + " — " + s.title + "\n";
    out.sources.push_back({{"n", n}, {"url", s.url}, {"title", s.title}});
  }
  return out;
}

}  // namespace sextant::toolserver::web::internal
