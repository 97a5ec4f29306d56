#include "toolserver/tools/web/internal/online_client.h"

#include <algorithm>
#include <cctype>
#include <thread>
#include <utility>

#include "common/redact.h"

namespace sextant::toolserver::web::internal {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr long kTooManyRequests = 429;
constexpr std::size_t kMaxDetailBytes = 300;
constexpr int kMaxJsonDepth = 64;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsHttpUrl(std::string_view url) {
  return StartsWith(url, "http://") || StartsWith(url, "https://");
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "application/json" from "Application/JSON; charset=utf-8".
std::string MediaType(const HttpReply& reply) {
  const std::string type = reply.Header("content-type");
  return CollapseBlanks(Lower(type.substr(0, type.find(';'))));
}

std::string_view TrimLeft(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  return text;
}

// One text field of a result: "" when absent or null; nullopt when it has
// another type.
std::optional<std::string> TextField(const Json& item, std::string_view key, bool html) {
  const auto it = item.find(key);
  if (it == item.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  return html ? HtmlFragmentToText(text) : CollapseBlanks(text);
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

}  // namespace

Status CheckOnlineOptions(const OnlineSearchOptions& options, std::string_view url,
                          std::string_view url_key) {
  const std::string key(url_key);
  if (url.empty()) return InvalidArgumentError(key + " is empty; set the service's URL");
  if (!IsHttpUrl(url) || url.find_first_of("?# \t\r\n") != std::string_view::npos) {
    return InvalidArgumentError(key + " must be an http:// or https:// URL without a query, got '" +
                                RedactText(ShortText(url, kMaxDetailBytes)) + "'");
  }
  if (options.connect_timeout_ms <= 0 || options.timeout_ms <= 0) {
    return InvalidArgumentError("search timeouts must be positive");
  }
  if (options.max_response_bytes == 0 || options.max_query_bytes == 0) {
    return InvalidArgumentError("search max_response_bytes and max_query_bytes must be positive");
  }
  if (options.min_interval_ms < 0 || options.max_retry_wait_ms < 0) {
    return InvalidArgumentError("search min_interval_ms and max_retry_wait_ms must be >= 0");
  }
  return Status::Ok();
}

const Json* ErrorObject(const Json& body) {
  if (!body.is_object()) return nullptr;
  const auto error = body.find("error");
  return error != body.end() && error->is_object() ? &*error : nullptr;
}

std::string StringMember(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::vector<SearchResult>> ReadResults(std::string_view service, const Json& list,
                                              const ResultFields& fields, std::size_t k) {
  if (!list.is_array()) {
    return DataLossError(std::string(service) + ": the result list is not a JSON array");
  }
  std::vector<SearchResult> out;
  std::vector<std::optional<double>> scores;
  for (const Json& item : list) {
    if (out.size() >= k) break;
    if (!item.is_object()) continue;
    const auto url = item.find(fields.url);
    if (url == item.end() || !url->is_string() || !IsHttpUrl(url->get_ref<const std::string&>())) {
      continue;
    }
    std::optional<std::string> title = TextField(item, fields.title, fields.html);
    std::optional<std::string> snippet = TextField(item, fields.snippet, fields.html);
    if (!title || !snippet) continue;
    SearchResult result;
    result.url = url->get<std::string>();
    result.title = std::move(*title);
    result.snippet = std::move(*snippet);
    out.push_back(std::move(result));
    const auto score = fields.score.empty() ? item.end() : item.find(fields.score);
    scores.push_back(score != item.end() && score->is_number() ? std::optional(score->get<double>())
                                                               : std::nullopt);
  }
  if (out.empty() && !list.empty()) {
    return DataLossError(std::string(service) + ": none of the " + std::to_string(list.size()) +
                         " results in the reply could be read (each needs an http(s) '" +
                         std::string(fields.url) + "' and text fields)");
  }
  const bool scored =
      std::all_of(scores.begin(), scores.end(), [](auto s) { return s.has_value(); });
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].score = scored ? *scores[i] : 1.0 / static_cast<double>(i + 1);
  }
  return out;
}

OnlineClient::OnlineClient(std::string service, const OnlineSearchOptions& options,
                           std::vector<std::string> secrets, ErrorDetail error_detail)
    : service_(std::move(service)),
      options_(options),
      secrets_(std::move(secrets)),
      error_detail_(std::move(error_detail)),
      client_([&options] {
        HttpClientOptions http;
        http.connect_timeout_ms = options.connect_timeout_ms;
        http.timeout_ms = options.timeout_ms;
        http.idle_timeout_ms = 0;  // each call's timeout_ms bounds it
        http.max_response_bytes = options.max_response_bytes;
        http.user_agent = options.user_agent;
        http.proxy = options.proxy;
        // The APIs answer in place; a redirect would carry a key in the URL
        // to wherever it points.
        http.follow_redirects = false;
        return http;
      }()) {
  std::erase(secrets_, std::string());
  AddRedactedValues(secrets_);
}

Status OnlineClient::CheckQuery(std::string_view query) const {
  if (CollapseBlanks(query).empty()) {
    return InvalidArgumentError(service_ + ": the query is empty");
  }
  if (query.size() > options_.max_query_bytes) {
    return InvalidArgumentError(service_ + ": the query is " + std::to_string(query.size()) +
                                " bytes long; the limit is " +
                                std::to_string(options_.max_query_bytes));
  }
  return Status::Ok();
}

Result<HttpReply> OnlineClient::Get(const std::string& url, const QueryParams& params,
                                    const HttpHeaders& headers, SteadyTime deadline) {
  HttpCall call;
  call.url = url + "?" + EncodeQuery(params);
  call.headers = headers;
  call.max_response_bytes = options_.max_response_bytes;
  for (bool retried = false;; retried = true) {
    SEXTANT_RETURN_IF_ERROR(WaitForTurn(deadline));
    const milliseconds left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) {
      return DeadlineExceededError(service_ + ": the deadline passed before the request was sent");
    }
    call.timeout_ms = static_cast<int>(std::min<std::int64_t>(options_.timeout_ms, left.count()));
    Result<HttpReply> reply = client_.Send(call);
    if (!reply.ok()) return TransportError(reply.status(), url);
    if (reply->status != kTooManyRequests) return reply;
    const std::optional<milliseconds> wait = RetryWait(*reply);
    if (retried || !wait || options_.max_retry_wait_ms == 0 ||
        *wait > milliseconds(options_.max_retry_wait_ms) ||
        steady_clock::now() + *wait >= deadline) {
      return RateLimited(*reply, wait, retried);
    }
    HoldUntil(steady_clock::now() + *wait);
  }
}

Status OnlineClient::WaitForTurn(SteadyTime deadline) {
  SteadyTime start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const SteadyTime now = steady_clock::now();
    if (now >= deadline) {
      return DeadlineExceededError(service_ + ": the deadline passed before the request was sent");
    }
    start = std::max(now, next_start_);
    if (start > deadline) {
      return ResourceExhaustedError(service_ + ": the next request is allowed in " +
                                    FormatWait(duration_cast<milliseconds>(start - now)) +
                                    " (min_interval_ms " +
                                    std::to_string(options_.min_interval_ms) +
                                    " or a rate-limit wait), after the deadline; retry later");
    }
    next_start_ = start + milliseconds(options_.min_interval_ms);
  }
  std::this_thread::sleep_until(start);
  return Status::Ok();
}

