// WebSocket routes over real loopback sockets: echo, path parameters, auth,
// sends from other threads, the bounded send queue, size and time limits,
// and the close handshake.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_server.h"
#include "common/testing/beast_test_client.h"

namespace sextant {
namespace {

namespace tc = internal::test_client;
using std::chrono::milliseconds;

constexpr std::string_view kToken = "ws-token";

// Records the server side of WebSocket connections for the test thread.
class Connections {
 public:
  WebSocketHandler Handler(bool echo = true) {
    WebSocketHandler h;
    h.on_open = [this](std::shared_ptr<WebSocketConnection> c) {
      std::lock_guard lock(mu_);
      open_.push_back(std::move(c));
      cv_.notify_all();
    };
    if (echo) {
      h.on_message = [this](const std::shared_ptr<WebSocketConnection>& c, std::string text) {
        if (text == "throw") throw std::runtime_error("on_message failed");
        std::lock_guard lock(mu_);
        messages_.push_back(text);
        const auto& params = c->request().path_params;
        const auto id = params.find("id");
        c->Send((id == params.end() ? std::string() : id->second + ":") + text);
      };
    }
    h.on_close = [this](const std::shared_ptr<WebSocketConnection>&) {
      std::lock_guard lock(mu_);
      ++closed_;
      cv_.notify_all();
    };
    return h;
  }

  std::shared_ptr<WebSocketConnection> WaitOpen(std::size_t index = 0) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, tc::kTimeout, [&] { return open_.size() > index; })) return nullptr;
    return open_[index];
  }
  bool WaitClosed(int count = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, tc::kTimeout, [&] { return closed_ >= count; });
  }
  int closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::size_t messages() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<WebSocketConnection>> open_;
  std::vector<std::string> messages_;
  int closed_ = 0;
};

Result<std::unique_ptr<HttpServer>> StartWsServer(ServerOptions options, Connections& conns,
                                                  tc::ErrorLog* log = nullptr) {
  Router router;
  SEXTANT_RETURN_IF_ERROR(router.AddWebSocket("/v1/runs/{id}/events", conns.Handler()));
  return tc::StartTestServer(std::move(options), std::move(router), log);
}

TEST(HttpServerWebSocketTest, EchoesWithPathParams) {
  Connections conns;
  auto server = StartWsServer({}, conns);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect(port, "/v1/runs/r%2042/events?x=1").ok());
  auto conn = conns.WaitOpen();
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->request().path_params.at("id"), "r 42");
  EXPECT_EQ(conn->request().query.at("x"), "1");
  for (const std::string& text :
       std::vector<std::string>{"hello", "", "ünïcödé", std::string(100000, 'x')}) {
    ASSERT_TRUE(ws.Send(text).ok());
    auto echoed = ws.Read();
    ASSERT_TRUE(echoed.ok()) << echoed.status().ToString();
    EXPECT_EQ(*echoed, "r 42:" + text);
  }
  ASSERT_TRUE(ws.Close(1000).ok());
  EXPECT_TRUE(conns.WaitClosed());
  EXPECT_FALSE(conn->Send("after close"));
}

TEST(HttpServerWebSocketTest, PlainRequestsAndUnknownPaths) {
  Connections conns;
  auto server = StartWsServer({}, conns);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  auto r = tc::Fetch(port, "GET", "/v1/runs/1/events");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 426);
  EXPECT_EQ(r->error_code(), "upgrade_required");
  r = tc::Fetch(port, "POST", "/v1/runs/1/events", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET");

  tc::TestWebSocket ws;
  int refused = 0;
  EXPECT_FALSE(ws.Connect(port, "/v1/nothing", {}, &refused).ok());
  EXPECT_EQ(refused, 404);
}

