// ExtractPage on malformed, hostile and oversized input: it must return
// (never crash or recurse without bound) and honour its limits.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/internal/dom.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::testing::Contains;

constexpr int kDeepNesting = 100000;
constexpr int kWideSiblings = 50000;

std::string Repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(ExtractMalformedTest, RejectsInputOverMaxBytes) {
  ExtractOptions options;
  options.max_bytes = 100;
  auto page = ExtractPage(std::string(101, 'x'), options);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(page.status().message(), "100")) << page.status().message();
  EXPECT_TRUE(ExtractPage(std::string(100, 'x'), options).ok());
}

TEST(ExtractMalformedTest, RejectsNonPositiveDepth) {
  ExtractOptions options;
  options.max_depth = 0;
  EXPECT_EQ(ExtractPage("<p>x</p>", options).status().code(), StatusCode::kInvalidArgument);
}

TEST(ExtractMalformedTest, EmptyAndTextOnlyInput) {
  auto empty = ExtractPage("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->text, "");
  auto text = ExtractPage("just some text, no tags at all");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->text, "just some text, no tags at all");
}

TEST(ExtractMalformedTest, SurvivesDeepNestingAndKeepsText) {
  const std::string html = "<html><body>" + Repeat("<div>", kDeepNesting) +
                           "<p>DEEP TEXT at the bottom of the nesting.</p>" +
                           Repeat("</div>", kDeepNesting) + "</body></html>";
  auto page = ExtractPage(html);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(Contains(page->text, "DEEP TEXT")) << page->text.substr(0, 200);
}

TEST(ExtractMalformedTest, UnclosedDeepNestingAndFormattingElements) {
  auto unclosed = ExtractPage(Repeat("<span><i>", kDeepNesting) + "END");
  ASSERT_TRUE(unclosed.ok());
  EXPECT_TRUE(Contains(unclosed->text, "END"));
  // Distinct attributes defeat the HTML parser's cap on repeated formatting
  // elements; they must not pile up.
  std::string formatting;
  for (int i = 0; i < kWideSiblings; ++i) {
    formatting += "<p><b id=\"b" + std::to_string(i) + "\">x</p>";
  }
  EXPECT_TRUE(ExtractPage(formatting).ok());
}

TEST(ExtractMalformedTest, DepthLimitIsConfigurable) {
  const std::string html = Repeat("<div>", 50) + "<p>inner</p>" + Repeat("</div>", 50);
  const internal::Document shallow(html, 10);
  int max_depth = 0;
  std::vector<std::pair<internal::Node*, int>> stack = {{shallow.root(), 0}};
  while (!stack.empty()) {
    auto [n, d] = stack.back();
    stack.pop_back();
    max_depth = std::max(max_depth, d);
    for (auto* c : n->children) stack.emplace_back(c, d + 1);
  }
  // html, body and a few parser-implied elements sit above the limit's count.
  EXPECT_LE(max_depth, 10 + 4);
  EXPECT_GE(max_depth, 10);
  const internal::Document deep(html, 100);
  EXPECT_EQ(internal::InnerText(deep.root()), "inner");
}

TEST(ExtractMalformedTest, SurvivesWidePages) {
  const std::string html =
      "<html><body><div>" +
      Repeat("<div class=\"x\"><p>Some words, here.</p></div><a href=\"#\">l</a>", kWideSiblings) +
      "</div></body></html>";
  auto page = ExtractPage(html);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(Contains(page->text, "Some words, here."));
}

TEST(ExtractMalformedTest, SurvivesTruncatedAndBrokenMarkup) {
  const char* cases[] = {
      "<html><body><p>cut off <a href=\"x",
      "<p>unterminated <!-- comment",
      "<div><table><tr><td>cell<td>cell2</div></p></table>text",
      "<<<>>><p <p <p>>>",
      "</div></div></p>stray end tags",
      "<script>never closed",
      "<svg><foreignObject><p>in svg</p></svg>",
      "<p title='unclosed quote>text",
      "<ul><li>a<li>b<ol><li>c</ul>",
      "<table><tr><td><table><tr><td>nested</table>",
  };
  for (const char* html : cases) {
    auto page = ExtractPage(html);
    EXPECT_TRUE(page.ok()) << html;
  }
}

TEST(ExtractMalformedTest, SurvivesBinaryGarbage) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 20; ++round) {
    std::string garbage(1 << 14, '\0');
    for (char& c : garbage) c = static_cast<char>(byte(rng));
    if (round % 2 == 0) {
      // Sprinkle markup so the parser builds trees around the noise.
      for (std::size_t i = 0; i + 5 < garbage.size(); i += 97) garbage.replace(i, 5, "<div>");
    }
    auto page = ExtractPage(garbage);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(ExtractedPageToJson(*page).is_object());
  }
}

}  // namespace
}  // namespace sextant::toolserver::web
