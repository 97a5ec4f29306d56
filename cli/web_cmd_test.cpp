// Runs `sextant web extract` as a subprocess on real HTML files.
#include <string>

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "common/json.h"
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

TEST_F(CliTest, WebExtractErrors) {
  RunResult url = Run({"web", "extract", "https://example.com/"});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_TRUE(Contains(url.err, "URLs comes later")) << url.err;
  RunResult missing = Run({"web", "extract", Path("absent.html").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "cannot read")) << missing.err;
}

}  // namespace
}  // namespace sextant
