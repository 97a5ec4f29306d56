#include "common/internal/http_server_session.h"

#include <atomic>
#include <exception>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "common/internal/http_server_net.h"
#include "common/internal/http_server_util.h"
#include "common/internal/http_server_websocket.h"

namespace sextant::internal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

constexpr std::size_t kReadChunkBytes = 8 * 1024;
constexpr std::string_view kServerName = "sextant";
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kExpectContinue = "100-continue";
constexpr int kMinStatus = 200;
constexpr int kMaxStatus = 599;
constexpr int kNoContent = 204;
constexpr int kNotModified = 304;
constexpr unsigned kHttp10 = 10;
constexpr unsigned kHttp11 = 11;

HttpResponse InternalError(std::string_view message) {
  return ErrorResponse(500, "internal", message);
}

// Why `response` cannot be sent, or "" when it can.
std::string CheckResponse(const HttpResponse& response) {
  if (response.status < kMinStatus || response.status > kMaxStatus) {
    return "status " + std::to_string(response.status) + " is outside 200..599";
  }
  if (!IsValidHeaderValue(response.content_type)) return "content type holds a control byte";
  for (const auto& [name, value] : response.headers) {
    if (!IsHttpToken(name)) return "header name '" + name + "' is not an HTTP token";
    if (!IsValidHeaderValue(value)) return "header '" + name + "' holds a control byte";
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
        EqualsIgnoreCase(name, "Connection")) {
      return "header '" + name + "' is set by the server";
    }
  }
  return {};
}

// The shared state behind one Responder: answers at most once, and answers
// 500 when every copy is dropped unanswered.
class ResponderState {
 public:
  ResponderState(std::weak_ptr<HttpSession> session, std::shared_ptr<ServerState> state,
                 uint64_t request_id)
      : session_(std::move(session)), state_(std::move(state)), request_id_(request_id) {}

  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;

  ~ResponderState() {
    if (answered_.load()) return;
    try {
      Deliver(InternalError("the handler did not answer"),
              "an asynchronous handler dropped its Responder without answering");
    } catch (...) {
      // Nothing can be done from a destructor; the connection is closed at shutdown.
    }
  }

  void Answer(HttpResponse response) {
    if (answered_.exchange(true)) {
      state_->gate().Run(
          [&] { state_->ReportError("http: a Responder was called twice; ignored the second"); });
      return;
    }
    Deliver(std::move(response), {});
  }

 private:
  void Deliver(HttpResponse response, std::string_view error) {
    state_->gate().Run([&] {
      if (!error.empty()) state_->ReportError(std::string("http: ") + std::string(error));
      if (auto session = session_.lock()) session->PostResponse(request_id_, std::move(response));
    });
  }

  std::weak_ptr<HttpSession> session_;
  std::shared_ptr<ServerState> state_;
  uint64_t request_id_;
  std::atomic<bool> answered_{false};
};

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket&& socket, std::shared_ptr<ServerState> state)
    : stream_(std::move(socket)), state_(std::move(state)), deadline_(stream_.get_executor()) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = FormatEndpoint(endpoint);
}

HttpSession::~HttpSession() { state_->sessions().Remove(registry_id_); }

void HttpSession::Run() {
  registry_id_ = state_->sessions().Add(weak_from_this());
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&HttpSession::DoAwaitRequest, shared_from_this()));
}

void HttpSession::BeginShutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kLingering) self->CloseNow();
  });
}

void HttpSession::ForceClose() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->CloseNow();
    self->pending_self_.reset();
  });
}

void HttpSession::BreakCycle() { pending_self_.reset(); }

void HttpSession::PostResponse(uint64_t request_id, HttpResponse response) {
  net::post(stream_.get_executor(),
            [self = shared_from_this(), request_id, response = std::move(response)]() mutable {
              self->OnAsyncResponse(request_id, std::move(response));
            });
}

