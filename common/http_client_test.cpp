#include "common/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_client_test_util.h"
#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

// The fixture, helpers and the names they use (milliseconds, ScriptedReply, ...).
using namespace http_client_test;  // NOLINT(google-build-using-namespace): test helpers

TEST_F(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  server_->On("/hello", ScriptedReply::Full(200, "hi there", {{"X-Custom", "v1"}, {"X-Two", "a"}}));
  HttpClient client(Direct());
  HttpCall call = Get(server_->Url("/hello?q=1"));
  call.headers = {{"X-Trace", "abc"}, {"Authorization", "Bearer t0k"}};
  auto reply = client.Send(call);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "hi there");
  EXPECT_EQ(reply->Header("X-CUSTOM"), "v1");
  EXPECT_EQ(reply->Header("content-length"), "8");
  EXPECT_EQ(reply->Header("absent"), "");
  for (const auto& header : reply->headers) EXPECT_EQ(header.first, Lower(header.first));
  EXPECT_EQ(reply->effective_url, server_->Url("/hello?q=1"));
  EXPECT_EQ(reply->redirect_count, 0);
  EXPECT_GT(reply->total_seconds, 0.0);

  const std::vector<ReceivedRequest> requests = server_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/hello?q=1");
  EXPECT_EQ(requests[0].Header("x-trace"), "abc");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer t0k");
  EXPECT_EQ(requests[0].Header("user-agent"), DefaultHttpUserAgent());
  EXPECT_EQ(requests[0].body, "");
}

TEST_F(HttpClientTest, MethodsSendBodiesAndHeaders) {
  server_->Handle("/echo", [](const ReceivedRequest& request) {
    return ScriptedReply::Full(201, request.body, {{"X-Method", request.method}});
  });
  HttpClient client(Direct());
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    HttpCall call = Get(server_->Url("/echo"));
    call.method = method;
    call.body = std::string(R"({"method":")") + method + "\"}";
    call.headers = {{"Content-Type", "application/json"}, {"X-Empty", ""}};
    auto reply = client.Send(call);
    ASSERT_TRUE(reply.ok()) << method << ": " << reply.status().ToString();
    EXPECT_EQ(reply->status, 201);
    EXPECT_EQ(reply->Header("x-method"), method);
    EXPECT_EQ(reply->body, call.body);
    const ReceivedRequest request = server_->requests().back();
    EXPECT_EQ(request.method, method);
    EXPECT_EQ(request.body, call.body);
    EXPECT_EQ(request.Header("content-type"), "application/json");
    EXPECT_EQ(request.Header("content-length"), std::to_string(call.body.size()));
    EXPECT_EQ(request.Header("expect"), "") << "no 100-continue round trip";
    bool has_empty = false;
    for (const auto& [name, value] : request.headers) has_empty |= name == "x-empty" && value == "";
    EXPECT_TRUE(has_empty) << "an empty header value is sent";
  }

  HttpCall empty_post = Get(server_->Url("/echo"));
  empty_post.method = "POST";
  auto reply = client.Send(empty_post);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(server_->requests().back().Header("content-length"), "0");

  HttpCall head = Get(server_->Url("/echo"));
  head.method = "HEAD";
  reply = client.Send(head);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "");
  EXPECT_EQ(server_->requests().back().method, "HEAD");
}

