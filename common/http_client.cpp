#include "common/http_client.h"

#include <mutex>
#include <utility>

#include "common/internal/http_client_transfer.h"
#include "common/internal/http_client_util.h"

#ifndef SEXTANT_VERSION
#error "SEXTANT_VERSION must be defined by the build (the project version)"
#endif

namespace sextant {
namespace {

namespace hc = internal::http_client;

constexpr std::size_t kMaxBodyInStatus = 512;
constexpr long kHttpOk = 200;
constexpr long kHttpMultipleChoices = 300;
constexpr long kHttpServerError = 500;
constexpr long kHttpMaxStatus = 599;

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(HttpClientOptions options) : options_(std::move(options)) {}

  const HttpClientOptions& options() const { return options_; }

  Result<HttpReply> Run(const HttpCall& call, const DataCallback* on_data) const {
    std::unique_ptr<hc::CurlHandle> handle = TakeIdle();
    if (!handle) {
      auto created = hc::CurlHandle::Create();
      if (!created.ok()) return created.status();
      handle = std::move(created).value();
    }
    Result<HttpReply> reply = handle->Run(options_, call, on_data);
    GiveBack(std::move(handle));
    return reply;
  }

 private:
  std::unique_ptr<hc::CurlHandle> TakeIdle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.empty()) return nullptr;
    std::unique_ptr<hc::CurlHandle> handle = std::move(idle_.back());
    idle_.pop_back();
    return handle;
  }

  void GiveBack(std::unique_ptr<hc::CurlHandle> handle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
  }

  const HttpClientOptions options_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<hc::CurlHandle>> idle_;  // guarded by mutex_
};

std::string HttpReply::Header(std::string_view name) const { return hc::FindHeader(headers, name); }

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

const HttpClientOptions& HttpClient::options() const { return impl_->options(); }

Result<HttpReply> HttpClient::Send(const HttpCall& call) const { return impl_->Run(call, nullptr); }

Result<HttpReply> HttpClient::Stream(const HttpCall& call, const DataCallback& on_data) const {
  return impl_->Run(call, &on_data);
}

Result<HttpReply> HttpClient::StreamEvents(const HttpCall& call, const EventCallback& on_event,
                                           const SseParserOptions& sse_options) const {
  HttpCall with_accept = call;
  if (hc::FindHeader(call.headers, "accept").empty()) {
    with_accept.headers.emplace_back("Accept", "text/event-stream");
  }
  SseParser parser(sse_options);
  Status parse_error;
  const DataCallback feed = [&](std::string_view chunk) {
    parse_error = parser.Feed(chunk, on_event);
    return parse_error.ok();
  };
  Result<HttpReply> reply = impl_->Run(with_accept, &feed);
  if (!reply.ok() && !parse_error.ok()) {
    return parse_error.WithContext(call.method + " " + hc::RedactUrlForMessage(call.url));
  }
  return reply;
}

std::string DefaultHttpUserAgent() { return std::string("sextant/") + SEXTANT_VERSION; }

Status HttpStatusToStatus(long http_status, std::string_view body) {
  if (http_status >= kHttpOk && http_status < kHttpMultipleChoices) return Status::Ok();
  std::string message = "HTTP " + std::to_string(http_status);
  if (!body.empty()) {
    message += ": ";
    for (char c : body.substr(0, kMaxBodyInStatus)) {
      const auto byte = static_cast<unsigned char>(c);
      message += (byte < 0x20 || byte == 0x7F) ? ' ' : c;
    }
    if (body.size() > kMaxBodyInStatus) message += "...";
  }
  switch (http_status) {
    case 400:
      return InvalidArgumentError(std::move(message));
    case 401:
      return UnauthenticatedError(std::move(message));
    case 403:
      return PermissionDeniedError(std::move(message));
    case 404:
      return NotFoundError(std::move(message));
    case 408:
      return DeadlineExceededError(std::move(message));
    case 409:
      return AbortedError(std::move(message));
    case 413:
    case 429:
      return ResourceExhaustedError(std::move(message));
    case 500:
      return InternalError(std::move(message));
    case 501:
      return UnimplementedError(std::move(message));
    case 504:
      return DeadlineExceededError(std::move(message));
    default:
      break;
  }
  if (http_status >= kHttpMultipleChoices && http_status < kHttpServerError) {
    return FailedPreconditionError(std::move(message));
  }
  if (http_status >= kHttpServerError && http_status <= kHttpMaxStatus) {
    return UnavailableError(std::move(message));
  }
  return Status(StatusCode::kUnknown, std::move(message));
}

}  // namespace sextant