TEST(HttpServerWebSocketTest, AuthByHeaderOrQueryToken) {
  Connections conns;
  ServerOptions options;
  options.bearer_token = std::string(kToken);
  auto server = StartWsServer(options, conns);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();
  const std::string token(kToken);

  for (const std::string& target : std::vector<std::string>{
           "/v1/runs/1/events", "/v1/runs/1/events?access_token=wrong",
           "/v1/runs/1/events?access_token=" + token + "x", "/v1/runs/1/events?access_token="}) {
    tc::TestWebSocket ws;
    int refused = 0;
    EXPECT_FALSE(ws.Connect(port, target, {}, &refused).ok()) << target;
    EXPECT_EQ(refused, 401) << target;
  }
  {
    tc::TestWebSocket ws;
    int refused = 0;
    EXPECT_FALSE(
        ws.Connect(port, "/v1/runs/1/events", {{"Authorization", "Bearer nope"}}, &refused).ok());
    EXPECT_EQ(refused, 401);
  }
  EXPECT_EQ(conns.closed(), 0);

  tc::TestWebSocket by_header;
  ASSERT_TRUE(
      by_header.Connect(port, "/v1/runs/1/events", {{"Authorization", "Bearer " + token}}).ok());
  ASSERT_TRUE(by_header.Send("a").ok());
  EXPECT_EQ(by_header.Read().value_or(""), "1:a");

  tc::TestWebSocket by_query;
  ASSERT_TRUE(by_query.Connect(port, "/v1/runs/2/events?access_token=" + token).ok());
  ASSERT_TRUE(by_query.Send("b").ok());
  EXPECT_EQ(by_query.Read().value_or(""), "2:b");
}

TEST(HttpServerWebSocketTest, ServerSendsFromAnotherThreadAndCloses) {
  Connections conns;
  auto server = StartWsServer({}, conns);
  ASSERT_TRUE(server.ok());
  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect((*server)->port(), "/v1/runs/7/events").ok());
  auto conn = conns.WaitOpen();
  ASSERT_NE(conn, nullptr);

  constexpr int kMessages = 200;
  std::thread sender([&] {
    for (int i = 0; i < kMessages; ++i) {
      // The queue limit (256) is never reached while the client reads.
      if (!conn->Send("event " + std::to_string(i))) return;
    }
  });
  for (int i = 0; i < kMessages; ++i) {
    auto m = ws.Read();
    ASSERT_TRUE(m.ok()) << i << ": " << m.status().ToString();
    EXPECT_EQ(*m, "event " + std::to_string(i));
  }
  sender.join();

  std::thread([&] { conn->Close(4000, "run finished"); }).join();
  auto after = ws.Read();
  EXPECT_FALSE(after.ok());
  EXPECT_EQ(ws.close_code(), 4000);
  EXPECT_TRUE(conns.WaitClosed());
  EXPECT_FALSE(conn->Send("late"));
}

TEST(HttpServerWebSocketTest, FullSendQueueClosesASlowReaderWith1008) {
  Connections conns;
  ServerOptions options;
  options.ws_send_queue_limit = 4;
  tc::ErrorLog log;
  auto server = StartWsServer(options, conns, &log);
  ASSERT_TRUE(server.ok());
  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect((*server)->port(), "/v1/runs/1/events").ok());
  auto conn = conns.WaitOpen();
  ASSERT_NE(conn, nullptr);

  // The client does not read: socket buffers fill, then the queue does.
  const std::string message(64 * 1024, 'm');
  int sent = 0;
  constexpr int kMaxAttempts = 10000;
  while (sent < kMaxAttempts && conn->Send(message)) ++sent;
  ASSERT_LT(sent, kMaxAttempts) << "the send queue never filled";
  EXPECT_FALSE(conn->Send("more"));
  EXPECT_TRUE(log.WaitFor("send queue full"));

  // When the client reads again, it gets what was in flight, then 1008.
  auto received = ws.ReadUntilClosed();
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  EXPECT_LT(*received, sent);
  EXPECT_EQ(ws.close_code(), 1008);
  EXPECT_TRUE(conns.WaitClosed());
}

