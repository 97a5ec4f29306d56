// The online search backends when things go wrong, against a real HTTP
// server on 127.0.0.1: each service's error statuses, rate limits (client-
// side pacing and 429 with Retry-After or X-RateLimit-Reset), malformed and
// oversized replies, timeouts, and keys kept out of every message.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "toolserver/tools/web/internal/online_text.h"
#include "toolserver/tools/web/online_backends.h"
#include "toolserver/tools/web/online_test_util.h"

namespace sextant::toolserver::web {
namespace {

using namespace online_test;  // NOLINT(google-build-using-namespace)
using sextant::testing::Contains;
using std::chrono::milliseconds;

// Answers 429 with `headers` for the first `limited` requests, then `ok`.
LoopbackHttpServer::Handler LimitedThen(int limited, sextant::testing::HttpHeaderList headers,
                                        std::string limited_body, std::string ok) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [=](const ReceivedRequest&) {
    if (count->fetch_add(1) < limited) return JsonReply(429, limited_body, headers);
    return JsonReply(200, ok);
  };
}

struct StatusCase {
  int http_status;
  std::string fixture;
  StatusCode code;
  std::string in_message;
};

TEST(OnlineErrorsTest, SearxngStatusesMapToCodes) {
  auto server = StartServer();
  auto backend = Searxng(*server);
  server->On("/search", ScriptedReply::Full(403, "<html><body><h1>403 Forbidden</h1></body></html>",
                                            {{"Content-Type", "text/html"}}));
  Status st = backend->Search("x", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "settings.yml")) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "search.formats")) << st.ToString();

  server->On("/search",
             ScriptedReply::Full(502,
                                 "<html><head><title>502 Bad Gateway</title></head><body>"
                                 "<center><h1>502 Bad Gateway</h1></center></body></html>",
                                 {{"Content-Type", "text/html"}}));
  st = backend->Search("x", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "HTTP 502: 502 Bad Gateway")) << st.ToString();
  EXPECT_FALSE(Contains(st.message(), "<h1>")) << st.ToString();

  server->On("/search", ScriptedReply::Full(404, "Not Found"));
  EXPECT_EQ(backend->Search("x", 5, Later()).status().code(), StatusCode::kFailedPrecondition);
  server->On("/search", ScriptedReply::Full(500, "Internal Server Error"));
  EXPECT_EQ(backend->Search("x", 5, Later()).status().code(), StatusCode::kUnavailable);
  server->On("/search", ScriptedReply::Full(429, "Too Many Requests"));
  st = backend->Search("x", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "no retry time")) << st.ToString();
}

TEST(OnlineErrorsTest, BraveStatusesMapToCodes) {
  auto server = StartServer();
  auto backend = Brave(server->Url(kBravePath));
  const StatusCase cases[] = {
      {422, "brave_error_token.json", StatusCode::kUnauthenticated, "web.brave_api_key"},
      {422, "brave_error_validation.json", StatusCode::kInvalidArgument,
       "Unable to validate request parameter(s) [VALIDATION]"},
      {401, "brave_error_token.json", StatusCode::kUnauthenticated, "invalid"},
      {403, "brave_error_validation.json", StatusCode::kPermissionDenied, "web.brave_api_key"},
      {503, "brave_error_validation.json", StatusCode::kUnavailable, "HTTP 503"},
      {429, "brave_error_rate_limited.json", StatusCode::kResourceExhausted,
       "Request rate limit exceeded for plan. [RATE_LIMITED]"},
  };
  for (const StatusCase& c : cases) {
    server->On(std::string(kBravePath), JsonReply(c.http_status, Fixture(c.fixture)));
    const Status st = backend->Search("rust", 5, Later()).status();
    EXPECT_EQ(st.code(), c.code) << c.http_status << " " << c.fixture << ": " << st.ToString();
    EXPECT_TRUE(Contains(st.message(), c.in_message)) << st.ToString();
  }
  server->On(std::string(kBravePath), JsonReply(422, Fixture("brave_error_token.json")));
  EXPECT_TRUE(Contains(backend->Search("rust", 5, Later()).status().message(),
                       "The provided subscription token is invalid."));
}

