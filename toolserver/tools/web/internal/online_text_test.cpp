// The text helpers of the online search backends: query encoding, HTML
// snippets, and the rate-limit headers, including malformed values.
#include "toolserver/tools/web/internal/online_text.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace sextant::toolserver::web::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// 1994-11-06 08:49:37 UTC, the date of RFC 9110's examples.
system_clock::time_point ExampleDate() { return system_clock::time_point(seconds(784111777)); }

TEST(OnlineTextTest, PercentEncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b&c=d/e?f#g+h%"), "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25");
  EXPECT_EQ(PercentEncode("café"), "caf%C3%A9");
  EXPECT_EQ(PercentEncode(std::string("\0\n", 2)), "%00%0A");
  EXPECT_EQ(EncodeQuery({{"q", "x y"}, {"format", "json"}, {"a b", ""}}),
            "q=x%20y&format=json&a%20b=");
  EXPECT_EQ(EncodeQuery({}), "");
}

TEST(OnlineTextTest, CollapsesWhitespace) {
  EXPECT_EQ(CollapseBlanks("  a \n\t b\r\n"), "a b");
  EXPECT_EQ(CollapseBlanks("a\x01"
                           "b"),
            "a b");
  EXPECT_EQ(CollapseBlanks(" \n "), "");
  EXPECT_EQ(CollapseBlanks("ünï cödé"), "ünï cödé");
}

TEST(OnlineTextTest, HtmlFragmentsBecomeText) {
  EXPECT_EQ(HtmlFragmentToText("The <strong>borrow</strong> <strong>checker</strong>"),
            "The borrow checker");
  EXPECT_EQ(HtmlFragmentToText("<strong>Rust</strong>acean"), "Rustacean");
  EXPECT_EQ(HtmlFragmentToText("line<br>break<p>para</p>"), "line break para");
  EXPECT_EQ(HtmlFragmentToText("a &amp; b &lt;c&gt; &quot;d&quot; &#x27;e&#39; &hellip;"),
            "a & b <c> \"d\" 'e' …");
  EXPECT_EQ(HtmlFragmentToText("x&nbsp;y &#8212; &#x1F600;"), "x y — 😀");
  EXPECT_EQ(HtmlFragmentToText("<!-- note -->kept"), "kept");
}

TEST(OnlineTextTest, HtmlReaderKeepsWhatIsNotMarkup) {
  EXPECT_EQ(HtmlFragmentToText("a < b and c > d"), "a < b and c > d");
  EXPECT_EQ(HtmlFragmentToText("1<2"), "1<2");
  EXPECT_EQ(HtmlFragmentToText("open <tag never closed"), "open <tag never closed");
  EXPECT_EQ(HtmlFragmentToText("&unknown; &amp &#xZZ; &#; &"), "&unknown; &amp &#xZZ; &#; &");
  EXPECT_EQ(HtmlFragmentToText("&#0; &#xD800; &#99999999999;"),
            "\xEF\xBF\xBD \xEF\xBF\xBD &#99999999999;");
  EXPECT_EQ(HtmlFragmentToText(""), "");
}

TEST(OnlineTextTest, ShortTextCutsAtACharacterBoundary) {
  EXPECT_EQ(ShortText("short", 10), "short");
  EXPECT_EQ(ShortText("abcdefghij", 4), "abcd...");
  EXPECT_EQ(ShortText("ééé", 3), "é...");  // é is two bytes
  EXPECT_EQ(ShortText(" a\n\nb ", 10), "a b");
}

TEST(OnlineTextTest, RetryAfterSeconds) {
  const auto now = system_clock::now();
  EXPECT_EQ(ParseRetryAfter("120", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), ParseRetryAfter("999999999999", now));
  EXPECT_GT(*ParseRetryAfter("99999999999999999999999", now), milliseconds(0));
}

TEST(OnlineTextTest, RetryAfterHttpDate) {
  const auto now = ExampleDate();
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:51:37 GMT", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter("Mon, 07 Nov 1994 08:49:37 GMT", now), milliseconds(86'400'000));
  EXPECT_EQ(ParseRetryAfter("Sat, 05 Nov 1994 08:49:37 GMT", now), milliseconds(0));  // past
  EXPECT_EQ(ParseRetryAfter("Thu, 29 Feb 1996 00:00:00 GMT", now).has_value(), true);
}

TEST(OnlineTextTest, RetryAfterRejectsOtherText) {
  const auto now = ExampleDate();
  for (const char* bad : {"", "soon", "-5", "1.5", "12abc", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                          "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 GMT junk"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, now).has_value()) << bad;
  }
}

TEST(OnlineTextTest, RateLimitResetPicksTheExhaustedWindow) {
  EXPECT_EQ(ParseRateLimitReset("1, 1419704", "0, 1000"), milliseconds(1000));
  EXPECT_EQ(ParseRateLimitReset("1, 1419704", "1, 0"), milliseconds(1'419'704'000));
  EXPECT_EQ(ParseRateLimitReset("1, 1419704", "0, 0"), milliseconds(1'419'704'000));
  // Nothing exhausted, or no usable Remaining: the shortest reset.
  EXPECT_EQ(ParseRateLimitReset("1, 1419704", "3, 1000"), milliseconds(1000));
  EXPECT_EQ(ParseRateLimitReset("7, 2", ""), milliseconds(2000));
  EXPECT_EQ(ParseRateLimitReset("7, 2", "0"), milliseconds(2000));  // lengths differ
  EXPECT_EQ(ParseRateLimitReset("5", "x, y"), milliseconds(5000));
}

TEST(OnlineTextTest, RateLimitResetRejectsOtherText) {
  for (const char* bad : {"", "soon", "1,", ",1", "1;2", "-1", "1, x"}) {
    EXPECT_FALSE(ParseRateLimitReset(bad, "0").has_value()) << bad;
  }
}

TEST(OnlineTextTest, FormatsWaits) {
  EXPECT_EQ(FormatWait(milliseconds(0)), "0 ms");
  EXPECT_EQ(FormatWait(milliseconds(850)), "850 ms");
  EXPECT_EQ(FormatWait(milliseconds(1000)), "1 s");
  EXPECT_EQ(FormatWait(milliseconds(1001)), "2 s");
  EXPECT_EQ(FormatWait(milliseconds(120'000)), "120 s");
}

}  // namespace
}  // namespace sextant::toolserver::web::internal
