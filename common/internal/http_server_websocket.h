// One WebSocket connection, taken over from an HttpSession after the upgrade
// request passed routing and auth: the accept handshake, a read loop that
// hands text messages to the route's callbacks, a bounded send queue and the
// close handshake.
//
// Ownership: shared; pending asynchronous operations hold the session. The
// WebSocketConnection given to callbacks is a separate handle that refers to
// the session weakly, so a handle kept after the connection ends is
// harmless. Thread safety: socket work runs on the connection's strand; Send
// and Close may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "common/http_server.h"
#include "common/internal/http_server_state.h"

namespace sextant::internal {

// Close codes an endpoint may send (RFC 6455 §7.4): 1000-1003, 1007-1014, 3000-4999.
bool IsSendableCloseCode(int code);
// `reason` cut to the 123 bytes a close frame holds, on a UTF-8 boundary.
std::string TruncateCloseReason(std::string reason);

class WebSocketSession : public SessionBase, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::beast::tcp_stream&& stream, std::shared_ptr<ServerState> state,
                   const WebSocketHandler* handler, HttpRequest request);
  ~WebSocketSession() override;

  // Registers the session and accepts the upgrade. Call on the stream's strand.
  void Run(boost::beast::http::request<boost::beast::http::string_body> upgrade);

  // See WebSocketConnection.
  bool Send(std::string text);
  void Close(int code, std::string reason);

  void BeginShutdown() override;
  void ForceClose() override;
  void BreakCycle() override {}

 private:
  enum class SendState { kConnecting, kOpen, kClosing, kClosed };

  void OnAccept(boost::beast::error_code ec);
  void DoRead();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void DoWrite();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void DoClose(uint16_t code, const std::string& reason);
  void OnClose(boost::beast::error_code ec);
  void OnCloseTimer(boost::beast::error_code ec);
  void Fail(boost::beast::error_code ec, std::string_view what);
  // Ends the session once: no more sends, then on_close.
  void Finish();
  void NotifyClosed();
  // Runs a user callback; false (after reporting) when it threw.
  template <typename F>
  bool Invoke(std::string_view name, F&& f);
  std::string Describe(std::string_view what) const;

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<ServerState> state_;
  const WebSocketHandler* handler_;  // owned by the route table in state_
  std::shared_ptr<WebSocketConnection> handle_;
  HttpRequest request_;  // moved into handle_ by Run
  std::string remote_address_;
  boost::beast::http::request<boost::beast::http::string_body> upgrade_;
  boost::beast::flat_buffer read_buffer_;
  boost::asio::steady_timer close_timer_;
  uint64_t registry_id_ = 0;

  // Strand-only state.
  bool opened_ = false;
  bool close_started_ = false;
  bool finished_ = false;
  std::string writing_;  // the message being written

  // Shared with Send and Close callers.
  std::mutex mu_;
  SendState send_state_ = SendState::kConnecting;
  std::deque<std::string> queue_;
  bool write_scheduled_ = false;  // a DoWrite is posted or a write is in flight
  bool write_in_flight_ = false;
};

}  // namespace sextant::internal
