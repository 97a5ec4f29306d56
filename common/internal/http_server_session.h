// One HTTP/1.1 connection: reads a request at a time (keep-alive, safe for
// pipelining), checks route, auth and limits, runs the handler and writes the
// response; hands WebSocket upgrades to WebSocketSession.
//
// Ownership: shared; the pending asynchronous operation holds it, and while an
// asynchronous handler has not answered, so does the session itself
// (released on the answer, on ForceClose or by BreakCycle). Thread safety: all
// work runs on the connection's strand; the public methods post to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/http_server.h"
#include "common/internal/http_server_state.h"

namespace sextant::internal {

class HttpSession : public SessionBase, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerState> state);
  ~HttpSession() override;

  // Registers the session and starts reading.
  void Run();

  void BeginShutdown() override;
  void ForceClose() override;
  void BreakCycle() override;

  // Delivers the answer of an asynchronous handler (any thread).
  void PostResponse(uint64_t request_id, HttpResponse response);

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kUpgraded, kClosed };
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void DoAwaitRequest();
  void OnFirstBytes(boost::beast::error_code ec, std::size_t bytes);
  void DoReadHeader();
  void OnReadHeader(boost::beast::error_code ec, std::size_t bytes);
  void DoContinue();
  void OnContinue(boost::beast::error_code ec, std::size_t bytes);
  void DoReadBody();
  void OnReadBody(boost::beast::error_code ec, std::size_t bytes);
  void Dispatch();
  void OnAsyncResponse(uint64_t request_id, HttpResponse response);
  void StartWebSocket();
  // Writes `response`; the connection closes afterwards when `close` is set,
  // the client asked for it, or the server is shutting down.
  void Respond(HttpResponse response, bool close);
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void DoLinger();
  void OnLinger(boost::beast::error_code ec, std::size_t bytes);
  void Fail(boost::beast::error_code ec, std::string_view what);
  void CloseNow();

  void ArmDeadline(std::chrono::milliseconds timeout);
  void CancelDeadline();
  void OnDeadline(uint64_t generation, boost::beast::error_code ec);

  std::string Describe(std::string_view what) const;

  boost::beast::tcp_stream stream_;
  std::shared_ptr<ServerState> state_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::optional<Response> response_;
  boost::asio::steady_timer deadline_;
  uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;

  Phase phase_ = Phase::kIdle;
  uint64_t registry_id_ = 0;
  std::string remote_address_;
  HttpRequest request_;
  const Route* route_ = nullptr;
  unsigned version_ = 11;  // of the current request; 11 until one is parsed
  bool keep_alive_ = true;
  bool close_after_write_ = false;
  uint64_t request_id_ = 0;
  std::shared_ptr<HttpSession> pending_self_;  // set while an async handler owes an answer
};

}  // namespace sextant::internal