void OnlineClient::HoldUntil(SteadyTime until) {
  std::lock_guard<std::mutex> lock(mu_);
  next_start_ = std::max(next_start_, until);
}

std::optional<milliseconds> OnlineClient::RetryWait(const HttpReply& reply) const {
  if (const std::string after = reply.Header("retry-after"); !after.empty()) {
    return ParseRetryAfter(after, std::chrono::system_clock::now());
  }
  if (const std::string reset = reply.Header("x-ratelimit-reset"); !reset.empty()) {
    return ParseRateLimitReset(reset, reply.Header("x-ratelimit-remaining"));
  }
  return std::nullopt;
}

Status OnlineClient::RateLimited(const HttpReply& reply, std::optional<milliseconds> wait,
                                 bool retried) const {
  std::string message = service_ + ": rate limited (HTTP 429)";
  if (const std::string detail = Detail(reply); !detail.empty()) message += ": " + detail;
  if (retried) message += "; still limited after one retry";
  message += wait ? "; retry in " + FormatWait(*wait) : "; the service gave no retry time";
  return Scrub(ResourceExhaustedError(std::move(message)));
}

Status OnlineClient::TransportError(const Status& status, std::string_view url) const {
  // HttpClient's messages read "GET <url with query>: <detail>"; the URL is
  // cut after a while, so a secret in the query could survive only in part.
  // Keep the detail and name the URL without its query.
  const std::string& message = status.message();
  std::string detail;
  if (StartsWith(message, "GET ")) {
    if (const std::size_t sep = message.find(": ", 4); sep != std::string::npos) {
      detail = message.substr(sep + 2);
    }
  }
  std::string rebuilt = service_ + ": GET " + RedactText(url);
  rebuilt += detail.empty() ? " failed" : ": " + detail;
  return Scrub(Status(status.code(), std::move(rebuilt)));
}

