// Google Programmable Search, the Custom Search JSON API:
// GET {url}?key=KEY&cx=CX&q=...&num=n[&start=s], num 1 to 10; more than 10
// results take further pages with start = 11, 21, ... while start + num
// stays at most 100.
//
// Documented reply fields relied on: `kind` ("customsearch#search"),
// `queries` (with `nextPage` when more results exist) and `items` (absent
// when nothing matched) of objects with `title`, `link` and `snippet`, all
// plain text. Errors read {"error": {"code", "message", "status",
// "errors": [{"reason"}], "details": [{"reason"}]}}; quota errors come as 429
// RESOURCE_EXHAUSTED or 403 with reason dailyLimitExceeded or
// rateLimitExceeded; a bad key as 400 with reason API_KEY_INVALID or
// keyInvalid.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "toolserver/tools/web/internal/online_client.h"
#include "toolserver/tools/web/online_backends.h"

namespace sextant::toolserver::web {
namespace {

using internal::ErrorObject;
using internal::StringMember;

constexpr long kForbidden = 403;

// The `reason` of every entry of error.errors and error.details.
std::vector<std::string> Reasons(const Json& error) {
  std::vector<std::string> out;
  for (const std::string_view list : {"errors", "details"}) {
    const auto it = error.find(list);
    if (it == error.end() || !it->is_array()) continue;
    for (const Json& entry : *it) {
      if (!entry.is_object()) continue;
      if (std::string reason = StringMember(entry, "reason"); !reason.empty()) {
        out.push_back(std::move(reason));
      }
    }
  }
  return out;
}

bool HasReason(const std::vector<std::string>& reasons,
               std::initializer_list<std::string_view> any) {
  return std::any_of(reasons.begin(), reasons.end(), [&](const std::string& r) {
    return std::find(any.begin(), any.end(), r) != any.end();
  });
}

// "Quota exceeded for quota metric 'Queries' ... [RESOURCE_EXHAUSTED]".
std::string GoogleDetail(const Json& body) {
  const Json* error = ErrorObject(body);
  if (error == nullptr) return "";
  std::string detail = StringMember(*error, "message");
  if (const std::string status = StringMember(*error, "status"); !status.empty()) {
    detail += (detail.empty() ? "[" : " [") + status + "]";
  }
  return detail;
}

class GoogleBackend final : public SearchBackend {
 public:
  explicit GoogleBackend(GoogleOptions options)
      : options_(std::move(options)),
        client_("google", options_.common, {options_.api_key}, GoogleDetail) {}

  std::string_view name() const override { return "google"; }

  Result<std::vector<SearchResult>> Search(
      std::string_view query, std::size_t k,
      std::chrono::steady_clock::time_point deadline) override {
    SEXTANT_RETURN_IF_ERROR(client_.CheckQuery(query));
    std::vector<SearchResult> out;
    std::set<std::string> seen;
    for (std::size_t start = 1; out.size() < k;) {
      const std::size_t num =
          std::min({kGoogleMaxNum, k - out.size(), kGoogleMaxStartPlusNum - start});
      if (num == 0) break;
      bool more = false;
      SEXTANT_RETURN_IF_ERROR(FetchPage(query, start, num, deadline, out, seen, more));
      if (!more) break;
      start += num;
    }
    for (std::size_t i = 0; i < out.size(); ++i) out[i].score = 1.0 / static_cast<double>(i + 1);
    return out;
  }

 private:
  // Appends the page's results not seen before; `more` tells whether the
  // page was full and the reply names a next page.
  Status FetchPage(std::string_view query, std::size_t start, std::size_t num,
                   internal::SteadyTime deadline, std::vector<SearchResult>& out,
                   std::set<std::string>& seen, bool& more) {
    internal::QueryParams params = {{"key", options_.api_key},
                                    {"cx", options_.cx},
                                    {"q", std::string(query)},
                                    {"num", std::to_string(num)}};
    if (start > 1) params.emplace_back("start", std::to_string(start));
    SEXTANT_ASSIGN_OR_RETURN(
        HttpReply reply,
        client_.Get(options_.url, params, {{"Accept", "application/json"}}, deadline));
    if (reply.status < 200 || reply.status > 299) return ErrorFor(reply);
    SEXTANT_ASSIGN_OR_RETURN(Json body, client_.ParseBody(reply));
    if (!StringMember(body, "kind").starts_with("customsearch#") && !body.contains("queries")) {
      return DataLossError(
          "google: the reply is not a Custom Search reply (no 'kind' or "
          "'queries')");
    }
    const auto items = body.find("items");
    if (items == body.end()) return Status::Ok();  // no results
    SEXTANT_ASSIGN_OR_RETURN(
        std::vector<SearchResult> page,
        internal::ReadResults("google", *items,
                              {.url = "link", .title = "title", .snippet = "snippet"}, num));
    for (SearchResult& result : page) {
      if (seen.insert(result.url).second) out.push_back(std::move(result));
    }
    const auto queries = body.find("queries");
    more = items->size() >= num && queries != body.end() && queries->is_object() &&
           queries->contains("nextPage");
    return Status::Ok();
  }

  Status ErrorFor(const HttpReply& reply) const {
    Status status = client_.HttpError(reply);
    Result<Json> body = ParseJson(reply.body);
    const Json* error = body.ok() ? ErrorObject(*body) : nullptr;
    const std::vector<std::string> reasons = error ? Reasons(*error) : std::vector<std::string>();
    const std::string google_status = error ? StringMember(*error, "status") : std::string();
    if (google_status == "RESOURCE_EXHAUSTED" ||
        HasReason(reasons, {"dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded",
                            "quotaExceeded"})) {
      return ResourceExhaustedError(status.message());
    }
    if (HasReason(reasons, {"API_KEY_INVALID", "keyInvalid", "keyExpired", "API_KEY_EXPIRED"}) ||
        status.code() == StatusCode::kUnauthenticated) {
      return UnauthenticatedError(status.message() + " (check web.google_api_key)");
    }
    if (reply.status == kForbidden) {
      return PermissionDeniedError(status.message() +
                                   " (check that the key may use the Custom Search JSON API)");
    }
    return status;
  }

  GoogleOptions options_;
  internal::OnlineClient client_;
};

}  // namespace

Result<std::unique_ptr<SearchBackend>> MakeGoogleBackend(GoogleOptions options) {
  SEXTANT_RETURN_IF_ERROR(
      internal::CheckOnlineOptions(options.common, options.url, "web.google_url"));
  if (options.api_key.empty()) {
    return InvalidArgumentError(
        "google: web.google_api_key is empty; set it to a Google Cloud API "
        "key with the Custom Search JSON API enabled");
  }
  if (options.cx.empty()) {
    return InvalidArgumentError(
        "google: web.google_cx is empty; set it to the Programmable "
        "Search Engine ID");
  }
  return std::unique_ptr<SearchBackend>(new GoogleBackend(std::move(options)));
}

}  // namespace sextant::toolserver::web
