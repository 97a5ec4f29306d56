// The browser's text helpers: quote matching (internal/quote_match.h), the
// viewport and find (internal/viewport.h), merging and citing quotes
// (internal/quote_list.h). Real page text comes from readability's test
// pages through ExtractPage.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/internal/quote_list.h"
#include "toolserver/tools/web/internal/quote_match.h"
#include "toolserver/tools/web/internal/viewport.h"

namespace sextant::toolserver::web::internal {
namespace {

using sextant::testing::Contains;

std::string Span(std::string_view page, const QuoteMatch& m) {
  return std::string(page.substr(m.begin, m.end - m.begin));
}

std::string WikipediaText() {
  auto root = sextant::testing::TestDataRoot();
  if (!root) return "";
  const auto path = *root / "html/readability/test-pages/wikipedia/source.html";
  if (!std::filesystem::exists(path)) return "";
  auto page = ExtractPage(sextant::testing::ReadFile(path));
  return page.ok() ? page->text : "";
}

TEST(NormalizeForQuoteTest, FoldsCasePunctuationAndSpaceAndMapsBack) {
  const std::string source = "  Hello,\u00a0 World! \u201cQuoted\u201d\n";
  const NormalizedText n = NormalizeForQuote(source);
  EXPECT_EQ(n.text, "hello world quoted");
  ASSERT_EQ(n.text.size(), n.source_begin.size());
  ASSERT_EQ(n.text.size(), n.source_end.size());
  EXPECT_EQ(source.substr(n.source_begin[0], 1), "H");
  const std::size_t q = n.text.find('q');
  EXPECT_EQ(source.substr(n.source_begin[q], n.source_end[q] - n.source_begin[q]), "Q");
}

TEST(NormalizeForQuoteTest, IgnoresLinkMarkers) {
  EXPECT_EQ(NormalizeForQuote("by the [12] Mozilla Foundation [3]").text,
            "by the mozilla foundation");
  EXPECT_EQ(NormalizeForQuote("a[b] [] [1x]").text, "a b 1x");
}

TEST(FindQuoteTest, ExactUpToCaseWhitespaceAndPunctuation) {
  const std::string page = "Intro.\n\nThe Quick  brown\nfox \u2014 jumps over it. The end.";
  // Closing punctuation after the match is taken in.
  auto m = FindQuote(page, "the quick brown fox - jumps over it");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->similarity, 1.0);
  EXPECT_EQ(Span(page, *m), "The Quick  brown\nfox \u2014 jumps over it.");
  // Other punctuation only where the quote has some at that edge.
  m = FindQuote("He said: \u201cgo, now\u201d, then left.", "go, now");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->similarity, 1.0);
  EXPECT_EQ(Span("He said: \u201cgo, now\u201d, then left.", *m), "go, now\u201d");
  m = FindQuote("He said: \u201cgo, now\u201d, then left.", "\"go, now\",");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(Span("He said: \u201cgo, now\u201d, then left.", *m), "\u201cgo, now\u201d,");
}

TEST(FindQuoteTest, PrefersWholeWordsAndThePlaceAsked) {
  const std::string page = "concatenate the cat. A cat sat.";
  auto m = FindQuote(page, "cat");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->begin, page.find("cat."));
  m = FindQuote(page, "cat", page.find("A cat"));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->begin, page.find("cat sat"));
  // Inside a word only: widened to the word, far from similar.
  m = FindQuote("concatenation", "cat");
  ASSERT_TRUE(m.has_value());
  EXPECT_LT(m->similarity, 0.5);
}

