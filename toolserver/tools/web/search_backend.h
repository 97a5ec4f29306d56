// One interface over every web search backend: the local FTS5 index (the
// default, offline) and the online services (SearxNG, Brave, Google
// Programmable Search).
//
// Ownership: the caller owns the backend. Thread safety: Search may be called
// from many threads at once. Errors (Search): invalid_argument for an empty or
// over-long query; unavailable when the service cannot be reached or answers
// 5xx; resource_exhausted when it rate-limits (the message says when to retry
// where the service said so); unauthenticated or permission_denied for a
// rejected key; data_loss for a reply that is not the service's documented
// JSON; deadline_exceeded past the deadline. A message never holds an API key.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::toolserver::web {

struct SearchResult {
  std::string title;
  std::string url;
  std::string snippet;  // plain text; query terms may be marked [like this]
  double score = 0;     // higher is better; comparable within one reply only
};

class SearchBackend {
 public:
  virtual ~SearchBackend() = default;
  // "local", "searxng", "brave" or "google".
  virtual std::string_view name() const = 0;
  // At most `k` results, best first.
  [[nodiscard]] virtual Result<std::vector<SearchResult>> Search(
      std::string_view query, std::size_t k, std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace sextant::toolserver::web
