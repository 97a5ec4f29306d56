// Unit tests of the server's request helpers and route table, with malformed
// and hostile input.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_server.h"
#include "common/internal/http_server_router.h"
#include "common/internal/http_server_util.h"
#include "common/internal/http_server_websocket.h"

namespace sextant::internal {
namespace {

TEST(HttpServerUtilTest, PercentDecodeAcceptsValidEscapes) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc%7e", false), "a b/c~");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("%C3%A9", false), "\xC3\xA9");
  EXPECT_EQ(*PercentDecode("", false), "");
}

TEST(HttpServerUtilTest, PercentDecodeRejectsMalformedEscapes) {
  for (const char* bad : {"%", "%2", "a%", "%zz", "%2g", "%%20", "%00", "a%00b"}) {
    auto r = PercentDecode(bad, false);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HttpServerUtilTest, ParseTargetSplitsPathAndQuery) {
  auto t = ParseTarget("/v1/a%20b/x%2Fy?k=v+w&empty&k=second&%61=1&&z=%3D");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->path, "/v1/a b/x/y");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "a b", "x/y"}));
  EXPECT_EQ(t->query.at("k"), "v w");  // the first value wins
  EXPECT_EQ(t->query.at("empty"), "");
  EXPECT_EQ(t->query.at("a"), "1");
  EXPECT_EQ(t->query.at("z"), "=");

  auto root = ParseTarget("/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->segments, (std::vector<std::string>{""}));
  auto trailing = ParseTarget("/a/");
  ASSERT_TRUE(trailing.ok());
  EXPECT_EQ(trailing->segments, (std::vector<std::string>{"a", ""}));
}

TEST(HttpServerUtilTest, ParseTargetRejectsHostileTargets) {
  for (const char* bad : {"", "*", "http://example.com/", "a/b", "/a%zz", "/a?x=%", "/a%00",
                          "/a#frag", "/a b", "/a\tb", "/a\x7f", "/?k=%00"}) {
    auto t = ParseTarget(bad);
    EXPECT_FALSE(t.ok()) << bad;
  }
}

TEST(HttpServerUtilTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secre"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  // A given token that is the expected one plus NUL padding is still different.
  EXPECT_FALSE(ConstantTimeEquals("ab", std::string("ab\0", 3)));
}

