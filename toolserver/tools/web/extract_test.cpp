// ExtractPage on small hand-written pages: content selection, rendering of
// headings, lists, tables, code and links, metadata and URL resolution.
#include "toolserver/tools/web/extract.h"

#include <string>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::testing::Contains;

constexpr std::string_view kLorem =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua, ut enim ad minim veniam, quis nostrud. ";

std::string Paragraphs(int n, std::string_view tag = "p") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += "<" + std::string(tag) + ">Paragraph " + std::to_string(i) + ". " + std::string(kLorem) +
           "</" + std::string(tag) + ">\n";
  }
  return out;
}

std::string Page(std::string_view head, std::string_view body) {
  return "<!DOCTYPE html><html lang=\"en\"><head>" + std::string(head) + "</head><body>" +
         std::string(body) + "</body></html>";
}

ExtractedPage Extract(const std::string& html, const ExtractOptions& options = {}) {
  auto page = ExtractPage(html, options);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? *page : ExtractedPage{};
}

TEST(ExtractTest, KeepsArticleAndDropsNavigationScriptsAndSidebars) {
  const std::string html = Page(
      "<title>A test article about extraction | Example Site</title><style>p{color:red}</style>",
      "<nav><a href=\"/\">Home</a> <a href=\"/about\">About us</a></nav>"
      "<div class=\"sidebar\">SIDEBAR-TEXT related links</div>"
      "<script>var SCRIPT_TEXT = 1;</script>"
      "<article><h2>Section heading</h2>" +
          Paragraphs(6) +
          "</article><div class=\"comments\">COMMENT-TEXT, great post, thanks</div>"
          "<footer>FOOTER-TEXT copyright</footer>");
  const ExtractedPage page = Extract(html);
  EXPECT_TRUE(Contains(page.text, "Paragraph 0. Lorem ipsum")) << page.text;
  EXPECT_TRUE(Contains(page.text, "Paragraph 5.")) << page.text;
  EXPECT_TRUE(Contains(page.text, "## Section heading")) << page.text;
  for (const char* junk :
       {"SIDEBAR-TEXT", "SCRIPT_TEXT", "COMMENT-TEXT", "FOOTER-TEXT", "About us", "color:red"}) {
    EXPECT_FALSE(Contains(page.text, junk)) << junk << " in:\n" << page.text;
  }
  EXPECT_EQ(page.title, "A test article about extraction");
  EXPECT_EQ(page.lang, "en");
}

TEST(ExtractTest, DropsHiddenNodes) {
  const std::string html = Page(
      "", "<article>" + Paragraphs(5) +
              "<p hidden>HIDDEN-ATTR text that is long enough to count as a paragraph.</p>"
              "<p style=\"display: none\">DISPLAY-NONE text long enough to be a paragraph.</p>"
              "<p aria-hidden=\"true\">ARIA-HIDDEN text long enough to be a paragraph.</p>"
              "<p style=\"visibility:hidden\">VISIBILITY text long enough to be a paragraph.</p>"
              "</article>");
  const ExtractedPage page = Extract(html);
  EXPECT_TRUE(Contains(page.text, "Paragraph 4.")) << page.text;
  for (const char* hidden : {"HIDDEN-ATTR", "DISPLAY-NONE", "ARIA-HIDDEN", "VISIBILITY"}) {
    EXPECT_FALSE(Contains(page.text, hidden)) << hidden;
  }
}

TEST(ExtractTest, RendersParagraphsListsTablesAndCode) {
  const std::string html =
      Page("", "<article>" + Paragraphs(4) +
                   "<ul><li>first item</li><li>second item</li></ul>"
                   "<ol><li>step one</li><li>step two</li></ol>"
                   "<table summary=\"data\"><tr><th>Name</th><th>Value</th></tr>"
                   "<tr><td>alpha</td><td>1</td></tr></table>"
                   "<pre><code>int main() {\n  return  0;\n}</code></pre>" +
                   Paragraphs(2) + "</article>");
  const ExtractedPage page = Extract(html);
  EXPECT_TRUE(Contains(page.text, "- first item\n- second item")) << page.text;
  EXPECT_TRUE(Contains(page.text, "1. step one\n2. step two")) << page.text;
  EXPECT_TRUE(Contains(page.text, "Name | Value\nalpha | 1")) << page.text;
  EXPECT_TRUE(Contains(page.text, "int main() {\n  return  0;\n}")) << page.text;
  EXPECT_TRUE(Contains(page.text, "veniam, quis nostrud.\n\nParagraph 1.")) << page.text;
}

