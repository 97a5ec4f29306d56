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

TEST_F(HttpClientTest, StreamDeliversChunksInOrder) {
  ScriptedReply reply_script = ScriptedReply::Chunked(200);
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    const std::string piece = "piece-" + std::to_string(i) + ";";
    reply_script.Chunk(piece).Pause(milliseconds(5));
    expected += piece;
  }
  server_->On("/stream", reply_script.EndChunks());
  std::string received;
  int calls = 0;
  auto reply = HttpClient(Direct()).Stream(Get(server_->Url("/stream")), [&](std::string_view d) {
    received += d;
    ++calls;
    return true;
  });
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(received, expected);
  EXPECT_GE(calls, 1);
  EXPECT_EQ(reply->body, "") << "a streamed 2xx body is not buffered";
}

TEST_F(HttpClientTest, StreamDeliversDataBeforeTheResponseEnds) {
  // The response never completes, so the first chunk can only be seen if it
  // is delivered as it arrives; the callback then aborts the call.
  server_->On("/open", ScriptedReply::Chunked(200).Chunk("first").Hang());
  HttpClientOptions options = Direct();
  options.timeout_ms = 10000;
  std::string received;
  auto reply = HttpClient(options).Stream(Get(server_->Url("/open")), [&](std::string_view d) {
    received += d;
    return false;
  });
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kAborted) << reply.status().ToString();
  EXPECT_EQ(received, "first");
}

TEST_F(HttpClientTest, StreamBuffersErrorBodies) {
  server_->On("/denied", ScriptedReply::Full(403, R"({"error":"no"})"));
  bool called = false;
  auto reply = HttpClient(Direct()).Stream(Get(server_->Url("/denied")), [&](std::string_view) {
    called = true;
    return true;
  });
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 403);
  EXPECT_EQ(reply->body, R"({"error":"no"})");
  EXPECT_FALSE(called);
}

TEST_F(HttpClientTest, ThrowingCallbackIsInternal) {
  server_->On("/data", ScriptedReply::Full(200, "data"));
  auto reply = HttpClient(Direct()).Stream(
      Get(server_->Url("/data")),
      [](std::string_view) -> bool { throw std::runtime_error("callback broke"); });
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kInternal);
  EXPECT_TRUE(Contains(reply.status().message(), "callback broke")) << reply.status().message();
}

TEST_F(HttpClientTest, ConnectFilterSeesEveryConnection) {
  server_->On("/ok", ScriptedReply::Full(200, "ok"));
  std::vector<std::pair<std::string, int>> seen;
  HttpClientOptions options = Direct();
  options.connect_filter = [&seen](const std::string& ip, int port) {
    seen.emplace_back(ip, port);
    return Status::Ok();
  };
  auto reply = HttpClient(options).Send(Get(server_->Url("/ok")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "127.0.0.1");
  EXPECT_EQ(seen[0].second, server_->port());
}

TEST_F(HttpClientTest, ConnectFilterRefusal) {
  server_->On("/ok", ScriptedReply::Full(200, "ok"));
  HttpClientOptions options = Direct();
  options.connect_filter = [](const std::string& ip, int) {
    if (ip == "127.0.0.1" || ip == "::1") return PermissionDeniedError("loopback " + ip);
    return Status::Ok();
  };
  auto reply = HttpClient(options).Send(Get(server_->Url("/ok")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), "loopback 127.0.0.1")) << reply.status().message();
  EXPECT_EQ(server_->connections_accepted(), 0u);
}

TEST_F(HttpClientTest, ConnectFilterJudgesResolvedAddresses) {
  std::vector<std::string> seen;
  HttpClientOptions options = Direct();
  options.connect_filter = [&seen](const std::string& ip, int) {
    seen.push_back(ip);
    return PermissionDeniedError("refused " + ip);
  };
  auto reply =
      HttpClient(options).Send(Get("http://localhost:" + std::to_string(server_->port()) + "/ok"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied) << reply.status().ToString();
  ASSERT_FALSE(seen.empty());
  for (const std::string& ip : seen) EXPECT_TRUE(ip == "127.0.0.1" || ip == "::1") << ip;
}

TEST_F(HttpClientTest, ConnectFilterAppliesOnRedirect) {
  auto other = StartServer();
  ASSERT_NE(other, nullptr);
  other->On("/secret", ScriptedReply::Full(200, "secret"));
  server_->On("/hop", ScriptedReply::Redirect(other->Url("/secret")));
  const int allowed_port = server_->port();
  HttpClientOptions options = Direct();
  options.connect_filter = [allowed_port](const std::string&, int port) {
    if (port == allowed_port) return Status::Ok();
    return PermissionDeniedError("port " + std::to_string(port) + " is off limits");
  };
  auto reply = HttpClient(options).Send(Get(server_->Url("/hop")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kPermissionDenied) << reply.status().ToString();
  EXPECT_EQ(server_->requests().size(), 1u);
  EXPECT_EQ(other->connections_accepted(), 0u);
}

TEST_F(HttpClientTest, ProxyFromTheEnvironment) {
  auto proxy = StartServer();
  ASSERT_NE(proxy, nullptr);
  proxy->On("/via-proxy", ScriptedReply::Full(200, "proxied"));
  const std::string origin = "http://sextant-origin.invalid/via-proxy?x=1";
  {
    ScopedEnv http_proxy("http_proxy", proxy->Url("").c_str());
    ScopedEnv no_proxy("no_proxy", nullptr);
    ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
    HttpClient from_env{HttpClientOptions{}};  // proxy unset: read the environment
    auto reply = from_env.Send(Get(origin));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->body, "proxied");
    ASSERT_EQ(proxy->requests().size(), 1u);
    EXPECT_EQ(proxy->requests()[0].target, origin) << "absolute-form request to the proxy";
    EXPECT_EQ(proxy->requests()[0].Header("host"), "sextant-origin.invalid");

    // An empty proxy option ignores the environment.
    server_->On("/direct", ScriptedReply::Full(200, "direct"));
    reply = HttpClient(Direct()).Send(Get(server_->Url("/direct")));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->body, "direct");
    EXPECT_EQ(server_->requests().back().target, "/direct");
    EXPECT_EQ(proxy->requests().size(), 1u);
  }
  // An explicit proxy option, with the environment restored.
  HttpClientOptions explicit_proxy;
  explicit_proxy.proxy = proxy->Url("");
  auto reply = HttpClient(explicit_proxy).Send(Get(origin));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(proxy->requests().size(), 2u);
  EXPECT_EQ(proxy->requests()[1].target, origin);
}

