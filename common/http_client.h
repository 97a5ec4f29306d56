// HTTP client over libcurl: plain requests, streamed bodies and Server-Sent
// Events, with every limit (time, size, redirects, schemes, peers) bounded by
// options.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/sse.h"
#include "common/status.h"

namespace sextant {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Decides whether the client may open a connection to `ip` (dotted IPv4 or
// IPv6 text) and `port`. It sees the address actually connected to, after DNS
// resolution and on every redirect; with a proxy that is the proxy's address.
// A non-OK status refuses the connection and becomes the call's error
// (permission_denied is the natural code). It runs on the thread that made
// the call, so it may run on several threads at once.
using HttpConnectFilter = std::function<Status(const std::string& ip, int port)>;

struct HttpClientOptions {
  static constexpr int kDefaultConnectTimeoutMs = 10'000;
  static constexpr int kDefaultTimeoutMs = 60'000;
  static constexpr int kDefaultIdleTimeoutMs = 30'000;
  static constexpr std::size_t kDefaultMaxResponseBytes = 64u << 20;  // 64 MiB
  static constexpr int kDefaultMaxRedirects = 5;
  static constexpr std::size_t kDefaultMaxIdleHandles = 4;

  // Time to resolve the host and connect (including the TLS handshake).
  int connect_timeout_ms = kDefaultConnectTimeoutMs;
  // Time for the whole transfer, body included; 0 = no limit.
  int timeout_ms = kDefaultTimeoutMs;
  // The transfer fails when no body bytes move either way for this long,
  // counted from the start of the call; 0 = off. Checked whenever data moves
  // and about once a second otherwise.
  int idle_timeout_ms = kDefaultIdleTimeoutMs;
  // The most body bytes, counted after content decoding (gzip, deflate, ...),
  // that a call delivers, whether buffered (Send) or streamed.
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
  bool follow_redirects = true;
  int max_redirects = kDefaultMaxRedirects;
  // TLS peer and host name verification; turn off only for tests.
  bool verify_tls = true;
  // A PEM file of trusted CAs; empty = the system store.
  std::string ca_bundle;
  // Empty = DefaultHttpUserAgent().
  std::string user_agent;
  // nullopt: libcurl's default, which reads the environment (`http_proxy`,
  // `https_proxy` or `HTTPS_PROXY`, `all_proxy`, `no_proxy`; not the
  // upper-case `HTTP_PROXY`). "": no proxy at all. Otherwise the proxy URL.
  // With a proxy, connect_filter judges the proxy's address, not the
  // target's: a guard on where requests go should also set "".
  std::optional<std::string> proxy;
  // URL schemes allowed, for the first request and for every redirect.
  std::vector<std::string> allowed_protocols = {"http", "https"};
  // Optional; see HttpConnectFilter.
  HttpConnectFilter connect_filter;
  // Idle libcurl handles kept for reuse; each keeps its connections alive.
  std::size_t max_idle_handles = kDefaultMaxIdleHandles;
};

// One request.
struct HttpCall {
  // Any token ("GET", "POST", "PUT", "DELETE", "HEAD", ...).
  std::string method = "GET";
  std::string url;
  // Extra request headers. One named like a header the client sets itself
  // (User-Agent, Accept, Content-Type, Host, ...) replaces it. An empty
  // value sends an empty header.
  HttpHeaders headers;
  // Sent with a Content-Length when not empty (or when the method is POST,
  // PUT or PATCH). Set Content-Type in `headers`.
  std::string body;
  // Overrides HttpClientOptions::timeout_ms for this call.
  std::optional<int> timeout_ms;
  // Overrides HttpClientOptions::max_response_bytes for this call.
  std::optional<std::size_t> max_response_bytes;
};

// The final response of a call (after any redirects).
struct HttpReply {
  long status = 0;
  // Header lines of the final response in order, names in lower case.
  HttpHeaders headers;
  // The decoded body. Stream and StreamEvents leave it empty for 2xx replies,
  // whose body went to the callback.
  std::string body;
  // The URL of the final response.
  std::string effective_url;
  int redirect_count = 0;
  double total_seconds = 0;

  // The first value of header `name` (any case), or "" when absent.
  std::string Header(std::string_view name) const;
};

// HttpClient sends HTTP/1.1 and HTTP/2 requests through libcurl.
//
// Ownership: owns its options and a small pool of idle libcurl handles that
// keep connections alive between calls; the pool is freed with the client.
// Thread safety: every method is const and safe to call from many threads at
// once; each call runs on its own libcurl handle, on the calling thread, and
// blocks until the transfer ends. Callbacks run on the calling thread.
// Errors: HTTP error statuses (4xx, 5xx) are replies, not errors (see
// HttpStatusToStatus). Transport failures carry the method, the URL (without
// credentials) and libcurl's message:
//   invalid_argument    malformed URL, method or header;
//   permission_denied   a scheme not in allowed_protocols (also on a
//                       redirect), or a connection the connect_filter refused;
//   unavailable         DNS or connect failure, TLS failure (the message says
//                       TLS), a connection closed early, a malformed reply;
//   deadline_exceeded   connect, total or idle timeout;
//   resource_exhausted  a body over max_response_bytes (refused early from
//                       Content-Length when the body is not encoded), more
//                       redirects than max_redirects, an SSE event too large;
//   aborted             a callback returned false;
//   data_loss           a body that fails content decoding;
//   failed_precondition a bad ca_bundle or TLS setup;
//   internal            a callback threw; its message is kept.
// libcurl is initialised once per process on first use.
class HttpClient {
 public:
  // Receives body bytes as they arrive; return false to abort the call.
  using DataCallback = std::function<bool(std::string_view)>;
  // Receives each event; return false to abort the call.
  using EventCallback = std::function<bool(const SseEvent&)>;

  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const HttpClientOptions& options() const;

  // Sends the request and buffers the whole body.
  [[nodiscard]] Result<HttpReply> Send(const HttpCall& call) const;

  // Sends the request and hands a 2xx body to `on_data` in chunks as they
  // arrive. The body of any other status is buffered in HttpReply::body.
  [[nodiscard]] Result<HttpReply> Stream(const HttpCall& call, const DataCallback& on_data) const;

  // Like Stream, but parses a 2xx body as an event stream and calls
  // `on_event` per event. Sends "Accept: text/event-stream" unless the call
  // sets Accept.
  [[nodiscard]] Result<HttpReply> StreamEvents(const HttpCall& call, const EventCallback& on_event,
                                               const SseParserOptions& sse_options = {}) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// "sextant/<version>".
std::string DefaultHttpUserAgent();

// Maps an HTTP status to a Status for callers that treat error replies as
// errors: 2xx is OK; 400 invalid_argument, 401 unauthenticated, 403
// permission_denied, 404 not_found, 408 deadline_exceeded, 409 aborted, 413
// and 429 resource_exhausted, other 3xx and 4xx failed_precondition; 500
// internal, 501 unimplemented, 504 deadline_exceeded, other 5xx unavailable;
// anything else unknown. The message holds the status and the start of
// `body`, with control characters replaced.
Status HttpStatusToStatus(long http_status, std::string_view body);

}  // namespace sextant
