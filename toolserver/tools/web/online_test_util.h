// Helpers of the online search backend tests: the fixtures under
// tests/fixtures/web/, JSON replies, and reading a received request's query.
#pragma once

#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"
#include "toolserver/tools/web/online_backends.h"

namespace sextant::toolserver::web::online_test {

using sextant::testing::LoopbackHttpServer;
using sextant::testing::ReceivedRequest;
using sextant::testing::ScriptedReply;

// Keys that no built-in redaction rule knows, so only the backends'
// own scrubbing and registration can hide them. '+', '/' and '=' make
// their percent-encoded form differ from the raw one.
inline constexpr std::string_view kBraveKey = "BSA-zebra+quartz/4711=brave";
inline constexpr std::string_view kGoogleKey = "gk-walrus+ochre/2718=google";
inline constexpr std::string_view kGoogleCx = "017576662512468239146:omuauf_lfve";

inline std::string Fixture(const std::string& name) {
  return sextant::testing::ReadFile(sextant::testing::SourceRoot() / "tests/fixtures/web" / name);
}

inline ScriptedReply JsonReply(int status, std::string body,
                               sextant::testing::HttpHeaderList headers = {}) {
  headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return ScriptedReply::Full(status, std::move(body), std::move(headers));
}

inline std::chrono::steady_clock::time_point In(std::chrono::milliseconds ms) {
  return std::chrono::steady_clock::now() + ms;
}
inline std::chrono::steady_clock::time_point Later() { return In(std::chrono::seconds(30)); }

// Decodes %XX escapes (and nothing else: '+' stays '+').
inline std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The query parameters of a request target, decoded; a repeated name keeps
// its last value.
inline std::map<std::string, std::string> QueryOf(const ReceivedRequest& request) {
  std::map<std::string, std::string> out;
  const std::size_t q = request.target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest = std::string_view(request.target).substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    out[PercentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

// Options for tests: no pacing, no proxy, short timeouts.
inline OnlineSearchOptions TestOptions() {
  OnlineSearchOptions o;
  o.min_interval_ms = 0;
  o.proxy = "";
  o.connect_timeout_ms = 2000;
  o.timeout_ms = 5000;
  return o;
}

inline std::unique_ptr<LoopbackHttpServer> StartServer() {
  auto server = LoopbackHttpServer::Start();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

inline std::unique_ptr<SearchBackend> Searxng(const LoopbackHttpServer& server,
                                              OnlineSearchOptions common = TestOptions()) {
  SearxngOptions o;
  o.common = std::move(common);
  o.url = server.Url("/");
  auto backend = MakeSearxngBackend(std::move(o));
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return backend.ok() ? std::move(backend).value() : nullptr;
}

inline std::unique_ptr<SearchBackend> Brave(const std::string& url,
                                            OnlineSearchOptions common = TestOptions()) {
  BraveOptions o;
  o.common = std::move(common);
  o.url = url;
  o.api_key = std::string(kBraveKey);
  auto backend = MakeBraveBackend(std::move(o));
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return backend.ok() ? std::move(backend).value() : nullptr;
}

inline std::unique_ptr<SearchBackend> Google(const std::string& url,
                                             OnlineSearchOptions common = TestOptions()) {
  GoogleOptions o;
  o.common = std::move(common);
  o.url = url;
  o.api_key = std::string(kGoogleKey);
  o.cx = std::string(kGoogleCx);
  auto backend = MakeGoogleBackend(std::move(o));
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return backend.ok() ? std::move(backend).value() : nullptr;
}

inline constexpr std::string_view kBravePath = "/res/v1/web/search";
inline constexpr std::string_view kGooglePath = "/customsearch/v1";

}  // namespace sextant::toolserver::web::online_test
