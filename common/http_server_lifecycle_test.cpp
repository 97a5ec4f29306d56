// The HTTP server's life cycle over real loopback sockets: start-up errors,
// the connection limit, graceful shutdown and what is left after it.
#include <chrono>
#include <memory>
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

TEST(HttpServerLifecycleTest, StartRejectsBadOptionsRoutesAndBusyPorts) {
  auto first = tc::StartTestServer({}, Router());
  ASSERT_TRUE(first.ok());
  ServerOptions busy;
  busy.port = (*first)->port();
  auto second = HttpServer::Start(busy, Router());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(busy.port)),
            std::string::npos)
      << second.status().message();

  const std::vector<void (*)(ServerOptions&)> breakers = {
      [](ServerOptions& o) { o.io_threads = 0; },
      [](ServerOptions& o) { o.max_connections = 0; },
      [](ServerOptions& o) { o.max_header_bytes = 0; },
      [](ServerOptions& o) { o.read_timeout_ms = 0; },
      [](ServerOptions& o) { o.idle_timeout_ms = -1; },
      [](ServerOptions& o) { o.write_timeout_ms = 0; },
      [](ServerOptions& o) { o.linger_timeout_ms = 0; },
      [](ServerOptions& o) { o.ws_send_queue_limit = 0; },
      [](ServerOptions& o) { o.ws_max_message_bytes = 0; },
      [](ServerOptions& o) { o.ws_idle_timeout_ms = 0; },
  };
  for (auto breaker : breakers) {
    ServerOptions o;
    breaker(o);
    auto s = HttpServer::Start(o, Router());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
  }

  Router router;
  EXPECT_EQ(router.Add("GET", "/x", Handler()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.AddAsync("GET", "/x", AsyncHandler()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("GET", "x", [](const HttpRequest&) { return HttpResponse{}; }).code(),
            StatusCode::kInvalidArgument);
}

TEST(HttpServerLifecycleTest, MaxConnections) {
  ServerOptions options;
  options.max_connections = 2;
  tc::ErrorLog log;
  auto server = tc::StartTestServer(options, Router(), &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  auto a = std::make_unique<tc::TestConnection>(port);
  tc::TestConnection b(port);
  ASSERT_TRUE(a->Request("GET", "/health").ok());  // both are accepted and registered
  ASSERT_TRUE(b.Request("GET", "/health").ok());
  tc::TestConnection refused(port);
  auto rest = refused.ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(*rest, "");
  EXPECT_TRUE(log.Contains("max_connections"));

  // Once a connection ends, a new one is served. The server notices the close
  // asynchronously, so the new connection is retried for a while.
  a.reset();
  const auto deadline = std::chrono::steady_clock::now() + tc::kTimeout;
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    served = tc::ServesHealth(port).ok();
    if (!served) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST(HttpServerLifecycleTest, GracefulShutdownFinishesAnInFlightRequest) {
  tc::PendingResponders pending;
  Router router;
  ASSERT_TRUE(router
                  .AddAsync("GET", "/work",
                            [&](const HttpRequest&, Responder respond) {
                              pending.Push(std::move(respond));
                            })
                  .ok());
  tc::ErrorLog log;
  auto server = tc::StartTestServer({}, std::move(router), &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection idle(port);
  ASSERT_TRUE(idle.Request("GET", "/health").ok());
  tc::TestConnection busy(port);
  ASSERT_TRUE(busy.Write(tc::FormatRequest("GET", "/work", {})).ok());
  ASSERT_TRUE(pending.WaitForCount(1));

  // The worker answers while Shutdown waits: the client gets its answer, with
  // the connection marked to close.
  std::thread worker([&] {
    std::this_thread::sleep_for(milliseconds(100));  // the slow work
    pending.Take(0)(JsonResponse(200, {{"done", true}}));
  });
  const auto start = std::chrono::steady_clock::now();
  (*server)->Shutdown(milliseconds(5000));
  const auto took = std::chrono::steady_clock::now() - start;
  worker.join();
  EXPECT_LT(took, milliseconds(4000));

  auto r = busy.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << log.Dump();
  EXPECT_EQ(r->json()["done"], true);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(idle.ReadUntilClosed().ok());
  EXPECT_FALSE(tc::ServesHealth(port).ok());
  (*server)->Shutdown(milliseconds(10));  // again: nothing happens
}

TEST(HttpServerLifecycleTest, ShutdownAfterTheGraceDropsUnansweredRequests) {
  tc::PendingResponders pending;
  Router router;
  ASSERT_TRUE(router
                  .AddAsync("GET", "/never",
                            [&](const HttpRequest&, Responder respond) {
                              pending.Push(std::move(respond));
                            })
                  .ok());
  tc::ErrorLog log;
  ServerOptions options;
  options.shutdown_grace_ms = 200;
  auto server = tc::StartTestServer(options, std::move(router), &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection c(port);
  ASSERT_TRUE(c.Write(tc::FormatRequest("GET", "/never", {})).ok());
  ASSERT_TRUE(pending.WaitForCount(1));
  const auto start = std::chrono::steady_clock::now();
  server->reset();  // the destructor shuts down with shutdown_grace_ms
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(4000));
  Responder late = pending.Take(0);
  const std::size_t errors = log.size();
  late(JsonResponse(200, {}));  // after the server is gone: ignored
  late = nullptr;
  EXPECT_EQ(log.size(), errors);
  auto rest = c.ReadUntilClosed();
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, "");
}

}  // namespace
}  // namespace sextant