// Waits, at most idle_timeout_ms, for the first byte of the next request.
void HttpSession::DoAwaitRequest() {
  phase_ = Phase::kIdle;
  request_ = HttpRequest{};
  version_ = kHttp11;
  if (state_->shutting_down()) return CloseNow();
  if (buffer_.size() > 0) return DoReadHeader();  // a pipelined request is already here
  ArmDeadline(Millis(state_->options().idle_timeout_ms));
  stream_.async_read_some(
      buffer_.prepare(kReadChunkBytes),
      beast::bind_front_handler(&HttpSession::OnFirstBytes, shared_from_this()));
}

void HttpSession::OnFirstBytes(beast::error_code ec, std::size_t bytes) {
  if (ec) return Fail(ec, "read");
  buffer_.commit(bytes);
  DoReadHeader();
}

// From here the whole request must arrive within read_timeout_ms.
void HttpSession::DoReadHeader() {
  phase_ = Phase::kReading;
  ArmDeadline(Millis(state_->options().read_timeout_ms));
  const ServerOptions& options = state_->options();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&HttpSession::OnReadHeader, shared_from_this()));
}

void HttpSession::OnReadHeader(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "read header");
  const auto& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  request_.method = std::string(req.method_string());
  request_.target = std::string(req.target());
  request_.remote_address = remote_address_;
  for (const auto& field : req) {
    request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  // Until the body is read, an early answer must close the connection.
  const bool body_pending = !parser_->is_done();

  if (version_ != kHttp10 && version_ != kHttp11) {
    version_ = kHttp11;
    return Respond(ErrorResponse(400, "bad_request", "only HTTP/1.0 and HTTP/1.1 are served"),
                   true);
  }
  auto target = ParseTarget(request_.target);
  if (!target.ok()) {
    return Respond(ErrorResponse(400, "bad_request", target.status().message()), true);
  }
  request_.path = std::move(target->path);
  request_.query = std::move(target->query);
  if (req.count(http::field::transfer_encoding) > 0 && !parser_->chunked()) {
    return Respond(ErrorResponse(400, "bad_request", "Transfer-Encoding must end in chunked"),
                   true);
  }

  const bool upgrade = beast::websocket::is_upgrade(req);
  RouteMatch match = state_->routes().Match(request_.method, target->segments, upgrade);
  switch (match.outcome) {
    case RouteMatch::Outcome::kFound:
      break;
    case RouteMatch::Outcome::kNotFound:
      return Respond(ErrorResponse(404, "not_found", "no route for " + request_.path),
                     body_pending);
    case RouteMatch::Outcome::kMethodNotAllowed: {
      HttpResponse response = ErrorResponse(
          405, "method_not_allowed", request_.method + " is not allowed on " + request_.path);
      response.headers.emplace_back("Allow", match.allow);
      return Respond(std::move(response), body_pending);
    }
    case RouteMatch::Outcome::kUpgradeRequired: {
      HttpResponse response =
          ErrorResponse(426, "upgrade_required", request_.path + " is a WebSocket endpoint");
      response.headers.emplace_back("Upgrade", "websocket");
      return Respond(std::move(response), body_pending);
    }
  }
  route_ = match.route;
  request_.path_params = std::move(match.params);

  const std::string& token = state_->options().bearer_token;
  if (route_->options.auth && !token.empty()) {
    std::string given(BearerToken(request_.Header("Authorization")));
    if (given.empty() && route_->kind == RouteKind::kWebSocket) {
      if (auto it = request_.query.find("access_token"); it != request_.query.end()) {
        given = it->second;
      }
    }
    if (!ConstantTimeEquals(token, given)) {
      state_->ReportError(Describe(given.empty() ? "request without a bearer token"
                                                 : "request with a wrong bearer token"));
      HttpResponse response = ErrorResponse(
          401, "unauthorized", given.empty() ? "a bearer token is required" : "wrong bearer token");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return Respond(std::move(response), body_pending);
    }
  }

  if (route_->kind == RouteKind::kWebSocket) {
    if (body_pending) {
      return Respond(ErrorResponse(400, "bad_request", "a WebSocket upgrade has no body"), true);
    }
    return StartWebSocket();
  }

  const auto expect = req[http::field::expect];
  if (!expect.empty()) {
    if (!EqualsIgnoreCase(expect, kExpectContinue)) {
      return Respond(ErrorResponse(417, "expectation_failed", "only 100-continue is supported"),
                     true);
    }
    if (body_pending) return DoContinue();
  }
  if (!body_pending) return Dispatch();
  DoReadBody();
}