TEST(HttpServerWebSocketTest, OversizeMessageClosesWith1009) {
  Connections conns;
  ServerOptions options;
  options.ws_max_message_bytes = 1024;
  tc::ErrorLog log;
  auto server = StartWsServer(options, conns, &log);
  ASSERT_TRUE(server.ok());
  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect((*server)->port(), "/v1/runs/1/events").ok());

  ASSERT_TRUE(ws.Send(std::string(1024, 'a')).ok());
  auto echoed = ws.Read();
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->size(), 1024u + 2);

  ASSERT_TRUE(ws.Send(std::string(1025, 'a')).ok());
  EXPECT_FALSE(ws.Read().ok());
  EXPECT_EQ(ws.close_code(), 1009);
  EXPECT_TRUE(conns.WaitClosed());
  EXPECT_EQ(conns.messages(), 1u);
  EXPECT_TRUE(log.Contains("closed with 1009"));
  EXPECT_TRUE(tc::ServesHealth((*server)->port()).ok());
}

TEST(HttpServerWebSocketTest, BinaryAndThrowingCallbacksClose) {
  Connections conns;
  tc::ErrorLog log;
  auto server = StartWsServer({}, conns, &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestWebSocket binary;
  ASSERT_TRUE(binary.Connect(port, "/v1/runs/1/events").ok());
  ASSERT_TRUE(binary.Send("\x01\x02", /*binary=*/true).ok());
  EXPECT_FALSE(binary.Read().ok());
  EXPECT_EQ(binary.close_code(), 1003);

  tc::TestWebSocket throwing;
  ASSERT_TRUE(throwing.Connect(port, "/v1/runs/2/events").ok());
  ASSERT_TRUE(throwing.Send("throw").ok());
  EXPECT_FALSE(throwing.Read().ok());
  EXPECT_EQ(throwing.close_code(), 1011);
  EXPECT_TRUE(log.Contains("on_message threw: on_message failed"));
  EXPECT_TRUE(conns.WaitClosed(2));

  tc::TestWebSocket fine;
  ASSERT_TRUE(fine.Connect(port, "/v1/runs/3/events").ok());
  ASSERT_TRUE(fine.Send("ok").ok());
  EXPECT_EQ(fine.Read().value_or(""), "3:ok");
}

TEST(HttpServerWebSocketTest, SilentPeerIsDroppedAtTheIdleTimeout) {
  Connections conns;
  ServerOptions options;
  options.ws_idle_timeout_ms = 300;
  auto server = StartWsServer(options, conns);
  ASSERT_TRUE(server.ok());
  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect((*server)->port(), "/v1/runs/1/events").ok());
  // The client never reads, so it never answers the server's pings.
  EXPECT_TRUE(conns.WaitClosed());
}

TEST(HttpServerWebSocketTest, UnansweredCloseIsCutOffAtTheHandshakeTimeout) {
  Connections conns;
  ServerOptions options;
  options.ws_handshake_timeout_ms = 300;
  tc::ErrorLog log;
  auto server = StartWsServer(options, conns, &log);
  ASSERT_TRUE(server.ok());
  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect((*server)->port(), "/v1/runs/1/events").ok());
  auto conn = conns.WaitOpen();
  ASSERT_NE(conn, nullptr);
  conn->Close(1000, "bye");
  // The client never reads the close frame, so it never answers it.
  EXPECT_TRUE(conns.WaitClosed());
}

TEST(HttpServerWebSocketTest, ShutdownClosesWith1001) {
  Connections conns;
  auto server = StartWsServer({}, conns);
  ASSERT_TRUE(server.ok());
  tc::TestWebSocket ws;
  ASSERT_TRUE(ws.Connect((*server)->port(), "/v1/runs/1/events").ok());
  auto conn = conns.WaitOpen();
  ASSERT_NE(conn, nullptr);

  std::thread reader([&] { EXPECT_FALSE(ws.Read().ok()); });
  (*server)->Shutdown(milliseconds(3000));
  reader.join();
  EXPECT_EQ(ws.close_code(), 1001);
  EXPECT_EQ(conns.closed(), 1);
  EXPECT_FALSE(conn->Send("after shutdown"));
  conn->Close(1000, "after shutdown");  // harmless
}

}  // namespace
}  // namespace sextant
