// Fetcher against a real HTTP server on 127.0.0.1 (allow-listed explicitly):
// content types, charsets, encodings, redirects, the egress guard, limits,
// timeouts and the page cache.
#include "toolserver/tools/web/fetch.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"
#include "toolserver/tools/web/charset_test_util.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::testing::Contains;
using ::sextant::testing::GzipCompress;
using ::sextant::testing::LoopbackHttpServer;
using ::sextant::testing::ScriptedReply;
using ::sextant::testing::TempDir;
using ::sextant::toolserver::web::testing::Encode;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kHtml =
    "<!DOCTYPE html><html><head><title>Loopback page</title></head>"
    "<body><p>Hello from the loopback server: café, 中文.</p></body></html>";
constexpr std::size_t kMiB = std::size_t{1} << 20;

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = LoopbackHttpServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    options_.allow_addresses = {"127.0.0.1"};
  }

  Result<FetchedPage> Fetch(std::string_view url, seconds budget = seconds(30)) {
    auto fetcher = Fetcher::Create(options_);
    if (!fetcher.ok()) return fetcher.status();
    return (*fetcher)->Fetch(url, std::chrono::steady_clock::now() + budget);
  }

  // Fetches `path` and expects failure with `code` and `part` in the message.
  void ExpectError(std::string_view path, StatusCode code, std::string_view part) {
    auto page = Fetch(server_->Url(path));
    ASSERT_FALSE(page.ok()) << path;
    EXPECT_EQ(page.status().code(), code) << page.status().ToString();
    EXPECT_TRUE(Contains(page.status().message(), part)) << page.status().ToString();
  }

  std::unique_ptr<LoopbackHttpServer> server_;
  FetchOptions options_;
  TempDir dir_;
};

TEST_F(FetchTest, FetchesAnHtmlPage) {
  server_->On("/page", ScriptedReply::Full(200, std::string(kHtml),
                                           {{"Content-Type", "text/html; charset=utf-8"}}));
  auto page = Fetch(server_->Url("/page"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->url, server_->Url("/page"));
  EXPECT_EQ(page->final_url, server_->Url("/page"));
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->media_type, "text/html");
  EXPECT_TRUE(page->is_html());
  EXPECT_EQ(page->charset, "utf-8");
  EXPECT_EQ(page->charset_from, "header");
  EXPECT_EQ(page->body, kHtml);
  EXPECT_FALSE(page->from_cache);
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_TRUE(Contains(requests[0].Header("accept"), "text/html")) << requests[0].Header("accept");
  EXPECT_TRUE(Contains(requests[0].Header("user-agent"), "sextant/"));
}

TEST_F(FetchTest, UserAgentOption) {
  options_.user_agent = "test-agent/1.0";
  server_->On("/p", ScriptedReply::Full(200, "x"));
  ASSERT_TRUE(Fetch(server_->Url("/p")).ok());
  EXPECT_EQ(server_->requests().at(0).Header("user-agent"), "test-agent/1.0");
}