TEST(OnlineErrorsTest, GoogleStatusesMapToCodes) {
  auto server = StartServer();
  auto backend = Google(server->Url(kGooglePath));
  const StatusCase cases[] = {
      {429, "google_error_quota.json", StatusCode::kResourceExhausted,
       "Quota exceeded for quota metric 'Queries'"},
      {403, "google_error_daily_limit.json", StatusCode::kResourceExhausted, "daily limit"},
      {400, "google_error_key.json", StatusCode::kUnauthenticated, "web.google_api_key"},
      {403, "google_error_forbidden.json", StatusCode::kPermissionDenied,
       "does not have the access to Custom Search JSON API"},
      {400, "google_error_invalid.json", StatusCode::kInvalidArgument,
       "Request contains an invalid argument. [INVALID_ARGUMENT]"},
      {500, "google_error_invalid.json", StatusCode::kUnavailable, "HTTP 500"},
  };
  for (const StatusCase& c : cases) {
    server->On(std::string(kGooglePath), JsonReply(c.http_status, Fixture(c.fixture)));
    const Status st = backend->Search("lectures", 5, Later()).status();
    EXPECT_EQ(st.code(), c.code) << c.http_status << " " << c.fixture << ": " << st.ToString();
    EXPECT_TRUE(Contains(st.message(), c.in_message)) << st.ToString();
  }
}

TEST(OnlineErrorsTest, RedirectsAreNotFollowedSoKeysStayPut) {
  auto server = StartServer();
  server->On("/customsearch/v1", ScriptedReply::Redirect(server->Url("/elsewhere")));
  server->On("/elsewhere", JsonReply(200, Fixture("google_page1.json")));
  auto backend = Google(server->Url("/customsearch/v1"));
  Status st = backend->Search("x", 5, Later()).status();
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "302")) << st.ToString();
  ASSERT_EQ(server->requests().size(), 1u);  // /elsewhere never saw the key
  EXPECT_EQ(server->requests()[0].path, "/customsearch/v1");
}

