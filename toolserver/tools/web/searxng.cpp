// SearxNG's search API: GET {url}/search?q=...&format=json&pageno=1, with
// optional categories, language and safesearch (0, 1 or 2).
//
// Documented reply fields relied on: `results` (an array, ordered best
// first) of objects with `url`, `title`, `content` (plain text) and `score`
// (a number); `engine`/`engines` name the sources and are not kept. An
// instance answers 403 when `json` is missing from `search.formats` in its
// settings.yml.
#include <memory>
#include <string>
#include <utility>

#include "toolserver/tools/web/internal/online_client.h"
#include "toolserver/tools/web/online_backends.h"

namespace sextant::toolserver::web {
namespace {

constexpr long kForbidden = 403;
constexpr int kMaxSafeSearch = 2;

// SearxNG's errors are HTML pages or plain text; there is no JSON detail.
std::string NoDetail(const Json& /*body*/) { return ""; }

class SearxngBackend final : public SearchBackend {
 public:
  explicit SearxngBackend(SearxngOptions options)
      : options_(std::move(options)),
        endpoint_(options_.url + "/search"),
        client_("searxng", options_.common, {}, NoDetail) {}

  std::string_view name() const override { return "searxng"; }

  Result<std::vector<SearchResult>> Search(
      std::string_view query, std::size_t k,
      std::chrono::steady_clock::time_point deadline) override {
    SEXTANT_RETURN_IF_ERROR(client_.CheckQuery(query));
    if (k == 0) return std::vector<SearchResult>();
    internal::QueryParams params = {{"q", std::string(query)}, {"format", "json"}, {"pageno", "1"}};
    if (!options_.categories.empty()) params.emplace_back("categories", options_.categories);
    if (!options_.language.empty()) params.emplace_back("language", options_.language);
    if (options_.safesearch >= 0) {
      params.emplace_back("safesearch", std::to_string(options_.safesearch));
    }
    SEXTANT_ASSIGN_OR_RETURN(
        HttpReply reply,
        client_.Get(endpoint_, params, {{"Accept", "application/json"}}, deadline));
    if (reply.status == kForbidden) {
      return FailedPreconditionError(
          "searxng: the instance refused format=json (HTTP 403); enable it by adding json to "
          "search.formats in the instance's settings.yml, then restart it");
    }
    if (reply.status < 200 || reply.status > 299) return client_.HttpError(reply);
    SEXTANT_ASSIGN_OR_RETURN(Json body, client_.ParseBody(reply));
    const auto results = body.find("results");
    if (results == body.end()) {
      return DataLossError(
          "searxng: the reply has no 'results' array; is the URL a SearxNG "
          "instance?");
    }
    return internal::ReadResults(
        "searxng", *results,
        {.url = "url", .title = "title", .snippet = "content", .score = "score"}, k);
  }

 private:
  SearxngOptions options_;
  std::string endpoint_;
  internal::OnlineClient client_;
};

}  // namespace

Result<std::unique_ptr<SearchBackend>> MakeSearxngBackend(SearxngOptions options) {
  while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
  SEXTANT_RETURN_IF_ERROR(
      internal::CheckOnlineOptions(options.common, options.url, "web.searxng_url"));
  if (options.safesearch < -1 || options.safesearch > kMaxSafeSearch) {
    return InvalidArgumentError("searxng: safesearch must be 0, 1, 2 or -1 (the default), got " +
                                std::to_string(options.safesearch));
  }
  return std::unique_ptr<SearchBackend>(new SearxngBackend(std::move(options)));
}

}  // namespace sextant::toolserver::web
