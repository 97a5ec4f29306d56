// The HTTP client and the HTTP server base together over loopback: the path
// every Sextant service call takes (agent → ToolServer, web UI → agent).
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/json.h"

namespace sextant {
namespace {

constexpr char kToken[] = "s3cret-token-for-tests";

class HttpRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    ASSERT_TRUE(router
                    .Add(
                        "GET", "/v1/health",
                        [](const HttpRequest&) {
                          return JsonResponse(200, {{"ok", true}});
                        },
                        RouteOptions{.auth = false})
                    .ok());
    ASSERT_TRUE(router
                    .Add("POST", "/v1/sessions/{id}/call",
                         [](const HttpRequest& req) {
                           auto body = ParseJson(req.body);
                           if (!body.ok()) {
                             return ErrorResponse(400, "invalid_json", body.status().message());
                           }
                           return JsonResponse(
                               200, {{"session", req.path_params.at("id")}, {"echo", *body}});
                         })
                    .ok());
    ASSERT_TRUE(router
                    .AddAsync("GET", "/v1/slow",
                              [](const HttpRequest&, Responder respond) {
                                std::thread([respond = std::move(respond)] {
                                  respond(JsonResponse(200, {{"done", true}}));
                                }).detach();
                              })
                    .ok());
    ServerOptions options;
    options.bearer_token = kToken;
    options.max_body_bytes = 1024;
    auto server = HttpServer::Start(options, std::move(router));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    base_ = "http://" + server_->address();

    HttpClientOptions client_options;
    client_options.proxy = "";  // never through an environment proxy on loopback
    client_options.timeout_ms = 10000;
    client_ = std::make_unique<HttpClient>(client_options);
  }

  HttpCall Call(std::string method, const std::string& path, std::string body = "",
                bool with_token = true) {
    HttpCall call;
    call.method = std::move(method);
    call.url = base_ + path;
    call.body = std::move(body);
    if (!call.body.empty()) call.headers.emplace_back("Content-Type", "application/json");
    if (with_token) call.headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    return call;
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::string base_;
};

TEST_F(HttpRoundTripTest, JsonCallWithPathParameters) {
  auto reply = client_->Send(Call("POST", "/v1/sessions/abc/call", R"({"name":"shell_run"})"));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  auto body = ParseJson(reply->body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["session"], "abc");
  EXPECT_EQ((*body)["echo"]["name"], "shell_run");
}

TEST_F(HttpRoundTripTest, ErrorsAreJsonWithTheRightStatus) {
  struct Case {
    HttpCall call;
    long status;
    const char* code;
  };
  Case cases[] = {
      {Call("POST", "/v1/sessions/abc/call", "{not json"), 400, "invalid_json"},
      {Call("POST", "/v1/sessions/abc/call", "{}", /*with_token=*/false), 401, "unauthorized"},
      {Call("POST", "/v1/sessions/abc/call", "[" + std::string(2000, '1') + "]"), 413,
       "payload_too_large"},
      {Call("GET", "/v1/nowhere"), 404, "not_found"},
      {Call("DELETE", "/v1/health"), 405, "method_not_allowed"},
  };
  for (const Case& c : cases) {
    auto reply = client_->Send(c.call);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->status, c.status) << c.call.url;
    auto body = ParseJson(reply->body);
    ASSERT_TRUE(body.ok()) << reply->body;
    EXPECT_EQ((*body)["error"]["code"], c.code) << reply->body;
    // The server keeps serving after each.
    auto health = client_->Send(Call("GET", "/v1/health", "", /*with_token=*/false));
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->status, 200);
  }
}

TEST_F(HttpRoundTripTest, StatusMappingForCallers) {
  auto reply = client_->Send(Call("GET", "/v1/slow", "", /*with_token=*/false));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(HttpStatusToStatus(reply->status, reply->body).code(), StatusCode::kUnauthenticated);
  auto ok = client_->Send(Call("GET", "/v1/slow"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_TRUE(HttpStatusToStatus(ok->status, ok->body).ok());
}

}  // namespace
}  // namespace sextant