TEST(OnlineErrorsTest, ALaterGooglePageFailureFailsTheSearch) {
  auto server = StartServer();
  server->Handle(std::string(kGooglePath), [](const ReceivedRequest& request) {
    if (!QueryOf(request).contains("start")) return JsonReply(200, Fixture("google_page1.json"));
    return JsonReply(500, Fixture("google_error_invalid.json"));
  });
  const Status st = Google(server->Url(kGooglePath))->Search("lectures", 20, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(OnlineRateLimitTest, RetriesOnceAfterRetryAfterSeconds) {
  auto server = StartServer();
  server->Handle("/search",
                 LimitedThen(1, {{"Retry-After", "1"}}, "{}", Fixture("searxng_results.json")));
  auto results = Searxng(*server)->Search("sqlite", 5, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 4u);
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(OnlineRateLimitTest, RetriesAfterAnHttpDateInThePast) {
  auto server = StartServer();
  server->Handle("/search", LimitedThen(1, {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}}, "{}",
                                        Fixture("searxng_results.json")));
  EXPECT_TRUE(Searxng(*server)->Search("sqlite", 5, Later()).ok());
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(OnlineRateLimitTest, RetriesOnlyOnce) {
  auto server = StartServer();
  server->Handle("/search", LimitedThen(100, {{"Retry-After", "0"}}, "slow down", "{}"));
  const Status st = Searxng(*server)->Search("sqlite", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "after one retry")) << st.ToString();
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(OnlineRateLimitTest, ReturnsWhenTheWaitIsOverMaxRetryWait) {
  auto server = StartServer();
  server->Handle("/search", LimitedThen(100, {{"Retry-After", "120"}}, "slow down", "{}"));
  OnlineSearchOptions options = TestOptions();
  options.max_retry_wait_ms = 2000;
  const Status st = Searxng(*server, options)->Search("sqlite", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "retry in 120 s")) << st.ToString();
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(OnlineRateLimitTest, ReturnsWhenTheWaitPassesTheDeadline) {
  auto server = StartServer();
  server->Handle("/search", LimitedThen(100, {{"Retry-After", "3"}}, "slow down", "{}"));
  OnlineSearchOptions options = TestOptions();
  options.max_retry_wait_ms = 10'000;
  const Status st = Searxng(*server, options)->Search("sqlite", 5, In(milliseconds(1500))).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "retry in 3 s")) << st.ToString();
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(OnlineRateLimitTest, MaxRetryWaitZeroNeverRetries) {
  auto server = StartServer();
  server->Handle("/search", LimitedThen(1, {{"Retry-After", "0"}}, "slow down", "{}"));
  OnlineSearchOptions options = TestOptions();
  options.max_retry_wait_ms = 0;
  EXPECT_EQ(Searxng(*server, options)->Search("sqlite", 5, Later()).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(OnlineRateLimitTest, BraveRetriesAfterTheExhaustedWindowResets) {
  auto server = StartServer();
  // The per-second window is spent and resets now; the monthly one has room.
  server->Handle(
      std::string(kBravePath),
      LimitedThen(1, {{"X-RateLimit-Reset", "0, 1419704"}, {"X-RateLimit-Remaining", "0, 1500"}},
                  Fixture("brave_error_rate_limited.json"), Fixture("brave_results.json")));
  auto results = Brave(server->Url(kBravePath))->Search("rust", 5, Later());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 3u);
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(OnlineRateLimitTest, BraveSaysWhenTheMonthlyQuotaResets) {
  auto server = StartServer();
  server->Handle(
      std::string(kBravePath),
      LimitedThen(1, {{"X-RateLimit-Reset", "1, 1419704"}, {"X-RateLimit-Remaining", "1, 0"}},
                  Fixture("brave_error_rate_limited.json"), Fixture("brave_results.json")));
  const Status st = Brave(server->Url(kBravePath))->Search("rust", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "retry in 1419704 s")) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "[RATE_LIMITED]")) << st.ToString();
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(OnlineRateLimitTest, MinIntervalHoldsTheNextRequest) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_empty.json")));
  OnlineSearchOptions options = TestOptions();
  options.min_interval_ms = 60'000;
  auto backend = Searxng(*server, options);
  ASSERT_TRUE(backend->Search("first", 5, Later()).ok());
  const Status st = backend->Search("second", 5, In(milliseconds(200))).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "min_interval_ms 60000")) << st.ToString();
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(OnlineRateLimitTest, MinIntervalIsSharedAcrossThreads) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_empty.json")));
  OnlineSearchOptions options = TestOptions();
  options.min_interval_ms = 60'000;
  auto backend = Searxng(*server, options);
  constexpr int kThreads = 4;
  std::atomic<int> ok{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      const Status st = backend->Search("q", 5, In(milliseconds(2000))).status();
      if (st.ok()) ++ok;
      if (st.code() == StatusCode::kResourceExhausted) ++limited;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(limited.load(), kThreads - 1);
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(OnlineRateLimitTest, ShortMinIntervalLetsRequestsThrough) {
  auto server = StartServer();
  server->On("/search", JsonReply(200, Fixture("searxng_empty.json")));
  OnlineSearchOptions options = TestOptions();
  options.min_interval_ms = 50;
  auto backend = Searxng(*server, options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(backend->Search("q", 5, Later()).ok());
  EXPECT_EQ(server->requests().size(), 3u);
}

// A 2xx body each backend should refuse, and the code it should give.
struct MalformedCase {
  std::string name;
  std::string body;
  std::string content_type;
  StatusCode code;
};

std::vector<MalformedCase> CommonMalformed() {
  return {
      {"empty body", "", "application/json", StatusCode::kDataLoss},
      {"blank body", "  \r\n ", "application/json", StatusCode::kDataLoss},
      {"not json", "results: none", "text/plain", StatusCode::kDataLoss},
      {"html page", "<!DOCTYPE html><html><body><p>Please enable JavaScript</p></body></html>",
       "text/html", StatusCode::kDataLoss},
      {"html as json", "<html>oops</html>", "application/json", StatusCode::kDataLoss},
      {"truncated", R"({"results": [{"url": "https://a.example/", "title": "A")",
       "application/json", StatusCode::kDataLoss},
      {"array", R"([{"url": "https://a.example/"}])", "application/json", StatusCode::kDataLoss},
      {"string", R"("results")", "application/json", StatusCode::kDataLoss},
      {"bad utf-8", "{\"results\": [{\"url\": \"https://a.example/\", \"title\": \"\xC3\x28\"}]}",
       "application/json", StatusCode::kDataLoss},
      {"too deep", std::string(200, '[') + std::string(200, ']'), "application/json",
       StatusCode::kDataLoss},
  };
}

void ExpectMalformed(SearchBackend& backend, LoopbackHttpServer& server, const std::string& path,
                     const MalformedCase& c) {
  server.On(path, ScriptedReply::Full(200, c.body, {{"Content-Type", c.content_type}}));
  const Status st = backend.Search("q", 5, Later()).status();
  EXPECT_EQ(st.code(), c.code) << backend.name() << " / " << c.name << ": " << st.ToString();
  EXPECT_TRUE(Contains(st.message(), std::string(backend.name()) + ": ")) << st.ToString();
}

TEST(OnlineMalformedTest, RepliesThatAreNotTheServicesJson) {
  auto server = StartServer();
  auto searxng = Searxng(*server);
  auto brave = Brave(server->Url(kBravePath));
  auto google = Google(server->Url(kGooglePath));
  for (const MalformedCase& c : CommonMalformed()) {
    ExpectMalformed(*searxng, *server, "/search", c);
    ExpectMalformed(*brave, *server, std::string(kBravePath), c);
    ExpectMalformed(*google, *server, std::string(kGooglePath), c);
  }
}

TEST(OnlineMalformedTest, JsonOfTheWrongShape) {
  auto server = StartServer();
  auto searxng = Searxng(*server);
  auto brave = Brave(server->Url(kBravePath));
  auto google = Google(server->Url(kGooglePath));
  const std::string json = "application/json";
  const MalformedCase searxng_cases[] = {
      {"no results", R"({"query": "q"})", json, StatusCode::kDataLoss},
      {"results object", R"({"results": {"url": "https://a.example/"}})", json,
       StatusCode::kDataLoss},
      {"results null", R"({"results": null})", json, StatusCode::kDataLoss},
  };
  for (const MalformedCase& c : searxng_cases) ExpectMalformed(*searxng, *server, "/search", c);
  const MalformedCase brave_cases[] = {
      {"another api", R"({"type": "news", "results": []})", json, StatusCode::kDataLoss},
      {"web array", R"({"type": "search", "web": []})", json, StatusCode::kDataLoss},
      {"web without results", R"({"type": "search", "web": {"type": "search"}})", json,
       StatusCode::kDataLoss},
      {"results string", R"({"type": "search", "web": {"results": "none"}})", json,
       StatusCode::kDataLoss},
  };
  for (const MalformedCase& c : brave_cases) {
    ExpectMalformed(*brave, *server, std::string(kBravePath), c);
  }
  const MalformedCase google_cases[] = {
      {"empty object", "{}", json, StatusCode::kDataLoss},
      {"items object", R"({"kind": "customsearch#search", "items": {}})", json,
       StatusCode::kDataLoss},
  };
  for (const MalformedCase& c : google_cases) {
    ExpectMalformed(*google, *server, std::string(kGooglePath), c);
  }
}

TEST(OnlineMalformedTest, UnreadableResultsAreSkipped) {
  auto server = StartServer();
  const Json results = Json::array({
      1,
      "https://string.example/",
      {{"title", "no url"}, {"content", "x"}},
      {{"url", 42}, {"title", "numeric url"}},
      {{"url", ""}, {"title", "empty url"}},
      {{"url", "javascript:alert(1)"}, {"title", "not http"}},
      {{"url", "https://ok.example/a"}, {"title", 7}, {"content", "numeric title"}},
      {{"url", "https://ok.example/b"}, {"title", "B"}, {"content", {{"nested", true}}}},
      {{"url", "https://ok.example/c"}, {"title", "C"}, {"content", "kept"}, {"score", "high"}},
      {{"url", "https://ok.example/d"}, {"title", nullptr}},
  });
  server->On("/search", JsonReply(200, DumpJson({{"results", results}})));
  auto found = Searxng(*server)->Search("q", 10, Later());
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].url, "https://ok.example/c");
  EXPECT_EQ((*found)[0].snippet, "kept");
  EXPECT_EQ((*found)[1].url, "https://ok.example/d");
  EXPECT_EQ((*found)[1].title, "");
  // A score that is not a number for one result means rank order for all.
  EXPECT_DOUBLE_EQ((*found)[0].score, 1.0);
  EXPECT_DOUBLE_EQ((*found)[1].score, 0.5);
}

TEST(OnlineMalformedTest, NoReadableResultIsDataLoss) {
  auto server = StartServer();
  server->On(std::string(kBravePath),
             JsonReply(200, R"({"type": "search", "web": {"results": [{"title": "no url"}, 3]}})"));
  const Status st = Brave(server->Url(kBravePath))->Search("q", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "none of the 2 results")) << st.ToString();
}