TEST_F(FetchTest, CharsetFromHeader) {
  const std::string html = "<html><body><p>Größe, déjà vu — 5 €</p></body></html>";
  server_->On("/p", ScriptedReply::Full(200, Encode(html, "CP1252"),
                                        {{"Content-Type", "text/html; charset=ISO-8859-1"}}));
  auto page = Fetch(server_->Url("/p"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->body, html);
  EXPECT_EQ(page->charset, "windows-1252");
  EXPECT_EQ(page->charset_from, "header");
}

TEST_F(FetchTest, CharsetFromMeta) {
  const std::string html =
      "<html><head><meta charset=\"gb2312\"></head><body><p>简体中文网页的内容。</p></body></html>";
  server_->On("/p", ScriptedReply::Full(200, Encode(html, "GBK"), {{"Content-Type", "text/html"}}));
  auto page = Fetch(server_->Url("/p"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->body, html);
  EXPECT_EQ(page->charset, "gb18030");
  EXPECT_EQ(page->charset_from, "meta");
}

TEST_F(FetchTest, CharsetSniffed) {
  const std::string text = "これは日本語のテキストファイルです。ひらがなとカタカナ。";
  server_->On(
      "/p", ScriptedReply::Full(200, Encode(text, "SHIFT_JIS"), {{"Content-Type", "text/plain"}}));
  auto page = Fetch(server_->Url("/p"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->body, text);
  EXPECT_EQ(page->media_type, "text/plain");
  EXPECT_FALSE(page->is_html());
  EXPECT_EQ(page->charset, "shift_jis");
  EXPECT_EQ(page->charset_from, "sniff");
}

TEST_F(FetchTest, GzipAndDeflateBodies) {
  server_->On("/gz", ScriptedReply::Full(200, GzipCompress(kHtml),
                                         {{"Content-Type", "text/html; charset=utf-8"},
                                          {"Content-Encoding", "gzip"}}));
  server_->On("/deflate", ScriptedReply::Full(200, sextant::testing::ZlibCompress(kHtml),
                                              {{"Content-Type", "text/html; charset=utf-8"},
                                               {"Content-Encoding", "deflate"}}));
  for (const char* path : {"/gz", "/deflate"}) {
    auto page = Fetch(server_->Url(path));
    ASSERT_TRUE(page.ok()) << path << ": " << page.status().ToString();
    EXPECT_EQ(page->body, kHtml) << path;
  }
  EXPECT_TRUE(Contains(server_->requests().at(0).Header("accept-encoding"), "gzip"));
}

TEST_F(FetchTest, BrokenGzipIsDataLoss) {
  server_->On("/p",
              ScriptedReply::Full(200, "this is not gzip at all",
                                  {{"Content-Type", "text/html"}, {"Content-Encoding", "gzip"}}));
  ExpectError("/p", StatusCode::kDataLoss, "/p");
}

TEST_F(FetchTest, GzipBombStopsAtMaxBytes) {
  options_.max_bytes = kMiB;
  server_->On("/p",
              ScriptedReply::Full(200, GzipCompress(std::string(20 * kMiB, 'a')),
                                  {{"Content-Type", "text/plain"}, {"Content-Encoding", "gzip"}}));
  ExpectError("/p", StatusCode::kResourceExhausted, "limit");
}

TEST_F(FetchTest, MaxBytesEdges) {
  options_.max_bytes = 1000;
  server_->On("/exact", ScriptedReply::Full(200, std::string(1000, 'x')));
  server_->On("/over", ScriptedReply::Full(200, std::string(1001, 'x')));
  auto exact = Fetch(server_->Url("/exact"));
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->body.size(), 1000u);
  ExpectError("/over", StatusCode::kResourceExhausted, "1000");
}

TEST_F(FetchTest, FiftyMegabytePageRefusedFromContentLength) {
  server_->On("/big", ScriptedReply::Head(200, {{"Content-Type", "text/html"},
                                                {"Content-Length", std::to_string(50 * kMiB)}})
                          .Write("<html><body>")
                          .Hang());
  ExpectError("/big", StatusCode::kResourceExhausted, "Content-Length");
}

TEST_F(FetchTest, FiftyMegabyteChunkedPageStopsAtTheLimit) {
  const std::string chunk(kMiB, 'a');
  ScriptedReply reply = ScriptedReply::Chunked(200, {{"Content-Type", "text/plain"}});
  for (int i = 0; i < 50; ++i) reply.Chunk(chunk);
  reply.EndChunks();
  server_->On("/big", std::move(reply));
  ExpectError("/big", StatusCode::kResourceExhausted, "limit");
}

TEST_F(FetchTest, FollowsARedirectChain) {
  server_->On("/a", ScriptedReply::Redirect("/b", 301));
  server_->On("/b", ScriptedReply::Redirect(server_->Url("/c"), 302));
  server_->On("/c", ScriptedReply::Full(200, std::string(kHtml), {{"Content-Type", "text/html"}}));
  auto page = Fetch(server_->Url("/a"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->url, server_->Url("/a"));
  EXPECT_EQ(page->final_url, server_->Url("/c"));
  EXPECT_EQ(page->body, kHtml);
  EXPECT_EQ(server_->requests().size(), 3u);
}

TEST_F(FetchTest, RedirectLoopIsResourceExhausted) {
  server_->On("/loop", ScriptedReply::Redirect("/loop"));
  ExpectError("/loop", StatusCode::kResourceExhausted, "redirect");
  EXPECT_EQ(server_->requests().size(), static_cast<std::size_t>(options_.max_redirects) + 1);
}

TEST_F(FetchTest, MaxRedirectsIsHonoured) {
  options_.max_redirects = 1;
  server_->On("/one", ScriptedReply::Redirect("/end"));
  server_->On("/two", ScriptedReply::Redirect("/one"));
  server_->On("/end", ScriptedReply::Full(200, "end"));
  EXPECT_TRUE(Fetch(server_->Url("/one")).ok());
  ExpectError("/two", StatusCode::kResourceExhausted, "redirect");
}

TEST_F(FetchTest, RedirectToCloudMetadataIsRefusedDespiteTheAllowList) {
  server_->On("/r", ScriptedReply::Redirect("http://169.254.169.254/latest/meta-data/"));
  ExpectError("/r", StatusCode::kPermissionDenied, "169.254.169.254");
  ExpectError("/r", StatusCode::kPermissionDenied, "cloud metadata");
}

TEST_F(FetchTest, RedirectsToOtherRefusedPlaces) {
  server_->On("/private", ScriptedReply::Redirect("http://10.1.2.3/"));
  server_->On("/v6",
              ScriptedReply::Redirect("http://[::1]:" + std::to_string(server_->port()) + "/"));
  server_->On("/mapped", ScriptedReply::Redirect("http://[::ffff:169.254.169.254]/"));
  server_->On("/ftp", ScriptedReply::Redirect("ftp://127.0.0.1/file"));
  ExpectError("/private", StatusCode::kPermissionDenied, "private");
  ExpectError("/v6", StatusCode::kPermissionDenied, "loopback");
  ExpectError("/mapped", StatusCode::kPermissionDenied, "cloud metadata");
  ExpectError("/ftp", StatusCode::kPermissionDenied, "ftp");
}

TEST_F(FetchTest, LoopbackIsRefusedWithoutTheAllowList) {
  options_.allow_addresses.clear();
  server_->On("/p", ScriptedReply::Full(200, "secret"));
  ExpectError("/p", StatusCode::kPermissionDenied, "127.0.0.1");
  ExpectError("/p", StatusCode::kPermissionDenied, "loopback");
  EXPECT_EQ(server_->requests().size(), 0u);
  EXPECT_EQ(server_->connections_accepted(), 0u);
}

TEST_F(FetchTest, ALocalhostNameIsJudgedByItsAddress) {
  options_.allow_addresses.clear();
  server_->On("/p", ScriptedReply::Full(200, "secret"));
  auto page = Fetch("http://localhost:" + std::to_string(server_->port()) + "/p");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kPermissionDenied) << page.status().ToString();
  EXPECT_EQ(server_->requests().size(), 0u);
}

TEST_F(FetchTest, BinaryContentTypesAreRefused) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  server_->On("/png", ScriptedReply::Full(200, png, {{"Content-Type", "image/png"}}));
  server_->On("/bin",
              ScriptedReply::Full(200, "data", {{"Content-Type", "application/octet-stream"}}));
  server_->On("/zip", ScriptedReply::Full(200, std::string("PK\x03\x04\0\0", 6),
                                          {{"Content-Type", "application/zip"}}));
  ExpectError("/png", StatusCode::kFailedPrecondition, "image/png");
  ExpectError("/bin", StatusCode::kFailedPrecondition, "application/octet-stream");
  ExpectError("/zip", StatusCode::kFailedPrecondition, "application/zip");
}

TEST_F(FetchTest, BinaryBodyUnderATextTypeIsRefused) {
  std::string body = "<html>";
  body += std::string("\0\x01\x02\x03", 4);
  body += "</html>";
  server_->On("/p", ScriptedReply::Full(200, body, {{"Content-Type", "text/html"}}));
  ExpectError("/p", StatusCode::kFailedPrecondition, "binary");
}

TEST_F(FetchTest, PdfIsNotSupportedYet) {
  server_->On("/doc.pdf", ScriptedReply::Full(200, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n",
                                              {{"Content-Type", "application/pdf"}}));
  server_->On("/untyped.pdf",
              ScriptedReply::Head(200, {{"Content-Length", "9"}}).Write("%PDF-1.4\n"));
  ExpectError("/doc.pdf", StatusCode::kFailedPrecondition, "PDF is not supported yet");
  ExpectError("/untyped.pdf", StatusCode::kFailedPrecondition, "PDF is not supported yet");
}

TEST_F(FetchTest, MissingContentTypeIsSniffed) {
  const std::string text = "just some plain words\non two lines\n";
  const std::string binary("GIF89a\0\0\x01\0", 10);
  auto untyped = [](const std::string& body) {
    return ScriptedReply::Head(200, {{"Content-Length", std::to_string(body.size())}}).Write(body);
  };
  server_->On("/html", untyped("  <!doctype html><title>x</title><p>y</p>"));
  server_->On("/text", untyped(text));
  server_->On("/binary", untyped(binary));
  auto html = Fetch(server_->Url("/html"));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_EQ(html->media_type, "text/html");
  auto plain = Fetch(server_->Url("/text"));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->media_type, "text/plain");
  EXPECT_EQ(plain->body, text);
  ExpectError("/binary", StatusCode::kFailedPrecondition, "binary");
}

