// Shared helpers of the HTTP client tests: a loopback server fixture, a port
// that refuses connections, and a scoped environment variable.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "common/http_client.h"
#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"

namespace sextant::http_client_test {

using std::chrono::milliseconds;
using testing::LoopbackHttpServer;
using testing::ReceivedRequest;
using testing::ScriptedReply;

// Generous upper bound for calls that must fail fast.
constexpr auto kFailFastBound = std::chrono::seconds(5);

inline std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

using ::sextant::testing::Contains;

inline std::unique_ptr<LoopbackHttpServer> StartServer(
    testing::LoopbackServerOptions options = {}) {
  auto started = LoopbackHttpServer::Start(options);
  EXPECT_TRUE(started.ok()) << started.status().ToString();
  return started.ok() ? std::move(started).value() : nullptr;
}

// Options that ignore any proxy configured in the environment.
inline HttpClientOptions Direct() {
  HttpClientOptions options;
  options.proxy = "";
  return options;
}

inline HttpCall Get(std::string url) {
  HttpCall call;
  call.url = std::move(url);
  return call;
}

// A loopback port that refuses connections: bound, never listening.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~RefusingPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// Sets (or unsets, for nullptr) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer();
    ASSERT_NE(server_, nullptr);
  }

  std::unique_ptr<LoopbackHttpServer> server_;
};

}  // namespace sextant::http_client_test