TEST(OnlineMalformedTest, HugeRepliesHitTheLimit) {
  auto server = StartServer();
  std::string body = Fixture("searxng_results.json");
  OnlineSearchOptions options = TestOptions();
  options.max_response_bytes = body.size() - 1;
  server->On("/search", JsonReply(200, body));
  Status st = Searxng(*server, options)->Search("q", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  // Streamed without a length, too.
  server->On("/search", ScriptedReply::Chunked(200, {{"Content-Type", "application/json"}})
                            .Chunk(body)
                            .Chunk(body)
                            .EndChunks());
  options.max_response_bytes = body.size() + 10;
  st = Searxng(*server, options)->Search("q", 5, Later()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  options.max_response_bytes = body.size();
  server->On("/search", JsonReply(200, body));
  EXPECT_TRUE(Searxng(*server, options)->Search("q", 5, Later()).ok());
}

TEST(OnlineTimeoutTest, ASilentServerRunsIntoTheDeadline) {
  auto server = StartServer();
  server->On("/search", ScriptedReply::Silent());
  const Status st = Searxng(*server)->Search("q", 5, In(milliseconds(300))).status();
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "searxng: GET ")) << st.ToString();
}

TEST(OnlineTimeoutTest, TimeoutMsBoundsOneRequest) {
  auto server = StartServer();
  server->On("/search", ScriptedReply::Silent());
  OnlineSearchOptions options = TestOptions();
  options.timeout_ms = 200;
  EXPECT_EQ(Searxng(*server, options)->Search("q", 5, Later()).status().code(),
            StatusCode::kDeadlineExceeded);
}