TEST_F(FetchTest, OtherTextTypesAreReadAsText) {
  server_->On("/css", ScriptedReply::Full(200, "p { color: red }", {{"Content-Type", "text/css"}}));
  server_->On("/xhtml", ScriptedReply::Full(200, std::string(kHtml),
                                            {{"Content-Type", "Application/XHTML+XML"}}));
  server_->On("/json", ScriptedReply::Full(200, "{\"a\": 1}",
                                           {{"Content-Type", "application/json; charset=utf-8"}}));
  auto css = Fetch(server_->Url("/css"));
  ASSERT_TRUE(css.ok()) << css.status().ToString();
  EXPECT_EQ(css->media_type, "text/css");
  EXPECT_FALSE(css->is_html());
  auto xhtml = Fetch(server_->Url("/xhtml"));
  ASSERT_TRUE(xhtml.ok()) << xhtml.status().ToString();
  EXPECT_EQ(xhtml->media_type, "application/xhtml+xml");
  EXPECT_TRUE(xhtml->is_html());
  auto json = Fetch(server_->Url("/json"));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->body, "{\"a\": 1}");
}

TEST_F(FetchTest, MalformedUrlsAreInvalidArgument) {
  for (const char* url :
       {"", "ftp://x", "http://", "http://[::1", "javascript:alert(1)", "https://exa mple.com/",
        "http://host:99999/", "http://host:0/", "http://host:x/", "//example.com/",
        "http:example.com", "example.com", "http://[::1]x/", "http://[nonsense]/", "http://@/",
        "file:///etc/passwd", "https://a\nb/", "http://:80/"}) {
    auto page = Fetch(url);
    ASSERT_FALSE(page.ok()) << url;
    EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument)
        << url << ": " << page.status().ToString();
    EXPECT_TRUE(Contains(page.status().message(), "invalid URL")) << page.status().message();
  }
  EXPECT_EQ(server_->requests().size(), 0u);
}