Result<Json> OnlineClient::ParseBody(const HttpReply& reply) const {
  const std::string_view body = TrimLeft(reply.body);
  const std::string status = "HTTP " + std::to_string(reply.status);
  if (body.empty()) return Scrub(DataLossError(service_ + ": empty reply (" + status + ")"));
  const std::string type = MediaType(reply);
  if (type == "text/html" || type == "application/xhtml+xml" || body.front() == '<') {
    return Scrub(DataLossError(service_ + ": the reply is an HTML page, not JSON (" + status +
                               "): " + ShortText(HtmlFragmentToText(body), kMaxDetailBytes)));
  }
  JsonLimits limits;
  limits.max_bytes = options_.max_response_bytes;
  limits.max_depth = kMaxJsonDepth;
  Result<Json> json = ParseJson(body, limits);
  if (!json.ok()) {
    return Scrub(DataLossError(service_ + ": the reply is not JSON (" + status + ", " +
                               (type.empty() ? "no content type" : type) +
                               "): " + json.status().message()));
  }
  if (!json->is_object()) {
    return Scrub(
        DataLossError(service_ + ": the reply is JSON but not an object (" + status + ")"));
  }
  return json;
}

std::string OnlineClient::Detail(const HttpReply& reply) const {
  JsonLimits limits;
  limits.max_bytes = options_.max_response_bytes;
  limits.max_depth = kMaxJsonDepth;
  if (Result<Json> json = ParseJson(reply.body, limits); json.ok()) {
    std::string detail = error_detail_ ? error_detail_(*json) : std::string();
    if (!detail.empty()) return ShortText(detail, kMaxDetailBytes);
  }
  return ShortText(HtmlFragmentToText(reply.body), kMaxDetailBytes);
}

Status OnlineClient::HttpError(const HttpReply& reply) const {
  const long code = reply.status;
  std::string message = service_ + ": HTTP " + std::to_string(code);
  if (const std::string detail = Detail(reply); !detail.empty()) message += ": " + detail;
  StatusCode status = StatusCode::kFailedPrecondition;
  if (code >= 500) {
    status = StatusCode::kUnavailable;
  } else if (code == 400 || code == 422) {
    status = StatusCode::kInvalidArgument;
  } else if (code == 401) {
    status = StatusCode::kUnauthenticated;
  } else if (code == 403) {
    status = StatusCode::kPermissionDenied;
  } else if (code == 408) {
    status = StatusCode::kDeadlineExceeded;
  } else if (code == 413 || code == kTooManyRequests) {
    status = StatusCode::kResourceExhausted;
  }
  return Scrub(Status(status, std::move(message)));
}

Status OnlineClient::Scrub(const Status& status) const {
  if (status.ok()) return status;
  std::string message = status.message();
  for (const std::string& secret : secrets_) {
    ReplaceAll(message, secret, kRedactedMark);
    ReplaceAll(message, PercentEncode(secret), kRedactedMark);
  }
  return Status(status.code(), RedactText(message));
}

}  // namespace sextant::toolserver::web::internal
