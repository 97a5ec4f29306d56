// The HTTP/1.1 and WebSocket server base that the ToolServer and the agent
// server are built on (Boost.Beast underneath; no Boost type appears here).
//
// A Router maps (method, path pattern) to handlers; HttpServer::Start binds a
// listening socket and serves the Router on a pool of I/O threads until
// Shutdown or destruction.
//
// Error bodies are JSON, {"error":{"code":"...","message":"..."}}. The server
// itself answers with these stable codes:
//   bad_request         400  malformed HTTP, bad target or percent-encoding
//   unauthorized        401  missing or wrong bearer token
//   not_found           404  no route for the path
//   method_not_allowed  405  the path has routes, none for this method (see Allow)
//   request_timeout     408  the request was not read within read_timeout_ms
//   payload_too_large   413  the body is over max_body_bytes
//   expectation_failed  417  an Expect header other than 100-continue
//   upgrade_required    426  a plain request to a WebSocket-only route
//   header_too_large    431  the request line and headers are over max_header_bytes
//   internal            500  a handler threw, dropped its Responder or made a bad response
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace sextant {

namespace internal {
class RouteTable;
}  // namespace internal

// One parsed request. Plain value; the server owns it while a handler runs.
struct HttpRequest {
  std::string method;  // "GET", exactly as sent
  std::string target;  // the raw request target, "/v1/x%20y?a=1"
  std::string path;    // the percent-decoded path, "/v1/x y"
  // Percent-decoded query parameters ('+' is a space); a repeated key keeps its first value.
  std::map<std::string, std::string> query;
  // Header fields in arrival order, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Values of the route's {name} and {name*} segments, percent-decoded. A
  // {name} value may hold any byte but NUL (including '/' sent as %2F), and a
  // {name*} value may hold ".." segments: handlers that map them onto files
  // must validate them.
  std::map<std::string, std::string> path_params;
  std::string remote_address;  // "127.0.0.1:50312"

  // The first header field named `name` (compared case-insensitively), or "".
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;  // 200..599; anything else is turned into a 500
  // Extra header fields. Names must be HTTP tokens and values must not hold
  // CR, LF or NUL; a response that breaks this is replaced by a 500.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";  // omitted when empty
  std::string body;
};

// `body` dumped as compact JSON, with the given status.
HttpResponse JsonResponse(int status, const Json& body);
// {"error":{"code":code,"message":message}} with the given status.
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message);

// A synchronous handler runs on an I/O thread, so it must be cheap (no blocking
// I/O, no tool execution). Exceptions it throws become a 500 "internal".
// The request reference is valid for the duration of the call only.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Answers one request. Call it once, from any thread; later calls are
// ignored. If every copy is destroyed without a call, the client gets a 500.
// Calls after the server shut down are ignored.
using Responder = std::function<void(HttpResponse)>;

// An asynchronous handler runs on an I/O thread and must return quickly: it
// hands slow work (such as tool execution) to a worker pool of the caller's,
// which later calls the Responder. The request reference is valid for the
// duration of the call only: copy what the work needs. The connection waits
// (and counts against max_connections) until the Responder is called or
// dropped, or until Shutdown's grace period ends.
using AsyncHandler = std::function<void(const HttpRequest&, Responder)>;

// The server's side of one open WebSocket (text messages only).
//
// Ownership: shared. The server keeps a connection's state alive while the
// socket is open; a handle kept longer is harmless (Send returns false).
// Thread safety: every method may be called from any thread.
//
// Slow readers: outgoing messages wait in a queue of at most
// ServerOptions::ws_send_queue_limit messages (the one being written counts).
// When a Send finds the queue full, it returns false, the queued messages are
// dropped and the connection is closed with 1008 "send queue full": an event
// stream that silently skipped events would mislead its reader, so a reader
// that falls behind is told so and must reconnect and catch up.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;

  // Queues one text message. False when the connection is closing or closed,
  // or when the queue is full (which closes the connection, see above).
  virtual bool Send(std::string text) = 0;

  // Starts the close handshake. Codes outside 1000-1003, 1007-1014 and
  // 3000-4999 are sent as 1000; the reason is cut to 123 bytes. Messages still
  // queued are dropped. If the peer does not answer within
  // ws_handshake_timeout_ms, the socket is closed.
  virtual void Close(int code, std::string reason) = 0;

  // The upgrade request: path, query, headers, path_params, remote_address.
  virtual const HttpRequest& request() const = 0;
};