TEST(OnlineTimeoutTest, APassedDeadlineSendsNothing) {
  auto server = StartServer();
  const Status st = Searxng(*server)->Search("q", 5, In(milliseconds(-1))).status();
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_TRUE(server->requests().empty());
}

// The key, raw or percent-encoded, nowhere in `st`; nor a long piece of it.
void ExpectNoKey(const Status& st, std::string_view key, const std::string& what) {
  const std::string text = st.ToString();
  EXPECT_FALSE(st.ok()) << what;
  EXPECT_FALSE(Contains(text, key)) << what << ": " << text;
  EXPECT_FALSE(Contains(text, internal::PercentEncode(key))) << what << ": " << text;
  EXPECT_FALSE(Contains(text, key.substr(0, 10))) << what << ": " << text;
}

TEST(OnlineRedactionTest, GoogleKeyStaysOutOfEveryError) {
  auto server = StartServer();
  auto google = Google(server->Url(kGooglePath));
  const std::string key(kGoogleKey);
  const std::string echoed = "request was key=" + key + " and " + internal::PercentEncode(key);
  Json error = Json::parse(Fixture("google_error_invalid.json"));
  error["error"]["message"] = echoed;
  const std::pair<std::string, ScriptedReply> replies[] = {
      {"500 echo", ScriptedReply::Full(500, echoed)},
      {"html echo", ScriptedReply::Full(502, "<html><body>" + echoed + "</body></html>",
                                        {{"Content-Type", "text/html"}})},
      {"json error echo", JsonReply(400, DumpJson(error))},
      {"429 echo", JsonReply(429, DumpJson(error), {{"Retry-After", "9999"}})},
      {"bad json echo", JsonReply(200, "{\"kind\": \"" + echoed)},
      {"html 200 echo",
       ScriptedReply::Full(200, "<p>" + echoed + "</p>", {{"Content-Type", "text/html"}})},
      {"cut off", ScriptedReply::Head(200, {{"Content-Length", "500"}}).Write(echoed).Close()},
  };
  for (const auto& [what, reply] : replies) {
    server->On(std::string(kGooglePath), reply);
    ExpectNoKey(google->Search("q", 5, Later()).status(), key, what);
  }
  server->On(std::string(kGooglePath), ScriptedReply::Silent());
  ExpectNoKey(google->Search("q", 5, In(milliseconds(300))).status(), key, "timeout");
}