TEST_F(HttpClientTest, ErrorStatusesAreReplies) {
  server_->On("/boom", ScriptedReply::Full(500, "server broke"));
  HttpClient client(Direct());
  auto reply = client.Send(Get(server_->Url("/boom")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->body, "server broke");

  reply = client.Send(Get(server_->Url("/nowhere")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(reply->body, "no route for /nowhere");
}

TEST(HttpStatusToStatusTest, MapsCodes) {
  const std::vector<std::pair<long, StatusCode>> table = {
      {200, StatusCode::kOk},
      {204, StatusCode::kOk},
      {304, StatusCode::kFailedPrecondition},
      {400, StatusCode::kInvalidArgument},
      {401, StatusCode::kUnauthenticated},
      {403, StatusCode::kPermissionDenied},
      {404, StatusCode::kNotFound},
      {408, StatusCode::kDeadlineExceeded},
      {409, StatusCode::kAborted},
      {413, StatusCode::kResourceExhausted},
      {418, StatusCode::kFailedPrecondition},
      {429, StatusCode::kResourceExhausted},
      {500, StatusCode::kInternal},
      {501, StatusCode::kUnimplemented},
      {502, StatusCode::kUnavailable},
      {503, StatusCode::kUnavailable},
      {504, StatusCode::kDeadlineExceeded},
      {599, StatusCode::kUnavailable},
      {99, StatusCode::kUnknown},
      {700, StatusCode::kUnknown},
  };
  for (const auto& [http_status, code] : table) {
    EXPECT_EQ(HttpStatusToStatus(http_status, "details").code(), code) << http_status;
  }
  const Status s = HttpStatusToStatus(429, "slow down\r\nnow" + std::string(2000, 'x'));
  EXPECT_TRUE(Contains(s.message(), "HTTP 429: slow down  now")) << s.message();
  EXPECT_LT(s.message().size(), 600u);
}

TEST_F(HttpClientTest, RejectsMalformedRequestsBeforeSending) {
  HttpClient client(Direct());
  std::vector<HttpCall> calls;
  HttpCall injected = Get(server_->Url("/x"));
  injected.headers = {{"X-Bad", "a\r\nInjected: 1"}};
  calls.push_back(injected);
  HttpCall bad_name = Get(server_->Url("/x"));
  bad_name.headers = {{"Bad Name", "v"}};
  calls.push_back(bad_name);
  HttpCall bad_method = Get(server_->Url("/x"));
  bad_method.method = "GET /other";
  calls.push_back(bad_method);
  HttpCall head_with_body = Get(server_->Url("/x"));
  head_with_body.method = "HEAD";
  head_with_body.body = "x";
  calls.push_back(head_with_body);
  HttpCall negative_timeout = Get(server_->Url("/x"));
  negative_timeout.timeout_ms = -1;
  calls.push_back(negative_timeout);
  for (const HttpCall& call : calls) {
    auto reply = client.Send(call);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.status().code(), StatusCode::kInvalidArgument) << reply.status().ToString();
  }
  EXPECT_EQ(server_->connections_accepted(), 0u);

  HttpClientOptions bad_options = Direct();
  bad_options.max_redirects = -1;
  EXPECT_EQ(HttpClient(bad_options).Send(Get(server_->Url("/x"))).status().code(),
            StatusCode::kInvalidArgument);
  bad_options = Direct();
  bad_options.allowed_protocols = {"http", "no such"};
  EXPECT_EQ(HttpClient(bad_options).Send(Get(server_->Url("/x"))).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(HttpClientUrlTest, MalformedUrlsAreInvalidArguments) {
  HttpClient client(Direct());
  for (const std::string url :
       {"", "not a url", "example.com/path", "http://", "://x", "http://[::1/",
        "http://host:99999/", "http://exa mple.com/", "http://a\nb/", "http://\x01/"}) {
    auto reply = client.Send(Get(url));
    ASSERT_FALSE(reply.ok()) << url;
    EXPECT_EQ(reply.status().code(), StatusCode::kInvalidArgument)
        << url << " -> " << reply.status().ToString();
  }
}

TEST(HttpClientUrlTest, DisallowedSchemesAreRefused) {
  HttpClient client(Direct());
  for (const std::string url : {"file:///etc/passwd", "gopher://127.0.0.1/", "ftp://127.0.0.1/",
                                "dict://127.0.0.1/", "FILE:///etc/passwd"}) {
    auto reply = client.Send(Get(url));
    ASSERT_FALSE(reply.ok()) << url;
    EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied)
        << url << " -> " << reply.status().ToString();
  }
  HttpClientOptions https_only = Direct();
  https_only.allowed_protocols = {"https"};
  auto reply = HttpClient(https_only).Send(Get("http://127.0.0.1:1/"));
  EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied) << reply.status().ToString();
}

TEST_F(HttpClientTest, SilentServerTimesOut) {
  server_->On("/silent", ScriptedReply::Silent());
  HttpClientOptions options = Direct();
  options.timeout_ms = 300;
  HttpClient client(options);
  const auto start = std::chrono::steady_clock::now();
  auto reply = client.Send(Get(server_->Url("/silent")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kDeadlineExceeded) << reply.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kFailFastBound);
  EXPECT_TRUE(Contains(reply.status().message(), server_->Url("/silent")));

  // A per-call timeout overrides the client's.
  HttpClient patient(Direct());
  HttpCall call = Get(server_->Url("/silent"));
  call.timeout_ms = 300;
  const auto start2 = std::chrono::steady_clock::now();
  EXPECT_EQ(patient.Send(call).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start2, kFailFastBound);
}

TEST_F(HttpClientTest, StalledBodyHitsTheIdleTimeout) {
  server_->On("/stall",
              ScriptedReply::Head(200, {{"Content-Length", "100"}}).Write("first bytes").Hang());
  HttpClientOptions options = Direct();
  options.idle_timeout_ms = 300;
  options.timeout_ms = 30000;
  const auto start = std::chrono::steady_clock::now();
  auto reply = HttpClient(options).Send(Get(server_->Url("/stall")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kDeadlineExceeded) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), "idle")) << reply.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kFailFastBound);
}

