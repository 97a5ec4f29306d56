// Runs `sextant web extract` as a subprocess on real HTML files and on pages
// served from 127.0.0.1.
#include <string>

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "common/json.h"
#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

using ::sextant::testing::Contains;
using ::sextant::testing::WriteFile;

constexpr std::string_view kPage =
    "<html lang=\"en\"><head><title>Extraction test page</title>"
    "<meta name=\"author\" content=\"Ada Lovelace\"></head><body>"
    "<nav><a href=\"/home\">NAVIGATION</a></nav><article>"
    "<p>The first paragraph links to <a href=\"notes.html\">the notes</a>, and it goes on "
    "for a while so that it counts as content, with commas, clauses, and more words.</p>"
    "<p>The second paragraph is also long enough to score as a real paragraph of text, "
    "which keeps the article above readability's character threshold, more or less.</p>"
    "</article></body></html>";

TEST_F(CliTest, WebExtractPrintsTitleThenText) {
  WriteFile(Path("page.html"), kPage);
  RunResult r = Run({"web", "extract", Path("page.html").string(), "--base-url",
                     "https://example.test/dir/page.html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Extraction test page\n\nThe first paragraph", 0), 0u) << r.out;
  EXPECT_TRUE(Contains(r.out, "links to [1] the notes,")) << r.out;
  EXPECT_TRUE(Contains(r.out, "[1] https://example.test/dir/notes.html")) << r.out;
  EXPECT_FALSE(Contains(r.out, "NAVIGATION")) << r.out;
}

TEST_F(CliTest, WebExtractJson) {
  WriteFile(Path("page.html"), kPage);
  RunResult r = Run({"web", "extract", Path("page.html").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ((*json)["title"], "Extraction test page");
  EXPECT_EQ((*json)["byline"], "Ada Lovelace");
  EXPECT_EQ((*json)["lang"], "en");
  EXPECT_TRUE((*json).contains("excerpt"));
  EXPECT_TRUE((*json).contains("site_name"));
  EXPECT_TRUE(Contains((*json)["text"].get<std::string>(), "The second paragraph"));
  ASSERT_EQ((*json)["links"].size(), 1u);
  EXPECT_EQ((*json)["links"][0]["url"], "notes.html");
}

TEST_F(CliTest, WebExtractOnReadabilityPage) {
  SEXTANT_TESTDATA_OR_SKIP(page, "html/readability/test-pages/001/source.html");
  RunResult r = Run({"web", "extract", page.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto meta = ParseJson(testing::ReadFile(page.parent_path() / "expected-metadata.json"));
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(r.out.rfind((*meta)["title"].get<std::string>() + "\n\n", 0), 0u) << r.out;
}

// A server with kPage at /dir/page.html.
std::unique_ptr<testing::LoopbackHttpServer> ServePage() {
  auto server = testing::LoopbackHttpServer::Start();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  (*server)->On("/dir/page.html",
                testing::ScriptedReply::Full(200, std::string(kPage),
                                             {{"Content-Type", "text/html; charset=utf-8"}}));
  (*server)->On("/moved", testing::ScriptedReply::Redirect("/dir/page.html"));
  return std::move(server).value();
}

TEST_F(CliTest, WebExtractFetchesAUrl) {
  auto server = ServePage();
  ASSERT_NE(server, nullptr);
  RunResult r = Run({"web", "extract", server->Url("/moved"), "--allow-address", "127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Extraction test page\n\nThe first paragraph", 0), 0u) << r.out;
  // Links resolve against the final URL, after the redirect.
  EXPECT_TRUE(Contains(r.out, "[1] " + server->Url("/dir/notes.html"))) << r.out;
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST_F(CliTest, WebExtractAllowAddressFromConfig) {
  auto server = ServePage();
  ASSERT_NE(server, nullptr);
  RunResult r = Run({"web", "extract", server->Url("/dir/page.html"), "--json"},
                    {{"SEXTANT_WEB_ALLOW_ADDRESSES", "10.0.0.0/8, 127.0.0.1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ((*json)["title"], "Extraction test page");
}

TEST_F(CliTest, WebExtractRefusesLoopbackWithoutAllowAddress) {
  auto server = ServePage();
  ASSERT_NE(server, nullptr);
  RunResult r = Run({"web", "extract", server->Url("/dir/page.html")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "permission_denied")) << r.err;
  EXPECT_TRUE(Contains(r.err, "127.0.0.1 refused: loopback")) << r.err;
  EXPECT_EQ(server->requests().size(), 0u);
}

TEST_F(CliTest, WebExtractFetchErrors) {
  auto server = ServePage();
  ASSERT_NE(server, nullptr);
  RunResult missing =
      Run({"web", "extract", server->Url("/absent"), "--allow-address", "127.0.0.1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "HTTP 404")) << missing.err;
  RunResult bad = Run({"web", "extract", server->Url("/dir/page.html"), "--allow-address", "x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "'x'")) << bad.err;
  RunResult malformed = Run({"web", "extract", "http://"});
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_TRUE(Contains(malformed.err, "invalid URL")) << malformed.err;
}

TEST_F(CliTest, WebExtractErrors) {
  RunResult missing = Run({"web", "extract", Path("absent.html").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "cannot read")) << missing.err;
}

}  // namespace
}  // namespace sextant
