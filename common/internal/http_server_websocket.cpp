#include "common/internal/http_server_websocket.h"

#include <exception>
#include <utility>

#include <boost/asio/post.hpp>

#include "common/internal/http_server_net.h"

namespace sextant::internal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace websocket = beast::websocket;

constexpr std::string_view kServerName = "sextant";
constexpr std::size_t kMaxCloseReasonBytes = 123;  // a close frame carries 125 bytes with the code
constexpr unsigned char kUtf8ContinuationMask = 0xC0;
constexpr unsigned char kUtf8Continuation = 0x80;

constexpr uint16_t kCloseNormal = 1000;
constexpr uint16_t kCloseGoingAway = 1001;
constexpr uint16_t kCloseUnsupportedData = 1003;
constexpr uint16_t kClosePolicyViolation = 1008;
constexpr uint16_t kCloseInternalError = 1011;

// The handle given to callbacks; it reaches the session only through the
// server's gate, so it stays harmless after the server is gone.
class WebSocketHandle final : public WebSocketConnection {
 public:
  WebSocketHandle(std::weak_ptr<WebSocketSession> session, std::shared_ptr<ServerState> state,
                  HttpRequest request)
      : session_(std::move(session)), state_(std::move(state)), request_(std::move(request)) {}

  bool Send(std::string text) override {
    bool sent = false;
    state_->gate().Run([&] {
      if (auto session = session_.lock()) sent = session->Send(std::move(text));
    });
    return sent;
  }

  void Close(int code, std::string reason) override {
    state_->gate().Run([&] {
      if (auto session = session_.lock()) session->Close(code, std::move(reason));
    });
  }

  const HttpRequest& request() const override { return request_; }

 private:
  std::weak_ptr<WebSocketSession> session_;
  std::shared_ptr<ServerState> state_;
  HttpRequest request_;
};

}  // namespace

bool IsSendableCloseCode(int code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

std::string TruncateCloseReason(std::string reason) {
  if (reason.size() <= kMaxCloseReasonBytes) return reason;
  std::size_t cut = kMaxCloseReasonBytes;
  while (cut > 0 &&
         (static_cast<unsigned char>(reason[cut]) & kUtf8ContinuationMask) == kUtf8Continuation) {
    --cut;
  }
  reason.resize(cut);
  return reason;
}

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, std::shared_ptr<ServerState> state,
                                   const WebSocketHandler* handler, HttpRequest request)
    : ws_(std::move(stream)),
      state_(std::move(state)),
      handler_(handler),
      request_(std::move(request)),
      remote_address_(request_.remote_address),
      close_timer_(ws_.get_executor()) {}

WebSocketSession::~WebSocketSession() {
  // Reached without Finish only when the server tears down its I/O machinery.
  if (!finished_) {
    finished_ = true;
    NotifyClosed();
  }
  state_->sessions().Remove(registry_id_);
}

void WebSocketSession::Run(http::request<http::string_body> upgrade) {
  registry_id_ = state_->sessions().Add(weak_from_this());
  handle_ = std::make_shared<WebSocketHandle>(weak_from_this(), state_, std::move(request_));
  upgrade_ = std::move(upgrade);

  const ServerOptions& options = state_->options();
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = Millis(options.ws_handshake_timeout_ms);
  timeouts.idle_timeout = Millis(options.ws_idle_timeout_ms);
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
  ws_.read_message_max(options.ws_max_message_bytes);
  ws_.async_accept(upgrade_,
                   beast::bind_front_handler(&WebSocketSession::OnAccept, shared_from_this()));
}

bool WebSocketSession::Send(std::string text) {
  std::unique_lock lock(mu_);
  if (send_state_ != SendState::kOpen) return false;
  const std::size_t queued = queue_.size() + (write_in_flight_ ? 1 : 0);
  if (queued >= state_->options().ws_send_queue_limit) {
    send_state_ = SendState::kClosing;
    queue_.clear();
    lock.unlock();
    state_->ReportError(
        Describe("send queue full (" + std::to_string(queued) + " messages); closing with 1008"));
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->DoClose(kClosePolicyViolation, "send queue full");
    });
    return false;
  }
  queue_.push_back(std::move(text));
  if (write_scheduled_) return true;
  write_scheduled_ = true;
  lock.unlock();
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->DoWrite(); });
  return true;
}

void WebSocketSession::Close(int code, std::string reason) {
  const auto sendable = static_cast<uint16_t>(IsSendableCloseCode(code) ? code : kCloseNormal);
  net::post(ws_.get_executor(),
            [self = shared_from_this(), sendable, reason = TruncateCloseReason(std::move(reason))] {
              self->DoClose(sendable, reason);
            });
}

void WebSocketSession::BeginShutdown() {
  // Before the accept completes, OnAccept sees the shutdown itself.
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->opened_) self->DoClose(kCloseGoingAway, "going away");
  });
}