TEST_F(HttpClientTest, SlowTrickleWithinTheIdleTimeoutSucceeds) {
  server_->On(
      "/trickle",
      ScriptedReply::Head(200, {{"Content-Length", "6"}}).Trickle("abcdef", milliseconds(50)));
  HttpClientOptions options = Direct();
  options.idle_timeout_ms = 2000;
  auto reply = HttpClient(options).Send(Get(server_->Url("/trickle")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "abcdef");
}

TEST(HttpClientConnectTest, RefusedConnectionIsUnavailable) {
  RefusingPort port;
  ASSERT_NE(port.port(), 0);
  HttpClient client(Direct());
  const std::string url = "http://user:secret@127.0.0.1:" + std::to_string(port.port()) + "/x";
  auto reply = client.Send(Get(url));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), "127.0.0.1:" + std::to_string(port.port())));
  EXPECT_FALSE(Contains(reply.status().message(), "secret")) << "credentials are redacted";
}

TEST(HttpClientConnectTest, UnresolvableHostIsUnavailable) {
  HttpClientOptions options = Direct();
  options.connect_timeout_ms = 5000;
  HttpClient client(options);
  auto reply = client.Send(Get("http://sextant-test.invalid/"));
  ASSERT_FALSE(reply.ok());
  // Unavailable when the resolver answers; a machine whose resolver cannot be
  // reached times out instead.
  EXPECT_TRUE(reply.status().code() == StatusCode::kUnavailable ||
              reply.status().code() == StatusCode::kDeadlineExceeded)
      << reply.status().ToString();
}

TEST_F(HttpClientTest, ConnectionClosedEarlyIsUnavailable) {
  server_->On("/short",
              ScriptedReply::Head(200, {{"Content-Length", "100"}}).Write("only some").Close());
  server_->On("/nothing", ScriptedReply().Close());
  server_->On("/garbage", ScriptedReply().Write("NOT HTTP AT ALL\r\n\r\n").Close());
  HttpClient client(Direct());
  for (const char* path : {"/short", "/nothing", "/garbage"}) {
    auto reply = client.Send(Get(server_->Url(path)));
    ASSERT_FALSE(reply.ok()) << path;
    EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable)
        << path << ": " << reply.status().ToString();
  }
}

TEST_F(HttpClientTest, SizeLimitFromContentLength) {
  server_->On("/big", ScriptedReply::Full(200, std::string(1000, 'b')));
  // Declares a huge body and then stalls: only an early refusal returns.
  server_->On("/huge", ScriptedReply::Head(200, {{"Content-Length", "1000000000000"}}).Hang());
  HttpClientOptions options = Direct();
  options.max_response_bytes = 100;
  HttpClient client(options);
  auto reply = client.Send(Get(server_->Url("/big")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), "Content-Length")) << reply.status().message();

  const auto start = std::chrono::steady_clock::now();
  reply = client.Send(Get(server_->Url("/huge")));
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kFailFastBound);

  // A per-call limit overrides the client's.
  HttpCall call = Get(server_->Url("/big"));
  call.max_response_bytes = 1000;
  reply = client.Send(call);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body.size(), 1000u);
}