TEST(OnlineRedactionTest, KeyStaysOutOfTransportErrorsWithLongUrls) {
  // A closed port: connection refused. The long path makes HttpClient's own
  // message cut the URL in the middle of the key.
  int port = 0;
  {
    auto server = StartServer();
    port = server->port();
  }
  for (const std::size_t pad : {0u, 150u, 190u, 200u, 230u}) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/" +
                            std::string(pad, 'p') + "/customsearch/v1";
    const Status st = Google(url)->Search("q", 5, Later()).status();
    EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
    ExpectNoKey(st, kGoogleKey, "refused, pad " + std::to_string(pad));
    EXPECT_TRUE(Contains(st.message(), "google: GET http://127.0.0.1:")) << st.ToString();
    EXPECT_FALSE(Contains(st.message(), "?")) << st.ToString();
  }
}

TEST(OnlineRedactionTest, BraveKeyStaysOutOfEveryError) {
  auto server = StartServer();
  auto brave = Brave(server->Url(kBravePath));
  const std::string key(kBraveKey);
  Json error = Json::parse(Fixture("brave_error_token.json"));
  error["error"]["detail"] = "token " + key + " is invalid";
  server->On(std::string(kBravePath), JsonReply(422, DumpJson(error)));
  ExpectNoKey(brave->Search("q", 5, Later()).status(), key, "422 echo");
  server->On(std::string(kBravePath), ScriptedReply::Full(500, key));
  ExpectNoKey(brave->Search("q", 5, Later()).status(), key, "500 echo");
  server->On(std::string(kBravePath), ScriptedReply::Silent());
  ExpectNoKey(brave->Search("q", 5, In(milliseconds(300))).status(), key, "timeout");
}

}  // namespace
}  // namespace sextant::toolserver::web