void WebSocketSession::ForceClose() {
  net::post(ws_.get_executor(),
            [self = shared_from_this()] { beast::get_lowest_layer(self->ws_).close(); });
}

void WebSocketSession::OnAccept(beast::error_code ec) {
  if (ec) return Fail(ec, "accept");
  opened_ = true;
  {
    std::lock_guard lock(mu_);
    send_state_ = SendState::kOpen;
  }
  if (handler_->on_open && !Invoke("on_open", [&] { handler_->on_open(handle_); })) {
    DoClose(kCloseInternalError, "internal error");
  } else if (state_->shutting_down()) {
    DoClose(kCloseGoingAway, "going away");
  }
  DoRead();
}

void WebSocketSession::DoRead() {
  ws_.async_read(read_buffer_,
                 beast::bind_front_handler(&WebSocketSession::OnRead, shared_from_this()));
}

void WebSocketSession::OnRead(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "read");
  std::string text = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  // Once closing, messages are read only to reach the peer's close frame.
  if (!close_started_) {
    if (!ws_.got_text()) {
      DoClose(kCloseUnsupportedData, "binary messages are not supported");
    } else if (handler_->on_message &&
               !Invoke("on_message", [&] { handler_->on_message(handle_, std::move(text)); })) {
      DoClose(kCloseInternalError, "internal error");
    }
  }
  DoRead();
}

void WebSocketSession::DoWrite() {
  {
    std::lock_guard lock(mu_);
    if (send_state_ != SendState::kOpen || queue_.empty()) {
      write_scheduled_ = false;
      return;
    }
    writing_ = std::move(queue_.front());
    queue_.pop_front();
    write_in_flight_ = true;
  }
  ws_.text(true);
  ws_.async_write(net::buffer(writing_),
                  beast::bind_front_handler(&WebSocketSession::OnWrite, shared_from_this()));
}

void WebSocketSession::OnWrite(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return Fail(ec, "write");
  {
    std::lock_guard lock(mu_);
    write_in_flight_ = false;
  }
  writing_.clear();
  DoWrite();
}

// Queued messages are dropped; a write in flight finishes before the close
// frame. The read loop goes on until the peer's close frame ends it.
void WebSocketSession::DoClose(uint16_t code, const std::string& reason) {
  if (!opened_ || close_started_ || finished_) return;
  close_started_ = true;
  {
    std::lock_guard lock(mu_);
    send_state_ = SendState::kClosing;
    queue_.clear();
  }
  close_timer_.expires_after(Millis(state_->options().ws_handshake_timeout_ms));
  close_timer_.async_wait(
      beast::bind_front_handler(&WebSocketSession::OnCloseTimer, shared_from_this()));
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                  beast::bind_front_handler(&WebSocketSession::OnClose, shared_from_this()));
}

void WebSocketSession::OnClose(beast::error_code ec) {
  if (ec) return Fail(ec, "close");
}

void WebSocketSession::OnCloseTimer(beast::error_code ec) {
  // An error here only means the wait was cancelled because the session finished.
  if (ec) return;
  if (finished_) return;
  state_->ReportError(Describe("the close handshake timed out"));
  beast::get_lowest_layer(ws_).close();
}

void WebSocketSession::Fail(beast::error_code ec, std::string_view what) {
  if (!finished_ && !IsPeerDisconnect(ec)) {
    std::string detail = ec.message();
    if (ec == websocket::error::message_too_big) {
      detail = "a message is over " + std::to_string(state_->options().ws_max_message_bytes) +
               " bytes; closed with 1009";
    }
    state_->ReportError(Describe(std::string(what) + ": " + detail));
  }
  beast::get_lowest_layer(ws_).close();
  Finish();
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  close_timer_.cancel();
  NotifyClosed();
}

void WebSocketSession::NotifyClosed() {
  {
    std::lock_guard lock(mu_);
    send_state_ = SendState::kClosed;
    queue_.clear();
  }
  if (opened_ && handler_->on_close) Invoke("on_close", [&] { handler_->on_close(handle_); });
}

template <typename F>
bool WebSocketSession::Invoke(std::string_view name, F&& f) {
  try {
    std::forward<F>(f)();
    return true;
  } catch (const std::exception& e) {
    state_->ReportError(Describe(std::string(name) + " threw: " + e.what()));
  } catch (...) {
    state_->ReportError(Describe(std::string(name) + " threw a non-standard exception"));
  }
  return false;
}

std::string WebSocketSession::Describe(std::string_view what) const {
  std::string out = "websocket ";
  out += remote_address_.empty() ? "(unknown peer)" : remote_address_;
  if (handle_) out += " " + handle_->request().path;
  out += ": ";
  out += what;
  return out;
}

}  // namespace sextant::internal