TEST_F(HttpClientTest, SizeLimitOnChunkedBody) {
  ScriptedReply chunked = ScriptedReply::Chunked(200);
  for (int i = 0; i < 10; ++i) chunked.Chunk(std::string(100, 'c'));
  chunked.EndChunks();
  server_->On("/chunked", chunked);
  HttpClientOptions options = Direct();
  options.max_response_bytes = 999;
  auto reply = HttpClient(options).Send(Get(server_->Url("/chunked")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();

  options.max_response_bytes = 1000;  // exactly the body: allowed
  reply = HttpClient(options).Send(Get(server_->Url("/chunked")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, std::string(1000, 'c'));

  // The limit also holds for streamed bodies.
  options.max_response_bytes = 250;
  std::size_t streamed = 0;
  reply = HttpClient(options).Stream(Get(server_->Url("/chunked")), [&](std::string_view data) {
    streamed += data.size();
    return true;
  });
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
  EXPECT_LE(streamed, 250u);
}

TEST_F(HttpClientTest, FollowsRedirects) {
  server_->On("/r1", ScriptedReply::Redirect("/r2", 301));
  server_->On("/r2", ScriptedReply::Redirect(server_->Url("/final"), 307));
  server_->On("/final", ScriptedReply::Full(200, "arrived"));
  HttpClient client(Direct());
  auto reply = client.Send(Get(server_->Url("/r1")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "arrived");
  EXPECT_EQ(reply->redirect_count, 2);
  EXPECT_EQ(reply->effective_url, server_->Url("/final"));
  EXPECT_EQ(reply->Header("location"), "") << "headers are the final response's";

  HttpClientOptions no_follow = Direct();
  no_follow.follow_redirects = false;
  reply = HttpClient(no_follow).Send(Get(server_->Url("/r1")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 301);
  EXPECT_EQ(reply->Header("location"), "/r2");
}

TEST_F(HttpClientTest, RedirectLimit) {
  server_->On("/loop", ScriptedReply::Redirect("/loop"));
  server_->On("/a", ScriptedReply::Redirect("/b"));
  server_->On("/b", ScriptedReply::Redirect("/c"));
  server_->On("/c", ScriptedReply::Full(200, "c"));
  HttpClientOptions options = Direct();
  options.max_redirects = 1;
  HttpClient client(options);
  auto reply = client.Send(Get(server_->Url("/a")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
  reply = HttpClient(Direct()).Send(Get(server_->Url("/loop")));
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
  options.max_redirects = 2;
  EXPECT_TRUE(HttpClient(options).Send(Get(server_->Url("/a"))).ok());
}

TEST_F(HttpClientTest, RedirectToDisallowedSchemeIsRefused) {
  server_->On("/to-file", ScriptedReply::Redirect("file:///etc/passwd"));
  server_->On("/to-gopher",
              ScriptedReply::Redirect("gopher://127.0.0.1:" + std::to_string(server_->port())));
  server_->On("/to-https", ScriptedReply::Redirect("https://127.0.0.1:1/"));
  HttpClient client(Direct());
  for (const char* path : {"/to-file", "/to-gopher"}) {
    auto reply = client.Send(Get(server_->Url(path)));
    ASSERT_FALSE(reply.ok()) << path;
    EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied)
        << path << ": " << reply.status().ToString();
    EXPECT_TRUE(Contains(reply.status().message(), "redirect")) << reply.status().message();
  }
  HttpClientOptions http_only = Direct();
  http_only.allowed_protocols = {"http"};
  auto reply = HttpClient(http_only).Send(Get(server_->Url("/to-https")));
  EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied) << reply.status().ToString();
  EXPECT_EQ(server_->requests().size(), 3u) << "nothing was fetched past a refused redirect";
}

TEST_F(HttpClientTest, DecodesGzipAndDeflate) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of compressible text\n";
  server_->On("/gzip", ScriptedReply::Full(200, testing::GzipCompress(text),
                                           {{"Content-Encoding", "gzip"}}));
  server_->On("/deflate", ScriptedReply::Full(200, testing::ZlibCompress(text),
                                              {{"Content-Encoding", "deflate"}}));
  HttpClient client(Direct());
  for (const char* path : {"/gzip", "/deflate"}) {
    auto reply = client.Send(Get(server_->Url(path)));
    ASSERT_TRUE(reply.ok()) << path << ": " << reply.status().ToString();
    EXPECT_EQ(reply->body, text) << path;
  }
  const std::string accepted = server_->requests().front().Header("accept-encoding");
  EXPECT_TRUE(Contains(accepted, "gzip")) << accepted;
  EXPECT_TRUE(Contains(accepted, "deflate")) << accepted;
}

TEST_F(HttpClientTest, SizeLimitCountsDecodedBytes) {
  const std::string zeros(1 << 20, '\0');
  const std::string packed = testing::GzipCompress(zeros);
  ASSERT_LT(packed.size(), 64u << 10);
  server_->On("/bomb", ScriptedReply::Full(200, packed, {{"Content-Encoding", "gzip"}}));
  HttpClientOptions options = Direct();
  options.max_response_bytes = 64u << 10;
  auto reply = HttpClient(options).Send(Get(server_->Url("/bomb")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();

  options.max_response_bytes = 1u << 20;
  reply = HttpClient(options).Send(Get(server_->Url("/bomb")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body.size(), zeros.size());
}

TEST_F(HttpClientTest, CorruptEncodedBodyIsDataLoss) {
  server_->On("/corrupt",
              ScriptedReply::Full(200, "this is not gzip at all", {{"Content-Encoding", "gzip"}}));
  auto reply = HttpClient(Direct()).Send(Get(server_->Url("/corrupt")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kDataLoss) << reply.status().ToString();
}
}  // namespace
}  // namespace sextant