TEST(FindQuoteTest, RealPageTypoAndMissingWordStillMatch) {
  const std::string page = WikipediaText();
  if (page.empty()) GTEST_SKIP() << "readability test pages not found";
  const std::string sentence =
      "The Mozilla community uses, develops, spreads and supports Mozilla products, thereby "
      "promoting exclusively free software and open standards, with only minor exceptions.";
  ASSERT_TRUE(Contains(page, sentence));
  auto exact = FindQuote(page,
                         "the mozilla community USES develops spreads and supports Mozilla "
                         "products thereby promoting exclusively free-software and open standards "
                         "with only minor exceptions");
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->similarity, 1.0);
  EXPECT_EQ(Span(page, *exact), sentence);

  auto typo = FindQuote(page,
                        "The Mozilla comunity uses, develops, spreads and supports Mozilla "
                        "products, thereby promotng exclusively free software and open standards, "
                        "with only minor exceptions.");
  ASSERT_TRUE(typo.has_value());
  EXPECT_GE(typo->similarity, 0.95);
  EXPECT_LT(typo->similarity, 1.0);
  EXPECT_EQ(Span(page, *typo), sentence);

  auto missing = FindQuote(page,
                           "The Mozilla community uses, develops and supports Mozilla products, "
                           "promoting exclusively free software and open standards, with only "
                           "minor exceptions.");
  ASSERT_TRUE(missing.has_value());
  EXPECT_GE(missing->similarity, 0.8);
  EXPECT_LT(missing->similarity, 1.0);
  EXPECT_EQ(Span(page, *missing), sentence);

  // The page's link markers are not the model's to type.
  auto linked = FindQuote(page,
                          "Mozilla is a free-software community, created in 1998 by "
                          "members of Netscape.");
  ASSERT_TRUE(linked.has_value());
  EXPECT_EQ(linked->similarity, 1.0);
  const std::string span = Span(page, *linked);
  EXPECT_EQ(span.rfind("Mozilla is a [", 0), 0u) << span;
  EXPECT_TRUE(Contains(span, "] Netscape.")) << span;
}

TEST(FindQuoteTest, InventedSentenceScoresLow) {
  const std::string page = WikipediaText();
  if (page.empty()) GTEST_SKIP() << "readability test pages not found";
  auto m = FindQuote(page, "Mozilla was founded on the Moon in 1969 by a team of astronauts.");
  ASSERT_TRUE(m.has_value());
  EXPECT_LT(m->similarity, 0.8);
  auto other = FindQuote(page, "Bananas are an excellent source of potassium and fibre.");
  if (other) {
    EXPECT_LT(other->similarity, 0.6);
  }
}

TEST(FindQuoteTest, MalformedAndDegenerateInput) {
  EXPECT_FALSE(FindQuote("some page text", "").has_value());
  EXPECT_FALSE(FindQuote("some page text", " ,.;!? \u2014 ").has_value());
  EXPECT_FALSE(FindQuote("", "text").has_value());
  EXPECT_FALSE(FindQuote("abcdef", "xyz").has_value());
  // Invalid UTF-8 on either side is matched byte-wise, never read past.
  const std::string bad = "caf\xc3 ok \xff\xfe end \xe2\x82";
  auto m = FindQuote(bad, "ok \xff\xfe end");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->similarity, 1.0);
  EXPECT_LE(m->end, bad.size());
  // A quote longer than the page.
  m = FindQuote("short page", "short page with many more words than the page has");
  ASSERT_TRUE(m.has_value());
  EXPECT_LT(m->similarity, 0.5);
  EXPECT_LE(m->end, std::string("short page").size());
}

TEST(ViewportTest, CountsAndStepsOverCharacters) {
  const std::string s = "a\u00e9\u4e2d\U0001F600b";
  EXPECT_EQ(CountChars(s), 5u);
  EXPECT_EQ(AdvanceChars(s, 0, 2), 3u);
  EXPECT_EQ(AdvanceChars(s, 0, 99), s.size());
  EXPECT_EQ(RetreatChars(s, s.size(), 2), 6u);
  EXPECT_EQ(RetreatChars(s, 3, 99), 0u);
  EXPECT_EQ(CutAtChar(s, 5), 3u);  // not inside the 3-byte character
  EXPECT_EQ(CutAtChar(s, 100), s.size());
}

TEST(ViewportTest, BoundsBreakAtLinesThenSpaces) {
  const std::string text = "first line here\nsecond line here\nthird";
  // 20 characters from 0 end after the first line break (in the second half).
  EXPECT_EQ(ViewportEnd(text, 0, 20), text.find("second"));
  // No line break in the second half: after a space.
  EXPECT_EQ(ViewportEnd("aaaa bbbb cccc dddd eeee", 0, 12), 10u);
  // No break at all: exactly the characters.
  EXPECT_EQ(ViewportEnd("abcdefghijklmnop", 0, 6), 6u);
  EXPECT_EQ(ViewportEnd(text, 0, 1000), text.size());
  EXPECT_EQ(ViewportStart(text, text.size(), 22), text.find("second"));
  EXPECT_EQ(ViewportStart(text, 10, 1000), 0u);
  EXPECT_EQ(StartShowing(text, text.find("here\nthird"), 45), text.find("second"));
  // The line start is too far back: just after a space instead.
  EXPECT_EQ(StartShowing(text, text.find("here\nthird"), 30), text.find("line here\nthird"));
}

