// The HTTP server over real loopback sockets: routing, JSON, auth, handlers
// (sync, async, throwing), keep-alive and pipelining, Expect: 100-continue.
#include "common/http_server.h"

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/beast_test_client.h"

namespace sextant {
namespace {

namespace tc = internal::test_client;
using std::chrono::milliseconds;

constexpr std::string_view kToken = "s3cret-token";

TEST(HttpServerTest, RoutesWithPathParamsAndCatchAll) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/v1/sessions/{id}",
                       [](const HttpRequest& req) {
                         return JsonResponse(200, {{"id", req.path_params.at("id")},
                                                   {"path", req.path},
                                                   {"remote", req.remote_address},
                                                   {"agent", req.Header("x-agent")}});
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("GET", "/v1/sessions/new",
                       [](const HttpRequest&) {
                         return JsonResponse(200, {{"new", true}});
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("GET", "/v1/sessions/{id}/files/{path*}",
                       [](const HttpRequest& req) {
                         auto q = req.query.find("q");
                         return JsonResponse(200, {{"id", req.path_params.at("id")},
                                                   {"file", req.path_params.at("path")},
                                                   {"q", q == req.query.end() ? "" : q->second}});
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("PUT", "/v1/sessions/{id}/files/{path*}",
                       [](const HttpRequest& req) {
                         return JsonResponse(201, {{"bytes", req.body.size()}});
                       })
                  .ok());
  auto server = tc::StartTestServer({}, std::move(router));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const uint16_t port = (*server)->port();
  EXPECT_EQ((*server)->address(), "127.0.0.1:" + std::to_string(port));

  auto r = tc::Fetch(port, "GET", "/v1/sessions/a%20b", {}, {{"X-Agent", "test"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->json()["id"], "a b");
  EXPECT_EQ(r->json()["path"], "/v1/sessions/a b");
  EXPECT_EQ(r->json()["agent"], "test");
  EXPECT_EQ(r->json()["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);

  r = tc::Fetch(port, "GET", "/v1/sessions/new");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json()["new"], true);

  r = tc::Fetch(port, "GET", "/v1/sessions/7/files/dir/sub/x%2Fy.txt?q=1+2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json()["id"], "7");
  EXPECT_EQ(r->json()["file"], "dir/sub/x/y.txt");
  EXPECT_EQ(r->json()["q"], "1 2");

  r = tc::Fetch(port, "GET", "/v1/sessions/7/files");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json()["file"], "");

  r = tc::Fetch(port, "PUT", "/v1/sessions/7/files/a.txt", "hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->json()["bytes"], 5);
}

TEST(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  Router router;
  for (const char* method : {"GET", "PUT"}) {
    ASSERT_TRUE(
        router
            .Add(method, "/files/{path*}", [](const HttpRequest&) { return JsonResponse(200, {}); })
            .ok());
  }
  tc::ErrorLog log;
  auto server = tc::StartTestServer({}, std::move(router), &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  auto r = tc::Fetch(port, "GET", "/nope");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->error_code(), "not_found");
  EXPECT_EQ(r->Header("content-type"), "application/json");

  r = tc::Fetch(port, "DELETE", "/files/x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->error_code(), "method_not_allowed");
  EXPECT_EQ(r->Header("allow"), "GET, PUT");

  // A 404 with a request body that was not read still answers, then closes.
  r = tc::Fetch(port, "POST", "/nope", std::string(100, 'x'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerTest, JsonBodiesAndInvalidJsonLeftToTheHandler) {
  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/echo",
                       [](const HttpRequest& req) {
                         JsonLimits limits;
                         limits.max_depth = 8;
                         auto body = ParseJson(req.body, limits);
                         if (!body.ok()) {
                           return ErrorResponse(400, "bad_request", body.status().message());
                         }
                         return JsonResponse(200, {{"received", *body}});
                       })
                  .ok());
  auto server = tc::StartTestServer({}, std::move(router));
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  auto r = tc::Fetch(port, "POST", "/echo", R"({"a":[1,2,{"b":"c"}]})",
                     {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["received"]["a"][2]["b"], "c");

  for (const std::string bad :
       {"{", "{\"a\":}", "nul", "[1,2", "\xff\xfe", "[[[[[[[[[[1]]]]]]]]]]"}) {
    r = tc::Fetch(port, "POST", "/echo", bad);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(r->error_code(), "bad_request") << bad;
    EXPECT_TRUE(tc::ServesHealth(port).ok());
  }
}

TEST(HttpServerTest, BearerTokenAuth) {
  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/private",
                       [](const HttpRequest&) {
                         return JsonResponse(200, {{"secret", 42}});
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add(
                      "GET", "/public",
                      [](const HttpRequest&) {
                        return JsonResponse(200, {{"public", true}});
                      },
                      RouteOptions{.auth = false})
                  .ok());
  ServerOptions options;
  options.bearer_token = std::string(kToken);
  tc::ErrorLog log;
  auto server = tc::StartTestServer(options, std::move(router), &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  const std::string token(kToken);
  const std::vector<tc::Headers> refused = {
      {},
      {{"Authorization", "Bearer wrong"}},
      {{"Authorization", "Bearer " + token.substr(0, token.size() - 1)}},
      {{"Authorization", "Bearer " + token + "x"}},
      {{"Authorization", "Basic " + token}},
      {{"Authorization", token}},
      {{"Authorization", "Bearer"}},
  };
  for (const tc::Headers& headers : refused) {
    auto r = tc::Fetch(port, "POST", "/private", "{}", headers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401) << (headers.empty() ? "none" : headers[0].second);
    EXPECT_EQ(r->error_code(), "unauthorized");
    EXPECT_EQ(r->Header("www-authenticate"), "Bearer");
  }
  // A query token is for WebSocket routes only.
  auto r = tc::Fetch(port, "POST", "/private?access_token=" + token, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(log.Contains("wrong bearer token"));
  EXPECT_TRUE(log.Contains("without a bearer token"));

  for (const std::string scheme : {"Bearer ", "bearer ", "BEARER  "}) {
    r = tc::Fetch(port, "POST", "/private", "{}", {{"Authorization", scheme + token}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << scheme;
    EXPECT_EQ(r->json()["secret"], 42);
  }
  r = tc::Fetch(port, "GET", "/public");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  // The token is checked before the body is read: a client that announced a
  // large body and sent none still gets its 401 at once.
  tc::TestConnection c(port);
  ASSERT_TRUE(c.status().ok());
  ASSERT_TRUE(c.Write("POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n").ok());
  r = c.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 401);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

TEST(HttpServerTest, AsyncHandlerAnsweredFromAnotherThread) {
  tc::PendingResponders pending;
  std::mutex mu;
  std::thread::id handler_thread;
  Router router;
  ASSERT_TRUE(router
                  .AddAsync("POST", "/slow/{n}",
                            [&](const HttpRequest& req, Responder respond) {
                              {
                                std::lock_guard lock(mu);
                                handler_thread = std::this_thread::get_id();
                              }
                              // The request is copied: the reference ends with this call.
                              pending.Push([respond = std::move(respond),
                                            n = req.path_params.at("n"),
                                            body = req.body](HttpResponse) {
                                respond(JsonResponse(200, {{"n", n}, {"body", body}}));
                              });
                            })
                  .ok());
  auto server = tc::StartTestServer({}, std::move(router));
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  // Two connections wait at once; answering the second first shows neither blocks the other.
  tc::TestConnection first(port);
  tc::TestConnection second(port);
  ASSERT_TRUE(first.Write(tc::FormatRequest("POST", "/slow/1", "one")).ok());
  ASSERT_TRUE(pending.WaitForCount(1));
  ASSERT_TRUE(second.Write(tc::FormatRequest("POST", "/slow/2", "two")).ok());
  ASSERT_TRUE(pending.WaitForCount(2));

  std::thread worker([&] {
    pending.Take(1)(HttpResponse{});
    pending.Take(0)(HttpResponse{});
  });
  worker.join();
  auto r2 = second.ReadResponse();
  auto r1 = first.ReadResponse();
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->json()["n"], "1");
  EXPECT_EQ(r1->json()["body"], "one");
  EXPECT_EQ(r2->json()["n"], "2");
  EXPECT_EQ(r2->json()["body"], "two");
  EXPECT_NE(handler_thread, std::this_thread::get_id());

  // The connection stays usable for the next request.
  ASSERT_TRUE(first.Write(tc::FormatRequest("POST", "/slow/3", "three")).ok());
  ASSERT_TRUE(pending.WaitForCount(3));
  std::thread([&] { pending.Take(2)(HttpResponse{}); }).join();
  r1 = first.ReadResponse();
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->json()["n"], "3");
}

TEST(HttpServerTest, FailingHandlersGive500AndTheServerGoesOn) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/throw",
                       [](const HttpRequest&) -> HttpResponse {
                         throw std::runtime_error("private detail");
                       })
                  .ok());
  ASSERT_TRUE(
      router.Add("GET", "/throw-int", [](const HttpRequest&) -> HttpResponse { throw 7; }).ok());
  ASSERT_TRUE(router
                  .AddAsync("GET", "/async-throw",
                            [](const HttpRequest&, Responder) { throw std::logic_error("x"); })
                  .ok());
  ASSERT_TRUE(router.AddAsync("GET", "/async-drop", [](const HttpRequest&, Responder) {}).ok());
  ASSERT_TRUE(router
                  .AddAsync("GET", "/async-twice",
                            [](const HttpRequest&, Responder respond) {
                              respond(JsonResponse(200, {{"first", true}}));
                              respond(JsonResponse(200, {{"first", false}}));
                            })
                  .ok());
  ASSERT_TRUE(router
                  .Add("GET", "/bad-status",
                       [](const HttpRequest&) {
                         HttpResponse r;
                         r.status = 99;
                         return r;
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("GET", "/bad-header",
                       [](const HttpRequest&) {
                         HttpResponse r = JsonResponse(200, {});
                         r.headers.emplace_back("X-Echo", "a\r\nSet-Cookie: evil=1");
                         return r;
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("GET", "/no-content",
                       [](const HttpRequest&) {
                         HttpResponse r;
                         r.status = 204;
                         r.content_type.clear();
                         r.body = "dropped";
                         return r;
                       })
                  .ok());
  tc::ErrorLog log;
  auto server = tc::StartTestServer({}, std::move(router), &log);
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection c(port);  // one keep-alive connection survives every failure
  for (const char* path :
       {"/throw", "/throw-int", "/async-throw", "/async-drop", "/bad-status", "/bad-header"}) {
    auto r = c.Request("GET", path);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_EQ(r->error_code(), "internal") << path;
    EXPECT_EQ(r->body.find("private detail"), std::string::npos);
    EXPECT_TRUE(r->keep_alive) << path;
    EXPECT_EQ(r->Header("set-cookie"), "");
  }
  auto r = c.Request("GET", "/async-twice");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json()["first"], true);
  r = c.Request("GET", "/no-content");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->body, "");
  r = c.Request("GET", "/health");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  EXPECT_TRUE(log.Contains("handler threw: private detail")) << log.Dump();
  EXPECT_TRUE(log.Contains("non-standard exception"));
  EXPECT_TRUE(log.Contains("dropped its Responder"));
  EXPECT_TRUE(log.Contains("called twice"));
  EXPECT_TRUE(log.Contains("status 99"));
  EXPECT_TRUE(log.Contains("control byte"));
}

TEST(HttpServerTest, KeepAlivePipeliningAndHttp10) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/n/{n}",
                       [](const HttpRequest& req) {
                         return JsonResponse(200, {{"n", req.path_params.at("n")}});
                       })
                  .ok());
  auto server = tc::StartTestServer({}, std::move(router));
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection c(port);
  ASSERT_TRUE(c.Write(tc::FormatRequest("GET", "/n/1", {}) + tc::FormatRequest("GET", "/n/2", {}) +
                      tc::FormatRequest("GET", "/n/3", {}))
                  .ok());
  for (const char* n : {"1", "2", "3"}) {
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->json()["n"], n);
    EXPECT_TRUE(r->keep_alive);
  }
  auto r = c.Request("GET", "/n/4", {}, {{"Connection", "close"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json()["n"], "4");
  EXPECT_FALSE(r->keep_alive);
  auto rest = c.ReadUntilClosed();
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, "");

  tc::TestConnection old(port);
  ASSERT_TRUE(old.Write("GET /n/5 HTTP/1.0\r\n\r\n").ok());
  r = old.ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json()["n"], "5");
  EXPECT_TRUE(old.ReadUntilClosed().ok());
}

TEST(HttpServerTest, ExpectContinue) {
  Router router;
  ASSERT_TRUE(router
                  .Add("PUT", "/upload",
                       [](const HttpRequest& req) {
                         return JsonResponse(200, {{"bytes", req.body.size()}});
                       })
                  .ok());
  ServerOptions options;
  options.max_body_bytes = 1000;
  auto server = tc::StartTestServer(options, std::move(router));
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();

  tc::TestConnection c(port);
  ASSERT_TRUE(c.Write("PUT /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: 5\r\n\r\n")
                  .ok());
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 100);
  ASSERT_TRUE(c.Write("hello").ok());
  r = c.ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["bytes"], 5);

  // Over the limit: a 413 instead of 100 Continue.
  tc::TestConnection big(port);
  ASSERT_TRUE(big.Write("PUT /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                        "Content-Length: 1001\r\n\r\n")
                  .ok());
  r = big.ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 413);

  tc::TestConnection odd(port);
  ASSERT_TRUE(
      odd.Write("PUT /upload HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx")
          .ok());
  r = odd.ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 417);
  EXPECT_EQ(r->error_code(), "expectation_failed");
  EXPECT_TRUE(tc::ServesHealth(port).ok());
}

}  // namespace
}  // namespace sextant