void HttpSession::DoContinue() {
  if (timed_out_) return Fail(net::error::timed_out, "write 100 Continue");
  net::async_write(stream_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                   beast::bind_front_handler(&HttpSession::OnContinue, shared_from_this()));
}

void HttpSession::OnContinue(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "write 100 Continue");
  DoReadBody();
}

void HttpSession::DoReadBody() {
  if (timed_out_) return Fail(net::error::timed_out, "read body");
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::OnReadBody, shared_from_this()));
}

void HttpSession::OnReadBody(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "read body");
  Dispatch();
}

void HttpSession::Dispatch() {
  CancelDeadline();
  phase_ = Phase::kHandling;
  request_.body = std::move(parser_->get().body());
  parser_.reset();
  ++request_id_;

  if (route_->kind == RouteKind::kSync) {
    HttpResponse response;
    try {
      response = route_->handler(request_);
    } catch (const std::exception& e) {
      state_->ReportError(Describe(std::string("handler threw: ") + e.what()));
      response = InternalError("the handler failed");
    } catch (...) {
      state_->ReportError(Describe("handler threw a non-standard exception"));
      response = InternalError("the handler failed");
    }
    return Respond(std::move(response), false);
  }

  pending_self_ = shared_from_this();
  auto responder_state = std::make_shared<ResponderState>(weak_from_this(), state_, request_id_);
  Responder responder = [responder_state](HttpResponse response) {
    responder_state->Answer(std::move(response));
  };
  try {
    route_->async_handler(request_, std::move(responder));
  } catch (const std::exception& e) {
    state_->ReportError(Describe(std::string("handler threw: ") + e.what()));
    responder_state->Answer(InternalError("the handler failed"));
  } catch (...) {
    state_->ReportError(Describe("handler threw a non-standard exception"));
    responder_state->Answer(InternalError("the handler failed"));
  }
}

void HttpSession::OnAsyncResponse(uint64_t request_id, HttpResponse response) {
  if (phase_ != Phase::kHandling || request_id != request_id_) return;
  pending_self_.reset();
  Respond(std::move(response), false);
}

void HttpSession::StartWebSocket() {
  CancelDeadline();
  phase_ = Phase::kUpgraded;
  auto session = std::make_shared<WebSocketSession>(
      std::move(stream_), state_, &route_->websocket_handler, std::move(request_));
  session->Run(parser_->release());
  parser_.reset();
}

void HttpSession::Respond(HttpResponse response, bool close) {
  CancelDeadline();
  phase_ = Phase::kWriting;
  close_after_write_ = close || !keep_alive_ || state_->shutting_down();
  if (std::string problem = CheckResponse(response); !problem.empty()) {
    state_->ReportError(Describe("bad response from the handler: " + problem));
    response = InternalError("the handler made an invalid response");
  }
  if (response.status == kNoContent || response.status == kNotModified) response.body.clear();
  try {
    Response& out = response_.emplace();
    out.version(version_);
    out.result(static_cast<unsigned>(response.status));
    out.set(http::field::server, kServerName);
    if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out.insert(name, value);
    out.body() = std::move(response.body);
    out.keep_alive(!close_after_write_);
    out.prepare_payload();
  } catch (const std::exception& e) {
    state_->ReportError(Describe(std::string("cannot build the response: ") + e.what()));
    close_after_write_ = true;
    Response& out = response_.emplace();
    out.version(version_);
    out.result(http::status::internal_server_error);
    out.set(http::field::content_type, "application/json");
    out.body() = InternalError("the handler made an invalid response").body;
    out.keep_alive(false);
    out.prepare_payload();
  }
  stream_.expires_after(Millis(state_->options().write_timeout_ms));
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this()));
}