TEST_F(FetchTest, HttpErrorStatusesAreFailedPrecondition) {
  server_->On("/gone", ScriptedReply::Full(500, "oops"));
  ExpectError("/missing", StatusCode::kFailedPrecondition,
              "HTTP 404 from " + server_->Url("/missing"));
  ExpectError("/gone", StatusCode::kFailedPrecondition, "HTTP 500");
}

TEST_F(FetchTest, SilentServerTimesOut) {
  options_.timeout_ms = 300;
  server_->On("/slow", ScriptedReply::Silent());
  ExpectError("/slow", StatusCode::kDeadlineExceeded, "/slow");
}

TEST_F(FetchTest, TheCallsDeadlineCutsTheTimeoutShort) {
  server_->On("/slow", ScriptedReply::Silent());
  auto fetcher = Fetcher::Create(options_);
  ASSERT_TRUE(fetcher.ok());
  auto page = (*fetcher)->Fetch(server_->Url("/slow"),
                                std::chrono::steady_clock::now() + milliseconds(300));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kDeadlineExceeded) << page.status().ToString();
  auto past = (*fetcher)->Fetch(server_->Url("/slow"), std::chrono::steady_clock::now());
  EXPECT_EQ(past.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server_->requests().size(), 1u);
}

TEST_F(FetchTest, ACutOffReplyIsUnavailable) {
  server_->On("/cut",
              ScriptedReply::Head(200, {{"Content-Type", "text/html"}, {"Content-Length", "1000"}})
                  .Write("<html>only a little")
                  .Close());
  ExpectError("/cut", StatusCode::kUnavailable, "/cut");
}

TEST_F(FetchTest, NobodyListeningIsUnavailable) {
  std::string url;
  {
    auto other = LoopbackHttpServer::Start();
    ASSERT_TRUE(other.ok());
    url = (*other)->Url("/p");
  }
  auto page = Fetch(url);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kUnavailable) << page.status().ToString();
}

