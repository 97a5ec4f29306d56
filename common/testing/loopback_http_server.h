// A real HTTP/1.1 server on 127.0.0.1 for tests: scripted replies per path
// (status, headers, bodies written whole, chunked, paused, trickled, cut off,
// or never), an optional self-signed TLS mode, and a record of every request.
// Test-only; it is not hardened for hostile peers.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sextant::testing {

using HttpHeaderList = std::vector<std::pair<std::string, std::string>>;

// A request as the server received it.
struct ReceivedRequest {
  std::string method;
  // The request target as sent: "/p?q", or "http://host/p?q" through a proxy.
  std::string target;
  // The target's path, without scheme, authority and query: "/p".
  std::string path;
  // Header lines in order, names in lower case.
  HttpHeaderList headers;
  // The body, with any chunked framing removed.
  std::string body;

  // The first value of header `name` (any case), or "".
  std::string Header(std::string_view name) const;
};

// What the server does for one request: steps run in order. After the last
// step the connection stays open for the next request unless a step closed
// it or the request asked for Connection: close. A plain value: copy it
// freely; the server plays its own copy.
class ScriptedReply {
 public:
  struct Step {
    enum class Kind { kWrite, kPause, kClose, kHang };
    Kind kind = Kind::kWrite;
    std::string bytes;                   // kWrite
    std::chrono::milliseconds pause{0};  // kPause
  };

  // No steps: the server answers nothing and reads the next request.
  ScriptedReply() = default;

  // A complete response with a Content-Length; adds "Content-Type:
  // text/plain" when `headers` has no Content-Type.
  static ScriptedReply Full(int status, std::string body, HttpHeaderList headers = {});
  // The status line and exactly `headers`, no framing added: add the body
  // (and whatever framing the test wants) with later steps.
  static ScriptedReply Head(int status, const HttpHeaderList& headers = {});
  // Head plus "Transfer-Encoding: chunked"; follow with Chunk and EndChunks.
  static ScriptedReply Chunked(int status, HttpHeaderList headers = {});
  // An empty 3xx response with a Location.
  static ScriptedReply Redirect(std::string location, int status = 302);
  // Reads the request, answers nothing and holds the connection until the
  // server stops.
  static ScriptedReply Silent();

  // Writes `bytes` as they are.
  ScriptedReply& Write(std::string bytes);
  // Writes one chunk of chunked encoding ("<hex size>\r\n<data>\r\n").
  ScriptedReply& Chunk(std::string_view data);
  // Writes the last chunk ("0\r\n\r\n").
  ScriptedReply& EndChunks();
  // Waits before the next step.
  ScriptedReply& Pause(std::chrono::milliseconds duration);
  // Writes `bytes` one byte at a time with `interval` before each.
  ScriptedReply& Trickle(std::string_view bytes, std::chrono::milliseconds interval);
  // Closes the connection (on TLS, without a close_notify).
  ScriptedReply& Close();
  // Holds the connection open, silent, until the server stops.
  ScriptedReply& Hang();

  const std::vector<Step>& steps() const { return steps_; }

 private:
  std::vector<Step> steps_;
};

struct LoopbackServerOptions {
  static constexpr std::size_t kDefaultMaxRequestBodyBytes = 16u << 20;  // 16 MiB

  // Serve HTTPS with a fresh self-signed certificate for 127.0.0.1.
  bool tls = false;
  // A larger request body gets 413 and the connection is closed.
  std::size_t max_request_body_bytes = kDefaultMaxRequestBodyBytes;
};

// LoopbackHttpServer listens on 127.0.0.1 at an ephemeral port and serves
// from one background thread until it is destroyed. Requests for a path with
// no route get 404.
//
// Ownership: owns its thread, sockets and routes; the destructor stops the
// thread and drops open connections. Thread safety: every public method may
// be called from any thread while the server runs; handlers run on the
// server's thread, one at a time. Errors: Start fails with unavailable when
// it cannot listen or set up TLS; a handler that throws produces a 500 reply.
class LoopbackHttpServer {
 public:
  using Handler = std::function<ScriptedReply(const ReceivedRequest&)>;

  [[nodiscard]] static Result<std::unique_ptr<LoopbackHttpServer>> Start(
      LoopbackServerOptions options = {});
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>" (or https) followed by `path`.
  std::string Url(std::string_view path = "/") const;

  // Answers every request for `path` with `reply` (replacing any route).
  void On(std::string path, ScriptedReply reply);
  // Answers every request for `path` with what `handler` returns.
  void Handle(std::string path, Handler handler);

  // Every request received so far, in order of arrival.
  std::vector<ReceivedRequest> requests() const;
  // Connections accepted so far.
  std::size_t connections_accepted() const;
  // Waits until `count` requests have arrived; false on timeout.
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

  // TLS only: the server's certificate (PEM), usable as a CA bundle.
  const std::string& certificate_pem() const;

 private:
  class Impl;
  explicit LoopbackHttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `data` compressed as gzip (for Content-Encoding: gzip).
std::string GzipCompress(std::string_view data);
// `data` compressed in the zlib format (for Content-Encoding: deflate).
std::string ZlibCompress(std::string_view data);

}  // namespace sextant::testing