TEST_F(HttpClientTest, ReusesConnections) {
  server_->On("/ka", ScriptedReply::Full(200, "kept alive"));
  HttpClient client(Direct());
  for (int i = 0; i < 3; ++i) {
    auto reply = client.Send(Get(server_->Url("/ka")));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  }
  EXPECT_EQ(server_->connections_accepted(), 1u);
}

TEST_F(HttpClientTest, SharedAcrossThreads) {
  server_->Handle("/t", [](const ReceivedRequest& request) {
    return ScriptedReply::Full(200, request.target);
  });
  HttpClient client(Direct());
  constexpr int kThreads = 6;
  constexpr int kCallsPerThread = 5;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string path = "/t?c=" + std::to_string(t) + "-" + std::to_string(i);
        auto reply = client.Send(Get(server_->Url(path)));
        if (reply.ok() && reply->body == path) ++good;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(good.load(), kThreads * kCallsPerThread);
}

class HttpClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer({.tls = true});
    ASSERT_NE(server_, nullptr);
    server_->On("/secure", ScriptedReply::Full(200, "secure"));
  }
  std::unique_ptr<LoopbackHttpServer> server_;
};

TEST_F(HttpClientTlsTest, UntrustedCertificateFails) {
  auto reply = HttpClient(Direct()).Send(Get(server_->Url("/secure")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), "TLS")) << reply.status().message();
}

TEST_F(HttpClientTlsTest, TrustedBundleAndDisabledVerification) {
  const testing::TempDir dir;
  const std::string bundle = (dir.path() / "ca.pem").string();
  std::ofstream(bundle) << server_->certificate_pem();
  HttpClientOptions trusted = Direct();
  trusted.ca_bundle = bundle;
  auto reply = HttpClient(trusted).Send(Get(server_->Url("/secure")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "secure");

  HttpClientOptions unverified = Direct();
  unverified.verify_tls = false;
  reply = HttpClient(unverified).Send(Get(server_->Url("/secure")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "secure");

  // The certificate names 127.0.0.1 only: another name fails verification.
  reply = HttpClient(trusted).Send(
      Get("https://localhost:" + std::to_string(server_->port()) + "/secure"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().ToString();

  HttpClientOptions missing = Direct();
  missing.ca_bundle = (dir.path() / "absent.pem").string();
  reply = HttpClient(missing).Send(Get(server_->Url("/secure")));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kFailedPrecondition) << reply.status().ToString();
}

TEST_F(HttpClientTest, TlsToPlainServerFails) {
  HttpClientOptions options = Direct();
  options.timeout_ms = 5000;
  auto reply =
      HttpClient(options).Send(Get("https://127.0.0.1:" + std::to_string(server_->port()) + "/"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), "TLS")) << reply.status().message();
}

TEST(LoopbackHttpServerTest, RequestBodyLimit) {
  auto server = StartServer({.max_request_body_bytes = 10});
  ASSERT_NE(server, nullptr);
  server->On("/upload", ScriptedReply::Full(200, "stored"));
  HttpCall call = Get(server->Url("/upload"));
  call.method = "POST";
  call.body = std::string(10, 'u');
  auto reply = HttpClient(Direct()).Send(call);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  call.body = std::string(11, 'u');
  reply = HttpClient(Direct()).Send(call);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST_F(HttpClientTest, RedirectBodiesAreNotKept) {
  server_->On("/moved", ScriptedReply::Full(302, "redirect body", {{"Location", "/target"}}));
  server_->On("/target", ScriptedReply::Full(200, "target body"));
  auto reply = HttpClient(Direct()).Send(Get(server_->Url("/moved")));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "target body");
}

}  // namespace
}  // namespace sextant