TEST_F(FetchTest, CacheServesTheSecondFetch) {
  options_.cache_path = dir_.path() / "cache" / "pages.sqlite";
  const std::string html = "<html><head><meta charset=gbk></head><body>中文</body></html>";
  server_->On("/p", ScriptedReply::Full(200, Encode(html, "GBK"), {{"Content-Type", "text/html"}}));
  auto first = Fetch(server_->Url("/p"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->from_cache);
  auto second = Fetch(server_->Url("/p"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(server_->requests().size(), 1u);
  EXPECT_EQ(second->body, html);
  EXPECT_EQ(second->url, first->url);
  EXPECT_EQ(second->final_url, first->final_url);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->media_type, "text/html");
  EXPECT_EQ(second->charset, "gb18030");
  EXPECT_EQ(second->charset_from, "meta");
}

TEST_F(FetchTest, CachedPagesExpire) {
  options_.cache_path = dir_.path() / "pages.sqlite";
  options_.cache_ttl_seconds = 1;
  server_->On("/p", ScriptedReply::Full(200, "body"));
  ASSERT_TRUE(Fetch(server_->Url("/p")).ok());
  std::this_thread::sleep_for(milliseconds(1100));
  auto again = Fetch(server_->Url("/p"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->from_cache);
  EXPECT_EQ(server_->requests().size(), 2u);
}

TEST_F(FetchTest, ZeroTtlMeansNoCache) {
  options_.cache_path = dir_.path() / "pages.sqlite";
  options_.cache_ttl_seconds = 0;
  server_->On("/p", ScriptedReply::Full(200, "body"));
  ASSERT_TRUE(Fetch(server_->Url("/p")).ok());
  ASSERT_TRUE(Fetch(server_->Url("/p")).ok());
  EXPECT_EQ(server_->requests().size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(options_.cache_path));
}

TEST_F(FetchTest, FailuresAreNotCached) {
  options_.cache_path = dir_.path() / "pages.sqlite";
  server_->On("/png", ScriptedReply::Full(200, "x", {{"Content-Type", "image/png"}}));
  ExpectError("/missing", StatusCode::kFailedPrecondition, "404");
  ExpectError("/missing", StatusCode::kFailedPrecondition, "404");
  ExpectError("/png", StatusCode::kFailedPrecondition, "image/png");
  ExpectError("/png", StatusCode::kFailedPrecondition, "image/png");
  EXPECT_EQ(server_->requests().size(), 4u);
}

TEST_F(FetchTest, ACorruptCacheFileFailsCreate) {
  options_.cache_path = dir_.path() / "pages.sqlite";
  sextant::testing::WriteFile(options_.cache_path, std::string(4096, 'z'));
  auto fetcher = Fetcher::Create(options_);
  ASSERT_FALSE(fetcher.ok());
  EXPECT_EQ(fetcher.status().code(), StatusCode::kDataLoss) << fetcher.status().ToString();
  EXPECT_TRUE(Contains(fetcher.status().message(), "pages.sqlite"));
}

TEST_F(FetchTest, BadOptionsFailCreate) {
  FetchOptions bad_address = options_;
  bad_address.allow_addresses = {"127.0.0.1", "not-an-address"};
  auto fetcher = Fetcher::Create(bad_address);
  ASSERT_FALSE(fetcher.ok());
  EXPECT_EQ(fetcher.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(fetcher.status().message(), "not-an-address"));
  for (auto change :
       {+[](FetchOptions& o) { o.timeout_ms = 0; },
        +[](FetchOptions& o) { o.connect_timeout_ms = 0; },
        +[](FetchOptions& o) { o.max_bytes = 0; }, +[](FetchOptions& o) { o.max_redirects = -1; },
        +[](FetchOptions& o) { o.cache_ttl_seconds = -1; },
        +[](FetchOptions& o) { o.cache_max_entries = 0; }}) {
    FetchOptions o = options_;
    change(o);
    EXPECT_EQ(Fetcher::Create(o).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(FetchTest, ManyThreadsFetchAtOnce) {
  options_.cache_path = dir_.path() / "pages.sqlite";
  for (int i = 0; i < 10; ++i) {
    server_->On("/p" + std::to_string(i), ScriptedReply::Full(200, "page " + std::to_string(i),
                                                              {{"Content-Type", "text/plain"}}));
  }
  auto fetcher = Fetcher::Create(options_);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
  constexpr int kThreads = 6;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const int n = (t + i) % 10;
        auto page = (*fetcher)->Fetch(server_->Url("/p" + std::to_string(n)),
                                      std::chrono::steady_clock::now() + seconds(30));
        if (!page.ok() || page->body != "page " + std::to_string(n)) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace sextant::toolserver::web