// Callbacks of one WebSocket route. They run on an I/O thread (one at a time
// per connection, in order: on_open, on_message..., on_close) and must be
// cheap. Any may be empty. An exception from one closes the connection with
// 1011. on_close runs once for every connection whose on_open ran, whatever
// ended it (including Shutdown).
struct WebSocketHandler {
  std::function<void(std::shared_ptr<WebSocketConnection>)> on_open;
  std::function<void(const std::shared_ptr<WebSocketConnection>&, std::string)> on_message;
  std::function<void(const std::shared_ptr<WebSocketConnection>&)> on_close;
};

struct RouteOptions {
  // Requires `Authorization: Bearer <ServerOptions::bearer_token>` (or, for a
  // WebSocket route, `?access_token=<token>`). Ignored when the server has no
  // token.
  bool auth = true;
};

// Maps (method, path pattern) to handlers.
//
// A pattern is a '/'-separated path whose segments are literals, `{name}`
// (one segment) or, as the last segment only, `{name*}` (the rest of the path,
// possibly empty). Literal segments win over `{name}`, which wins over
// `{name*}`. Methods match exactly (no implicit HEAD).
//
// Ownership: a value, moved into HttpServer::Start. Thread safety: not
// thread-safe; build it on one thread before Start. Errors: Add* returns
// invalid_argument for a malformed pattern or method or an empty handler, and
// already_exists for a route that has the same method and the same pattern
// up to parameter names as one added before.
class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  [[nodiscard]] Status Add(std::string_view method, std::string_view pattern, Handler handler,
                           RouteOptions options = {});
  [[nodiscard]] Status AddAsync(std::string_view method, std::string_view pattern,
                                AsyncHandler handler, RouteOptions options = {});
  // A WebSocket endpoint (a GET with Upgrade). A plain request to it gets 426.
  [[nodiscard]] Status AddWebSocket(std::string_view pattern, WebSocketHandler handler,
                                    RouteOptions options = {});

 private:
  friend class HttpServer;
  std::unique_ptr<internal::RouteTable> table_;
};

// Every size and time limit of the server. The defaults suit a service on
// loopback; tests shrink them.
struct ServerOptions {
  static constexpr std::size_t kKiB = 1024;
  static constexpr std::size_t kMiB = 1024 * kKiB;

  std::string host = "127.0.0.1";  // an IP address or a resolvable name
  uint16_t port = 0;               // 0: an ephemeral port (see HttpServer::port())
  int io_threads = 2;              // threads that run handlers and socket I/O
  int max_connections = 1024;      // accepted sockets over this are closed at once

  std::size_t max_body_bytes = 1 * kMiB;     // 413 over this (Content-Length or chunked)
  std::size_t max_header_bytes = 16 * kKiB;  // 431 when the request line and headers exceed it
  int read_timeout_ms = 30000;   // the whole request, first byte to end of body; then 408
  int idle_timeout_ms = 60000;   // a connection with no request in progress is closed after this
  int write_timeout_ms = 30000;  // a response not written by then closes the connection
  int linger_timeout_ms = 2000;  // before closing, unread input is drained for at most this long
  int shutdown_grace_ms = 5000;  // the grace the destructor gives to Shutdown

  std::size_t ws_max_message_bytes = 1 * kMiB;  // a larger incoming message closes with 1009
  std::size_t ws_send_queue_limit = 256;        // messages; see WebSocketConnection
  int ws_handshake_timeout_ms = 10000;          // the opening and the closing handshake
  int ws_idle_timeout_ms = 60000;  // pings at half of this; a silent peer is dropped at it

  std::string bearer_token;  // empty: no authentication on any route

  // Receives a one-line description of each failure the server meets (a
  // client that timed out, a handler that threw, a bind error is returned by
  // Start instead). Calls are serialized; it must not call back into the
  // server. Empty: failures are not reported.
  std::function<void(std::string_view)> on_error;
};

// A running server.
//
// Ownership: the caller owns it through the unique_ptr from Start; destroying
// it shuts it down (with ServerOptions::shutdown_grace_ms). Thread safety:
// port() and address() may be called from any thread; Shutdown may be called
// from any thread except an I/O thread (never from a handler). Errors: Start
// returns invalid_argument for bad options or host, and unavailable, naming
// the address, when it cannot bind or listen (for example a port in use).
class HttpServer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options,
                                                                 Router router);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the ephemeral one when ServerOptions::port was 0).
  uint16_t port() const;
  // "127.0.0.1:8080" ("[::1]:8080" for IPv6).
  std::string address() const;

  // Stops accepting, lets requests in progress finish and closes WebSockets
  // with 1001 "going away", waiting at most `grace`; then closes whatever is
  // left, stops the I/O threads and joins them. No handler or callback runs
  // after it returns. Calling it again does nothing.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct Impl;
  // Lets Start use std::make_unique while nobody else can construct a server.
  class PassKey {
    friend class HttpServer;
    PassKey() = default;
  };

 public:
  HttpServer(PassKey, std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant
