// Test-only HTTP and WebSocket clients for the server's tests: real TCP
// sockets on loopback, Beast underneath, every operation bounded by a
// timeout so that a misbehaving server fails a test instead of hanging it.
//
// Thread safety: one object per thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "common/http_server.h"
#include "common/json.h"
#include "common/status.h"

namespace sextant::internal::test_client {

inline constexpr std::chrono::milliseconds kTimeout{5000};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool keep_alive = false;

  std::string Header(const std::string& lower_name) const;
  // The parsed body, or null when it is not JSON.
  Json json() const;
  // body["error"]["code"], or "" when absent.
  std::string error_code() const;
};

// Runs one asynchronous operation, started by `initiate(handler)`, for at
// most `timeout`; on expiry cancels `socket` and returns timed_out.
template <typename Initiate>
boost::beast::error_code RunWithTimeout(boost::asio::io_context& ioc,
                                        boost::asio::ip::tcp::socket& socket,
                                        std::chrono::milliseconds timeout, Initiate&& initiate) {
  std::optional<boost::beast::error_code> result;
  initiate([&result](boost::beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run_for(timeout);
  if (result) return *result;
  boost::beast::error_code ignored;
  socket.cancel(ignored);
  ioc.restart();
  ioc.run();
  return boost::asio::error::timed_out;
}

// One TCP connection to 127.0.0.1:port.
class TestConnection {
 public:
  explicit TestConnection(uint16_t port);

  // OK when connected.
  const Status& status() const { return status_; }

  Status Write(std::string_view bytes, std::chrono::milliseconds timeout = kTimeout);
  // Reads one response (bytes after it stay buffered for the next call).
  Result<ClientResponse> ReadResponse(std::chrono::milliseconds timeout = kTimeout);
  // Writes `byte` every `interval` while waiting for a response, like a
  // client that dribbles an endless request.
  Result<ClientResponse> DribbleUntilAnswered(char byte, std::chrono::milliseconds interval,
                                              std::chrono::milliseconds timeout = kTimeout);
  // Reads until the server closes; returns what arrived. deadline_exceeded if it does not close.
  Result<std::string> ReadUntilClosed(std::chrono::milliseconds timeout = kTimeout);
  // Writes a request with Host and Content-Length, then reads the response.
  Result<ClientResponse> Request(std::string_view method, std::string_view target,
                                 std::string_view body = {}, const Headers& headers = {},
                                 std::chrono::milliseconds timeout = kTimeout);

  boost::asio::io_context& ioc() { return ioc_; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  Status status_;
};

// Formats a request with Host and Content-Length (and the given headers).
std::string FormatRequest(std::string_view method, std::string_view target, std::string_view body,
                          const Headers& headers = {});

// One request on a fresh connection.
Result<ClientResponse> Fetch(uint16_t port, std::string_view method, std::string_view target,
                             std::string_view body = {}, const Headers& headers = {});

// A WebSocket client connection.
class TestWebSocket {
 public:
  TestWebSocket();

  // Connects and upgrades. When the server answers the upgrade with an HTTP
  // error, `refused_status` (if given) receives its status.
  Status Connect(uint16_t port, std::string_view target, const Headers& headers = {},
                 int* refused_status = nullptr);

  Status Send(std::string_view message, bool binary = false,
              std::chrono::milliseconds timeout = kTimeout);
  // The next message. When the server closed the connection, an error whose
  // message holds "closed"; close_code() then gives the code.
  Result<std::string> Read(std::chrono::milliseconds timeout = kTimeout);
  Status Close(int code, std::chrono::milliseconds timeout = kTimeout);
  // The code of the server's close frame, 0 before one arrived.
  int close_code() const;
  // Reads messages until the server closes; returns how many arrived before.
  Result<int> ReadUntilClosed(std::chrono::milliseconds timeout = kTimeout);

  boost::asio::ip::tcp::socket& socket() { return ws_.next_layer(); }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
};

// Collects what the server reports through ServerOptions::on_error.
// Thread-safe; must outlive the server it is given to.
class ErrorLog {
 public:
  std::function<void(std::string_view)> Sink();
  // Waits until a line containing `needle` has arrived.
  bool WaitFor(std::string_view needle, std::chrono::milliseconds timeout = kTimeout);
  bool Contains(std::string_view needle) const;
  std::size_t size() const;
  std::string Dump() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

// Hands the Responders of asynchronous handlers to the test thread. Thread-safe.
class PendingResponders {
 public:
  void Push(Responder responder);
  // Waits until `n` Responders have arrived in all.
  bool WaitForCount(std::size_t n, std::chrono::milliseconds timeout = kTimeout);
  // Takes the i-th Responder that arrived (counting from 0).
  Responder Take(std::size_t i);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Responder> pending_;
};

// Starts a server on an ephemeral loopback port with `router` plus a public
// GET /health route, reporting errors to `log` when given.
Result<std::unique_ptr<HttpServer>> StartTestServer(ServerOptions options, Router router,
                                                    ErrorLog* log = nullptr);

// OK when GET /health on a fresh connection answers 200.
Status ServesHealth(uint16_t port);

}  // namespace sextant::internal::test_client