TEST(ExtractTest, NumbersLinksAndResolvesThemAgainstBaseUrl) {
  const std::string html = Page("",
                                "<article><p>See <a href=\"../docs/intro.html\">the  intro</a> and "
                                "<a href=\"https://example.org/x\">an absolute link</a> and "
                                "<a href=\"javascript:void(0)\">no link</a>, " +
                                    std::string(kLorem) + "</p>" + Paragraphs(4) + "</article>");
  ExtractOptions options;
  options.base_url = "https://site.test/a/b/page.html";
  const ExtractedPage page = Extract(html, options);
  ASSERT_EQ(page.links.size(), 2u) << page.text;
  EXPECT_EQ(page.links[0].n, 1);
  EXPECT_EQ(page.links[0].url, "https://site.test/a/docs/intro.html");
  EXPECT_EQ(page.links[0].text, "the intro");
  EXPECT_EQ(page.links[1].url, "https://example.org/x");
  EXPECT_TRUE(Contains(page.text, "See [1] the intro and [2] an absolute link and no link"))
      << page.text;

  options.number_links = false;
  const ExtractedPage plain = Extract(html, options);
  EXPECT_TRUE(Contains(plain.text, "See the intro and an absolute link")) << plain.text;
  EXPECT_EQ(plain.links.size(), 2u);
}

TEST(ExtractTest, BaseElementOverridesDocumentUrl) {
  const std::string html = Page("<base href=\"/root/\">",
                                "<article><p><a href=\"x.html\">link</a> " + std::string(kLorem) +
                                    "</p>" + Paragraphs(4) + "</article>");
  ExtractOptions options;
  options.base_url = "http://host.test/dir/page.html";
  const ExtractedPage page = Extract(html, options);
  ASSERT_FALSE(page.links.empty());
  EXPECT_EQ(page.links[0].url, "http://host.test/root/x.html");
}

TEST(ExtractTest, ReadsMetadata) {
  const std::string html =
      "<html lang=\"fr\"><head><title>Ignored title - Site</title>"
      "<meta property=\"og:title\" content=\"The OG title\">"
      "<meta property=\"og:site_name\" content=\"Example News\">"
      "<meta name=\"description\" content=\"A short description.\">"
      "<meta name=\"author\" content=\"Jane Doe\"></head><body><article>" +
      Paragraphs(5) + "</article></body></html>";
  const ExtractedPage page = Extract(html);
  EXPECT_EQ(page.title, "The OG title");
  EXPECT_EQ(page.site_name, "Example News");
  EXPECT_EQ(page.excerpt, "A short description.");
  EXPECT_EQ(page.byline, "Jane Doe");
  EXPECT_EQ(page.lang, "fr");
}

TEST(ExtractTest, FallsBackToBylineNodeAndFirstParagraph) {
  const std::string html =
      Page("<title>Plain title of the page</title>",
           "<article><p class=\"byline\">By John Smith</p>" + Paragraphs(5) + "</article>");
  const ExtractedPage page = Extract(html);
  EXPECT_EQ(page.byline, "By John Smith");
  EXPECT_FALSE(Contains(page.text, "John Smith")) << page.text;
  EXPECT_TRUE(Contains(page.excerpt, "Paragraph 0.")) << page.excerpt;
  EXPECT_EQ(page.title, "Plain title of the page");
}

TEST(ExtractTest, CleansTitleSuffixes) {
  auto title = [](const std::string& t) {
    return Extract(Page("<title>" + t + "</title>", "<p>x</p>")).title;
  };
  EXPECT_EQ(title("Big news about the thing | The Daily Site"), "Big news about the thing");
  EXPECT_EQ(title("Big news about the thing - The Daily Site"), "Big news about the thing");
  EXPECT_EQ(title("Short | Site"), "Short | Site");
}

TEST(ExtractTest, JsonHasEveryField) {
  const std::string html = Page("<title>Title here and there</title>",
                                "<article><p><a href=\"http://a.test/\">A link</a>. " +
                                    std::string(kLorem) + "</p>" + Paragraphs(3) + "</article>");
  const Json json = ExtractedPageToJson(Extract(html));
  for (const char* key : {"title", "byline", "lang", "excerpt", "site_name", "text", "links"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  ASSERT_EQ(json["links"].size(), 1u);
  EXPECT_EQ(json["links"][0]["n"], 1);
  EXPECT_EQ(json["links"][0]["url"], "http://a.test/");
  EXPECT_EQ(json["links"][0]["text"], "A link");
}

TEST(ExtractTest, ResolvesUrls) {
  const std::string base = "http://a/b/c/d;p?q";
  EXPECT_EQ(ResolveUrl(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(ResolveUrl(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(ResolveUrl(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(ResolveUrl(base, "/g"), "http://a/g");
  EXPECT_EQ(ResolveUrl(base, "//g"), "http://g");
  EXPECT_EQ(ResolveUrl(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(ResolveUrl(base, "g?y#s"), "http://a/b/c/g?y#s");
  EXPECT_EQ(ResolveUrl(base, "#s"), "http://a/b/c/d;p?q#s");
  EXPECT_EQ(ResolveUrl(base, "../g"), "http://a/b/g");
  EXPECT_EQ(ResolveUrl(base, "../.."), "http://a/");
  EXPECT_EQ(ResolveUrl(base, "../../../g"), "http://a/g");
  EXPECT_EQ(ResolveUrl(base, "https://x.test/y"), "https://x.test/y");
  EXPECT_EQ(ResolveUrl("not a url", "g"), "g");
  EXPECT_EQ(ResolveUrl("http://h.test", "g"), "http://h.test/g");
}

}  // namespace
}  // namespace sextant::toolserver::web