void HttpSession::OnWrite(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "write");
  stream_.expires_never();
  response_.reset();
  if (close_after_write_) return DoLinger();
  DoAwaitRequest();
}

// Half-closes, then reads and discards what the client still sends, for at
// most linger_timeout_ms, so that it reads the response rather than a reset.
void HttpSession::DoLinger() {
  if (phase_ != Phase::kLingering) {
    phase_ = Phase::kLingering;
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    if (ec) return CloseNow();
    buffer_.clear();
    ArmDeadline(Millis(state_->options().linger_timeout_ms));
  }
  if (state_->shutting_down() || timed_out_) return CloseNow();
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          beast::bind_front_handler(&HttpSession::OnLinger, shared_from_this()));
}

void HttpSession::OnLinger(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "linger");
  DoLinger();
}

void HttpSession::Fail(beast::error_code ec, std::string_view what) {
  switch (phase_) {
    case Phase::kClosed:
    case Phase::kUpgraded:
      return;
    case Phase::kLingering:
      return CloseNow();
    case Phase::kIdle:
      // An idle keep-alive connection that times out is closed without a word.
      if (!timed_out_ && !IsPeerDisconnect(ec)) {
        state_->ReportError(Describe(std::string(what) + ": " + ec.message()));
      }
      return CloseNow();
    case Phase::kReading:
      if (timed_out_) {
        state_->ReportError(Describe("the request was not read within the read timeout"));
        return Respond(ErrorResponse(408, "request_timeout", "the request took too long to arrive"),
                       true);
      }
      if (ec == http::error::header_limit) {
        return Respond(
            ErrorResponse(431, "header_too_large",
                          "the request headers are over " +
                              std::to_string(state_->options().max_header_bytes) + " bytes"),
            true);
      }
      if (ec == http::error::body_limit) {
        return Respond(
            ErrorResponse(413, "payload_too_large",
                          "the request body is over " +
                              std::to_string(state_->options().max_body_bytes) + " bytes"),
            true);
      }
      if (ec.category() == beast::http::make_error_code(http::error::bad_target).category() &&
          ec != http::error::end_of_stream && ec != http::error::partial_message) {
        state_->ReportError(Describe("malformed request: " + ec.message()));
        return Respond(ErrorResponse(400, "bad_request", "malformed request: " + ec.message()),
                       true);
      }
      break;
    case Phase::kHandling:
    case Phase::kWriting:
      break;
  }
  if (!IsPeerDisconnect(ec)) state_->ReportError(Describe(std::string(what) + ": " + ec.message()));
  CloseNow();
}

void HttpSession::CloseNow() {
  if (phase_ == Phase::kUpgraded) return;
  CancelDeadline();
  phase_ = Phase::kClosed;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

void HttpSession::ArmDeadline(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  deadline_.expires_after(timeout);
  deadline_.async_wait(beast::bind_front_handler(&HttpSession::OnDeadline, shared_from_this(),
                                                 ++deadline_generation_));
}

void HttpSession::CancelDeadline() {
  ++deadline_generation_;
  deadline_.cancel();
}

void HttpSession::OnDeadline(uint64_t generation, beast::error_code ec) {
  // An error here only means the wait was cancelled: the deadline was re-armed or dropped.
  if (ec) return;
  if (generation != deadline_generation_ || phase_ == Phase::kClosed) return;
  timed_out_ = true;
  beast::error_code ignored;
  stream_.socket().cancel(ignored);
}

std::string HttpSession::Describe(std::string_view what) const {
  std::string out = "http ";
  out += remote_address_.empty() ? "(unknown peer)" : remote_address_;
  if (!request_.method.empty() && phase_ != Phase::kIdle) {
    out += " " + request_.method + " " + request_.path;
  }
  out += ": ";
  out += what;
  return out;
}

}  // namespace sextant::internal
