// Hostile and malformed clients against the HTTP server's limits: garbage,
// oversize headers and bodies, request smuggling shapes, slow and idle
// clients, clients that do not read. After each, the server must still serve.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_server.h"
#include "common/testing/beast_test_client.h"

namespace sextant {
namespace {

namespace tc = internal::test_client;
using std::chrono::milliseconds;

// A server with POST /echo answering {"bytes": body size}, and GET /big
// answering `big_body_bytes` bytes.
Result<std::unique_ptr<HttpServer>> StartEchoServer(ServerOptions options, tc::ErrorLog* log,
                                                    std::size_t big_body_bytes = 0) {
  Router router;
  SEXTANT_RETURN_IF_ERROR(router.Add("POST", "/echo", [](const HttpRequest& req) {
    return JsonResponse(200, {{"bytes", req.body.size()}});
  }));
  SEXTANT_RETURN_IF_ERROR(router.Add("GET", "/big", [big_body_bytes](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "application/octet-stream";
    r.body.assign(big_body_bytes, 'b');
    return r;
  }));
  return tc::StartTestServer(std::move(options), std::move(router), log);
}

// A string literal with its embedded NUL bytes, without the terminating one.
template <std::size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// Sends `bytes` on a fresh connection and reads the answer.
Result<tc::ClientResponse> SendRaw(uint16_t port, std::string_view bytes) {
  tc::TestConnection c(port);
  SEXTANT_RETURN_IF_ERROR(c.status());
  SEXTANT_RETURN_IF_ERROR(c.Write(bytes));
  return c.ReadResponse();
}

TEST(HttpServerLimitsTest, GarbageAndMalformedRequestsGet400) {
  tc::ErrorLog log;
  auto server = StartEchoServer({}, &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  const std::vector<std::string> garbage = {
      Bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n"),
      "GET\r\n\r\n",
      "G@T / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
      "GET / HTTX/1.1\r\nHost: x\r\n\r\n",
      "GET /health HTTP/1.1\r\nNo-Colon-Here\r\n\r\n",
      "GET /health HTTP/1.1\r\nBad Name: x\r\n\r\n",
      Bytes("GET /health HTTP/1.1\r\nX: a\0b\r\n\r\n"),
      "GET http://example.com/health HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /health%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /health%00 HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /health?x=%0 HTTP/1.1\r\nHost: x\r\n\r\n",
      // Framing that could smuggle a second request past a proxy.
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
  };
  for (const std::string& bytes : garbage) {
    auto r = SendRaw(port, bytes);
    ASSERT_TRUE(r.ok()) << bytes << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 400) << bytes;
    EXPECT_EQ(r->error_code(), "bad_request") << bytes;
    EXPECT_FALSE(r->keep_alive) << bytes;
    ASSERT_TRUE(tc::ServesHealth(port).ok()) << bytes;
  }
  EXPECT_TRUE(log.Contains("malformed request"));

  // Binary noise with no line end at all: cut off at the header limit or as malformed.
  std::string noise;
  for (int i = 0; i < 40000; ++i) noise.push_back(static_cast<char>((i * 131 + 7) % 251 + 1));
  auto r = SendRaw(port, noise);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->status == 400 || r->status == 431) << r->status;
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerLimitsTest, OversizeHeaderIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartEchoServer(options, nullptr);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  auto r = tc::Fetch(port, "GET", "/health", {}, {{"X-Fits", std::string(700, 'a')}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  r = tc::Fetch(port, "GET", "/health", {}, {{"X-Big", std::string(2000, 'a')}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->error_code(), "header_too_large");

  tc::Headers many;
  for (int i = 0; i < 100; ++i) many.emplace_back("X-H" + std::to_string(i), "0123456789");
  r = tc::Fetch(port, "GET", "/health", {}, many);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 431);

  r = tc::Fetch(port, "GET", "/" + std::string(2000, 'p'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerLimitsTest, OversizeBodyIs413ByContentLengthAndByChunks) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartEchoServer(options, nullptr);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  auto r = tc::Fetch(port, "POST", "/echo", std::string(1024, 'x'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["bytes"], 1024);

  // Rejected from the header alone: the body is never sent.
  r = SendRaw(port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->error_code(), "payload_too_large");
  EXPECT_FALSE(r->keep_alive);
  r = SendRaw(port,
              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->status == 413 || r->status == 400) << r->status;

  auto chunked = [](int chunks, int size) {
    std::string out = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    char hex[16];
    std::snprintf(hex, sizeof(hex), "%x", size);
    for (int i = 0; i < chunks; ++i)
      out += std::string(hex) + "\r\n" + std::string(size, 'c') + "\r\n";
    return out + "0\r\n\r\n";
  };
  r = SendRaw(port, chunked(4, 256));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["bytes"], 1024);
  r = SendRaw(port, chunked(8, 256));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->error_code(), "payload_too_large");
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerLimitsTest, SlowClientIsHeldToTheReadDeadline) {
  ServerOptions options;
  options.read_timeout_ms = 300;
  tc::ErrorLog log;
  auto server = StartEchoServer(options, &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  // Dribbles one byte of an endless header every 20 ms while waiting for the answer.
  tc::TestConnection c(port);
  ASSERT_TRUE(c.Write("GET /health HTTP/1.1\r\nX-Slow: ").ok());
  const auto start = std::chrono::steady_clock::now();
  auto answer = c.DribbleUntilAnswered('a', milliseconds(20));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 408);
  EXPECT_EQ(answer->error_code(), "request_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(4000));
  EXPECT_TRUE(log.Contains("read timeout"));

  // A body that stops arriving is held to the same deadline.
  tc::TestConnection stalled(port);
  ASSERT_TRUE(
      stalled.Write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc").ok());
  auto r = stalled.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerLimitsTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout_ms = 300;
  auto server = StartEchoServer(options, nullptr);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection used(port);
  ASSERT_TRUE(used.Request("GET", "/health").ok());
  auto rest = used.ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(*rest, "");  // closed without a word

  tc::TestConnection silent(port);  // never sends anything
  rest = silent.ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(*rest, "");
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerLimitsTest, WriteTimeoutDropsAClientThatDoesNotRead) {
  constexpr std::size_t kBigBody = 64u << 20;
  ServerOptions options;
  options.write_timeout_ms = 300;
  tc::ErrorLog log;
  auto server = StartEchoServer(options, &log, kBigBody);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  // 64 MiB is more than the socket buffers on both sides hold.
  tc::TestConnection c(port);
  ASSERT_TRUE(c.Write(tc::FormatRequest("GET", "/big", {})).ok());
  EXPECT_TRUE(log.WaitFor("write: ")) << log.Dump();
  auto received = c.ReadUntilClosed();
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  EXPECT_LT(received->size(), kBigBody);
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerLimitsTest, LingeringAfterAnEarlyAnswerIsBounded) {
  ServerOptions options;
  options.max_body_bytes = 16;
  options.linger_timeout_ms = 300;
  auto server = StartEchoServer(options, nullptr);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection c(port);
  ASSERT_TRUE(c.Write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n").ok());
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 413);
  // The client goes on sending its body; the server drains it for a while,
  // then closes, and the writes fail.
  const std::string chunk(16 * 1024, 'z');
  const auto deadline = std::chrono::steady_clock::now() + tc::kTimeout;
  Status written;
  while (written.ok() && std::chrono::steady_clock::now() < deadline) written = c.Write(chunk);
  EXPECT_FALSE(written.ok()) << "the server kept draining past linger_timeout_ms";
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

}  // namespace
}  // namespace sextant
