// The plumbing every online search backend shares: request pacing, the one
// retry on HTTP 429, error statuses that never hold a secret, and reading a
// service's JSON reply into SearchResults.
//
// Ownership: an OnlineClient owns its HttpClient. Thread safety: every method
// may be called from many threads at once; pacing is shared between them.
// Errors: as listed per method; every message starts with the service name
// and has the client's secrets replaced by ***.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
#include "common/json.h"
#include "common/status.h"
#include "toolserver/tools/web/internal/online_text.h"
#include "toolserver/tools/web/online_backends.h"
#include "toolserver/tools/web/search_backend.h"

namespace sextant::toolserver::web::internal {

using SteadyTime = std::chrono::steady_clock::time_point;

// Checks the options and the service URL shared by every backend:
// invalid_argument naming `url_key` (a config key) for an empty URL, one
// that is not http(s), or one with a query, fragment or blank.
Status CheckOnlineOptions(const OnlineSearchOptions& options, std::string_view url,
                          std::string_view url_key);

// The object under `error` of an error reply, or null (Brave and Google
// both wrap their errors so).
const Json* ErrorObject(const Json& body);

// The string member `key` of `object`, or "" when absent or not a string.
std::string StringMember(const Json& object, std::string_view key);

// How one service's JSON result entries are named.
struct ResultFields {
  std::string_view url = {};
  std::string_view title = {};
  std::string_view snippet = {};
  std::string_view score = {};  // empty: scores follow the rank
  bool html = false;            // title and snippet hold HTML markup
};

// Reads at most `k` results from `list` (see online_backends.h for which
// entries are skipped). A result's score is its `score` field when every
// kept result has a numeric one, else 1 / (1 + rank). data_loss when `list`
// is not an array, or is a non-empty one without a readable result.
Result<std::vector<SearchResult>> ReadResults(std::string_view service, const Json& list,
                                              const ResultFields& fields, std::size_t k);

class OnlineClient {
 public:
  // What a service's JSON error body says, in a line ("" when nothing).
  using ErrorDetail = std::function<std::string(const Json& body)>;

  // `service` names the backend in messages; `secrets` are scrubbed from
  // every message (and added to the process-wide redaction list).
  OnlineClient(std::string service, const OnlineSearchOptions& options,
               std::vector<std::string> secrets, ErrorDetail error_detail);

  const std::string& service() const { return service_; }

  // invalid_argument for a query that is blank or over max_query_bytes.
  Status CheckQuery(std::string_view query) const;

  // GETs `url`?`params` once the pacing interval allows, within `deadline`.
  // Returns the reply of any status but 429. On 429 it waits and retries
  // once where the reply says when and the wait fits max_retry_wait_ms and
  // the deadline; otherwise resource_exhausted saying when to retry. Also:
  // resource_exhausted when the pacing wait ends past the deadline;
  // deadline_exceeded when no time is left; a transport failure keeps its
  // code, its message rebuilt around `url` without the query.
  Result<HttpReply> Get(const std::string& url, const QueryParams& params,
                        const HttpHeaders& headers, SteadyTime deadline);

  // The JSON object of a 2xx reply: data_loss for an empty body, an HTML
  // page, text that is not JSON, or JSON that is not an object.
  Result<Json> ParseBody(const HttpReply& reply) const;

  // The Status for a non-2xx reply with the service's detail: 5xx
  // unavailable, 400 and 422 invalid_argument, 401 unauthenticated, 403
  // permission_denied, 408 deadline_exceeded, 413 and 429
  // resource_exhausted, other statuses failed_precondition.
  Status HttpError(const HttpReply& reply) const;

  // What the reply's body says: the service's JSON detail, else its text
  // shortened (HTML tags dropped).
  std::string Detail(const HttpReply& reply) const;

  // `status` with every secret (raw or percent-encoded) replaced by ***.
  Status Scrub(const Status& status) const;

 private:
  Status WaitForTurn(SteadyTime deadline);
  void HoldUntil(SteadyTime until);
  std::optional<std::chrono::milliseconds> RetryWait(const HttpReply& reply) const;
  Status RateLimited(const HttpReply& reply, std::optional<std::chrono::milliseconds> wait,
                     bool retried) const;
  Status TransportError(const Status& status, std::string_view url) const;

  std::string service_;
  OnlineSearchOptions options_;
  std::vector<std::string> secrets_;
  ErrorDetail error_detail_;
  HttpClient client_;

  std::mutex mu_;
  SteadyTime next_start_{};  // guarded by mu_
};

}  // namespace sextant::toolserver::web::internal
