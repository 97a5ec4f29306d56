// The Brave Search API: GET {url}?q=...&count=k with the headers
// X-Subscription-Token (the key) and Accept: application/json.
//
// Documented reply fields relied on: `type` ("search"), `web.results` (an
// array) of objects with `title`, `url` and `description` (HTML: <strong>
// marks query terms, entities escaped); `web` is absent when nothing
// matched. Errors read {"type": "ErrorResponse", "error": {"status", "code",
// "detail"}}; an invalid key is HTTP 422 with code SUBSCRIPTION_TOKEN_INVALID;
// 429 (code RATE_LIMITED) comes with X-RateLimit-Reset and
// X-RateLimit-Remaining lists, one entry per window.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "toolserver/tools/web/internal/online_client.h"
#include "toolserver/tools/web/online_backends.h"

namespace sextant::toolserver::web {
namespace {

using internal::ErrorObject;
using internal::StringMember;

constexpr std::string_view kTokenInvalid = "SUBSCRIPTION_TOKEN_INVALID";

// "The provided subscription token is invalid. [SUBSCRIPTION_TOKEN_INVALID]".
std::string BraveDetail(const Json& body) {
  const Json* error = ErrorObject(body);
  if (error == nullptr) return "";
  std::string detail = StringMember(*error, "detail");
  if (const std::string code = StringMember(*error, "code"); !code.empty()) {
    detail += (detail.empty() ? "[" : " [") + code + "]";
  }
  return detail;
}

// Characters (not bytes) and blank-separated words of `query`.
std::size_t CountChars(std::string_view query) {
  std::size_t n = 0;
  for (const char c : query) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}
std::size_t CountWords(std::string_view query) {
  const std::string collapsed = internal::CollapseBlanks(query);
  return collapsed.empty()
             ? 0
             : 1 + static_cast<std::size_t>(std::count(collapsed.begin(), collapsed.end(), ' '));
}

class BraveBackend final : public SearchBackend {
 public:
  explicit BraveBackend(BraveOptions options)
      : options_(std::move(options)),
        client_("brave", options_.common, {options_.api_key}, BraveDetail) {}

  std::string_view name() const override { return "brave"; }

  Result<std::vector<SearchResult>> Search(
      std::string_view query, std::size_t k,
      std::chrono::steady_clock::time_point deadline) override {
    SEXTANT_RETURN_IF_ERROR(client_.CheckQuery(query));
    if (CountChars(query) > kBraveMaxQueryChars || CountWords(query) > kBraveMaxQueryWords) {
      return InvalidArgumentError("brave: the query is over Brave's limit of " +
                                  std::to_string(kBraveMaxQueryChars) + " characters or " +
                                  std::to_string(kBraveMaxQueryWords) + " words");
    }
    if (k == 0) return std::vector<SearchResult>();
    k = std::min(k, kBraveMaxCount);
    const HttpHeaders headers = {{"Accept", "application/json"},
                                 {"X-Subscription-Token", options_.api_key}};
    SEXTANT_ASSIGN_OR_RETURN(
        HttpReply reply,
        client_.Get(options_.url, {{"q", std::string(query)}, {"count", std::to_string(k)}},
                    headers, deadline));
    if (reply.status < 200 || reply.status > 299) return ErrorFor(reply);
    SEXTANT_ASSIGN_OR_RETURN(Json body, client_.ParseBody(reply));
    const auto web = body.find("web");
    if (web == body.end()) {
      if (StringMember(body, "type") == "search") return std::vector<SearchResult>();
      return DataLossError(
          "brave: the reply is not a web search reply (no 'web' and no "
          "\"type\": \"search\")");
    }
    const auto results = web->is_object() ? web->find("results") : web->end();
    if (!web->is_object() || results == web->end()) {
      return DataLossError("brave: the reply's 'web' has no 'results' array");
    }
    return internal::ReadResults(
        "brave", *results, {.url = "url", .title = "title", .snippet = "description", .html = true},
        k);
  }

 private:
  Status ErrorFor(const HttpReply& reply) const {
    Status status = client_.HttpError(reply);
    Result<Json> body = ParseJson(reply.body);
    const Json* error = body.ok() ? ErrorObject(*body) : nullptr;
    if (error != nullptr && StringMember(*error, "code") == kTokenInvalid) {
      return UnauthenticatedError(status.message() + " (check web.brave_api_key)");
    }
    if (status.code() == StatusCode::kUnauthenticated ||
        status.code() == StatusCode::kPermissionDenied) {
      return Status(status.code(), status.message() + " (check web.brave_api_key)");
    }
    return status;
  }

  BraveOptions options_;
  internal::OnlineClient client_;
};

}  // namespace

Result<std::unique_ptr<SearchBackend>> MakeBraveBackend(BraveOptions options) {
  SEXTANT_RETURN_IF_ERROR(
      internal::CheckOnlineOptions(options.common, options.url, "web.brave_url"));
  if (options.api_key.empty()) {
    return InvalidArgumentError(
        "brave: web.brave_api_key is empty; set it to a Brave Search API "
        "subscription token");
  }
  return std::unique_ptr<SearchBackend>(new BraveBackend(std::move(options)));
}

}  // namespace sextant::toolserver::web