TEST(ViewportTest, FindIgnoresCaseAndWhitespaceAndWraps) {
  const std::string text = "Alpha beta\n\nGAMMA alpha   Beta. alpha beta";
  auto f = FindText(text, "ALPHA BETA", 0);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->begin, 0u);
  EXPECT_EQ(f->count, 3u);
  EXPECT_EQ(f->occurrence, 1u);
  f = FindText(text, "alpha beta", 1);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(text.substr(f->begin, f->end - f->begin), "alpha   Beta");
  EXPECT_EQ(f->occurrence, 2u);
  f = FindText(text, "alpha beta", text.size() - 3);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->wrapped);
  EXPECT_EQ(f->begin, 0u);
  EXPECT_EQ(FindText(text, "beta gamma", 0)->begin, text.find("beta"));
  EXPECT_FALSE(FindText(text, "delta", 0).has_value());
  EXPECT_FALSE(FindText(text, " \n ", 0).has_value());
}

Quote MakeQuote(std::string_view page, std::string_view part, std::string url = "u") {
  Quote q;
  q.begin = page.find(part);
  q.end = q.begin + part.size();
  q.text = std::string(part);
  q.url = std::move(url);
  q.title = "T";
  q.page_hash = 7;
  for (std::size_t i = q.end; i < page.size() && page[i] == ' '; ++i) q.space_after += ' ';
  return q;
}

TEST(QuoteListTest, MergesOverlappingAndAdjoiningQuotesOfOnePage) {
  const std::string page = "One two three. Four five six. Seven eight.";
  std::vector<Quote> quotes = {
      MakeQuote(page, "Four five six."),  MakeQuote(page, "Other page.", "v"),
      MakeQuote(page, "One two three."),   // adjoins "Four": one space apart
      MakeQuote(page, "five six. Seven"),  // overlaps
      MakeQuote(page, "two three"),        // inside
  };
  quotes[1].begin = 0;
  quotes[1].end = 11;
  MergeQuotes(quotes);
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[0].text, "One two three. Four five six. Seven");
  EXPECT_EQ(quotes[0].begin, 0u);
  EXPECT_EQ(quotes[0].end, page.find(" eight"));
  EXPECT_EQ(quotes[1].url, "v");
}

TEST(QuoteListTest, KeepsDistantQuotesAndOtherPageVersionsApart) {
  const std::string page = "Alpha beta. Gamma delta. Epsilon.";
  Quote a = MakeQuote(page, "Alpha beta.");
  Quote c = MakeQuote(page, "Epsilon.");
  Quote b = MakeQuote(page, "Gamma delta.");
  b.page_hash = 8;  // the same URL, fetched again with other text
  std::vector<Quote> quotes = {a, c, b, a};
  MergeQuotes(quotes);
  ASSERT_EQ(quotes.size(), 3u);  // the repeated quote went
  EXPECT_EQ(quotes[0].text, "Alpha beta.");
  EXPECT_EQ(quotes[1].text, "Epsilon.");
  EXPECT_EQ(quotes[2].text, "Gamma delta.");
}

TEST(QuoteListTest, CitesSourcesInOrderOfFirstUse) {
  std::vector<Quote> quotes = {MakeQuote("x", "x", "http://a/"), MakeQuote("y", "y", "http://b/"),
                               MakeQuote("z", "z", "http://a/")};
  quotes[1].title = "B page";
  const Citations c = CiteQuotes(quotes);
  EXPECT_TRUE(Contains(c.text, "1. \"x\" [1]\n2. \"y\" [2]\n3. \"z\" [1]\n"));
  EXPECT_TRUE(Contains(c.text, "Sources:\n[1] http://a/ \u2014 T\n[2] http://b/ \u2014 B page\n"));
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.quotes[2]["source"], 1);
}

}  // namespace
}  // namespace sextant::toolserver::web::internal