TEST(HttpServerUtilTest, BearerTokenParsesTheScheme) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer   abc  "), "abc");
  EXPECT_EQ(BearerToken("BEARER\tabc"), "abc");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken("Basic abc"), "");
  EXPECT_EQ(BearerToken("Bearer a b"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(HttpServerUtilTest, HeaderValidation) {
  EXPECT_TRUE(IsHttpToken("X-Request-Id"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("Bad Name"));
  EXPECT_FALSE(IsHttpToken("Bad:Name"));
  EXPECT_TRUE(IsValidHeaderValue("text/plain; charset=utf-8\tok"));
  EXPECT_FALSE(IsValidHeaderValue("a\r\nSet-Cookie: x"));
  EXPECT_FALSE(IsValidHeaderValue(std::string("a\0b", 3)));
}

TEST(HttpServerUtilTest, CloseCodesAndReasons) {
  EXPECT_TRUE(IsSendableCloseCode(1000));
  EXPECT_TRUE(IsSendableCloseCode(1008));
  EXPECT_TRUE(IsSendableCloseCode(4999));
  EXPECT_FALSE(IsSendableCloseCode(1005));
  EXPECT_FALSE(IsSendableCloseCode(1006));
  EXPECT_FALSE(IsSendableCloseCode(999));
  EXPECT_FALSE(IsSendableCloseCode(5000));
  EXPECT_EQ(TruncateCloseReason(std::string(200, 'x')).size(), 123u);
  // 61 two-byte characters (122 bytes) and one more: the cut falls inside it.
  std::string accents;
  for (int i = 0; i < 62; ++i) accents += "\xC3\xA9";
  EXPECT_EQ(TruncateCloseReason(accents).size(), 122u);
}

Route MakeRoute(std::string method, std::string pattern, RouteKind kind = RouteKind::kSync) {
  Route r;
  r.kind = kind;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  return r;
}

std::vector<std::string> Segments(const std::string& target) {
  return ParseTarget(target)->segments;
}

TEST(HttpServerRouterTest, RejectsMalformedPatterns) {
  for (const char* bad : {"", "v1/x", "/a/{", "/a/{}", "/a/{*}", "/a/{x}y", "/a/x{y}", "/{p*}/b",
                          "/{a}/{a}", "/{a-b}", "/a/}"}) {
    RouteTable table;
    Status s = table.Add(MakeRoute("GET", bad));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  RouteTable table;
  EXPECT_EQ(table.Add(MakeRoute("BAD METHOD", "/x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(table.Add(MakeRoute("", "/x")).code(), StatusCode::kInvalidArgument);
}

TEST(HttpServerRouterTest, RejectsOverlappingRoutes) {
  RouteTable table;
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/a/{id}")).ok());
  EXPECT_EQ(table.Add(MakeRoute("GET", "/a/{other}")).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(table.Add(MakeRoute("PUT", "/a/{id}")).ok());
  EXPECT_TRUE(table.Add(MakeRoute("GET", "/a/{id}", RouteKind::kWebSocket)).ok());
}

TEST(HttpServerRouterTest, MatchesBySpecificity) {
  RouteTable table;
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/s/{id}")).ok());
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/s/new")).ok());
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/s/{id}/files/{path*}")).ok());
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/s/{id}/files/readme")).ok());
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/")).ok());

  auto m = table.Match("GET", Segments("/s/new"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/s/new");

  m = table.Match("GET", Segments("/s/42"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/s/{id}");
  EXPECT_EQ(m.params.at("id"), "42");

  m = table.Match("GET", Segments("/s/42/files/readme"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/s/{id}/files/readme");

  m = table.Match("GET", Segments("/s/42/files/a/../b"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.params.at("path"), "a/../b");

  m = table.Match("GET", Segments("/s/42/files"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.params.at("path"), "");

  m = table.Match("GET", Segments("/"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/");

  EXPECT_EQ(table.Match("GET", Segments("/s"), false).outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(table.Match("GET", Segments("/s/42/"), false).outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(table.Match("GET", Segments("/s//"), false).outcome, RouteMatch::Outcome::kNotFound);
}

TEST(HttpServerRouterTest, WrongMethodListsAllowedMethods) {
  RouteTable table;
  ASSERT_TRUE(table.Add(MakeRoute("PUT", "/f/{path*}")).ok());
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/f/{path*}")).ok());
  ASSERT_TRUE(table.Add(MakeRoute("GET", "/ws", RouteKind::kWebSocket)).ok());

  auto m = table.Match("DELETE", Segments("/f/x"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, PUT");
  // "get" is not "GET": methods are case-sensitive.
  EXPECT_EQ(table.Match("get", Segments("/f/x"), false).outcome,
            RouteMatch::Outcome::kMethodNotAllowed);

  EXPECT_EQ(table.Match("GET", Segments("/ws"), false).outcome,
            RouteMatch::Outcome::kUpgradeRequired);
  m = table.Match("POST", Segments("/ws"), false);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET");
  m = table.Match("GET", Segments("/ws"), true);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.route->kind, RouteKind::kWebSocket);
  // An upgrade request to a plain route is matched as a plain request.
  m = table.Match("GET", Segments("/f/x"), true);
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.route->kind, RouteKind::kSync);
}

TEST(HttpServerRouterTest, ResponseHelpers) {
  HttpResponse r = ErrorResponse(404, "not_found", "no \"x\"");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no \"x\""}})");
  HttpRequest req;
  req.headers = {{"Content-Type", "a"}, {"X-Two", "1"}, {"x-two", "2"}};
  EXPECT_EQ(req.Header("content-type"), "a");
  EXPECT_EQ(req.Header("X-TWO"), "1");
  EXPECT_EQ(req.Header("missing"), "");
}

}  // namespace
}  // namespace sextant::internal
