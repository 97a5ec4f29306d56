// Charset detection and decoding on real encoded text (made with iconv from
// known UTF-8), odd labels, mislabelled bodies and malformed bytes.
#include "toolserver/tools/web/charset.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "toolserver/tools/web/charset_test_util.h"
#include "toolserver/tools/web/internal/charset_sniff.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::toolserver::web::testing::Encode;

constexpr std::string_view kFrench =
    "Voilà un café très agréable où l'on déjeune à côté d'une forêt; « ça coûte 5 € », "
    "dit-il — même le garçon était ému.";
constexpr std::string_view kGerman =
    "Größere Übungen für Bären: Straße, Fußgänger, Mädchen und Öl schön gemäß.";
constexpr std::string_view kChinese =
    "中文网页的编码检测：这是一段简体中文文字，用来测试字符集的识别与转换是否正确。";
constexpr std::string_view kJapanese =
    "日本語のテキストです。ひらがなとカタカナ、そして漢字を含む文章で文字コードを判定します。";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string Html(std::string_view head, std::string_view body) {
  return "<!DOCTYPE html><html><head>" + std::string(head) + "<title>t</title></head><body><p>" +
         std::string(body) + "</p></body></html>";
}

TEST(CharsetTest, CanonicalNamesForLabelsAndAliases) {
  EXPECT_EQ(CanonicalCharset("utf-8"), "utf-8");
  EXPECT_EQ(CanonicalCharset("UTF8"), "utf-8");
  EXPECT_EQ(CanonicalCharset("  'GBK' "), "gb18030");
  EXPECT_EQ(CanonicalCharset("\"gb2312\""), "gb18030");
  EXPECT_EQ(CanonicalCharset("x-gbk"), "gb18030");
  EXPECT_EQ(CanonicalCharset("GB18030"), "gb18030");
  EXPECT_EQ(CanonicalCharset("Shift-JIS"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("SJIS"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("x-sjis"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("ms932"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("Windows-31J"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("latin1"), "windows-1252");
  EXPECT_EQ(CanonicalCharset("ISO-8859-1"), "windows-1252");
  EXPECT_EQ(CanonicalCharset("US-ASCII"), "windows-1252");
  EXPECT_EQ(CanonicalCharset("\tcp1252\n"), "windows-1252");
  EXPECT_EQ(CanonicalCharset("EUC-KR"), "euc-kr");
  EXPECT_EQ(CanonicalCharset("utf-16"), "utf-16le");
  EXPECT_EQ(CanonicalCharset("KOI8-R"), "koi8-r");  // known to iconv only
}

TEST(CharsetTest, UnsupportedLabels) {
  for (const char* label :
       {"", "   ", "\"\"", "no-such-charset", "iso-2022-kr", "hz-gb-2312", "replacement",
        "utf-8//IGNORE", "UTF-8//TRANSLIT", "utf 8", "utf-8;", "x", "\"utf-8"}) {
    EXPECT_EQ(CanonicalCharset(label), "") << "'" << label << "'";
  }
  EXPECT_EQ(CanonicalCharset(std::string(100, 'a')), "");
}

TEST(CharsetTest, CharsetParameterOfContentType) {
  EXPECT_EQ(CharsetParameter("text/html; charset=UTF-8"), "UTF-8");
  EXPECT_EQ(CharsetParameter("text/html;charset=\"gbk\""), "gbk");
  EXPECT_EQ(CharsetParameter("text/html; Charset = shift_jis ; q=1"), "shift_jis");
  EXPECT_EQ(CharsetParameter("text/html; foo=\"a;charset=x\"; charset=utf-8"), "utf-8");
  EXPECT_EQ(CharsetParameter("text/html; charset=\"a\\\"b\""), "a\"b");
  EXPECT_EQ(CharsetParameter("text/html"), "");
  EXPECT_EQ(CharsetParameter(""), "");
  EXPECT_EQ(CharsetParameter("text/html; charset"), "");
  EXPECT_EQ(CharsetParameter("text/html; charset=\"unterminated"), "unterminated");
  EXPECT_EQ(CharsetParameter("text/html; charset="), "");
}

TEST(CharsetTest, MetaCharsetForms) {
  constexpr std::size_t kScan = 4096;
  EXPECT_EQ(MetaCharset("<meta charset=\"gbk\">", kScan), "gb18030");
  EXPECT_EQ(MetaCharset("<META CHARSET=Shift_JIS>", kScan), "shift_jis");
  EXPECT_EQ(MetaCharset("<meta charset='  utf8 '/>", kScan), "utf-8");
  EXPECT_EQ(MetaCharset("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
                        kScan),
            "gb18030");
  EXPECT_EQ(
      MetaCharset("<meta content='text/html;charset = \"sjis\"' http-equiv=content-type>", kScan),
      "shift_jis");
  // content= without the http-equiv pragma does not count.
  EXPECT_EQ(MetaCharset("<meta content=\"text/html; charset=gbk\">", kScan), "");
  // UTF-16 in a meta means UTF-8.
  EXPECT_EQ(MetaCharset("<meta charset=utf-16le>", kScan), "utf-8");
}

TEST(CharsetTest, MetaCharsetSkipsWhatIsNotAMetaDeclaration) {
  constexpr std::size_t kScan = 4096;
  EXPECT_EQ(MetaCharset("<!-- <meta charset=gbk> --><meta charset=sjis>", kScan), "shift_jis");
  EXPECT_EQ(MetaCharset("<div title=\"<meta charset=gbk>\"><meta charset=latin1>", kScan),
            "windows-1252");
  EXPECT_EQ(MetaCharset("<meta charset=bogus><meta charset=gbk>", kScan), "gb18030");
  EXPECT_EQ(MetaCharset("<metadata charset=gbk><meta name=x charset=sjis>", kScan), "shift_jis");
  EXPECT_EQ(MetaCharset("<meta charset=gbk charset=sjis>", kScan), "gb18030");
  EXPECT_EQ(MetaCharset("<p>no meta at all</p>", kScan), "");
}

TEST(CharsetTest, MetaCharsetOnTruncatedMarkupEnds) {
  constexpr std::size_t kScan = 4096;
  for (const char* html : {"<meta charset=", "<meta charset=\"gbk", "<meta", "<!-- <meta",
                           "<meta http-equiv=content-type content=\"charset=", "<", "</", "<!",
                           "<a href='", "<meta content=\"charset\"", "<meta ==== / / />",
                           "<meta charset=gbk", "<meta charset=gbk /"}) {
    EXPECT_EQ(MetaCharset(html, kScan), "") << html;
  }
}

TEST(CharsetTest, MetaScanLimitIsHonoured) {
  const std::string html = std::string(100, ' ') + "<meta charset=gbk>";
  EXPECT_EQ(MetaCharset(html, html.size()), "gb18030");
  EXPECT_EQ(MetaCharset(html, 110), "");
  EXPECT_EQ(MetaCharset(html, html.size() - 1), "");  // the tag is cut
  CharsetOptions options;
  options.meta_scan_bytes = 50;
  const std::string body =
      Html("", "") + std::string(100, ' ') + "<meta charset=gbk>" + Encode(kChinese, "GBK");
  const DecodedText limited = DecodeToUtf8(body, "text/html", true, options);
  EXPECT_EQ(limited.charset_from, "sniff");
  const DecodedText full = DecodeToUtf8(body, "text/html", true);
  EXPECT_EQ(full.charset_from, "meta");
  EXPECT_EQ(full.charset, "gb18030");
}

TEST(CharsetTest, Windows1252FromHeader) {
  for (std::string_view text : {kFrench, kGerman}) {
    const std::string body = Html("", text);
    const DecodedText d =
        DecodeToUtf8(Encode(body, "CP1252"), "text/html; charset=ISO-8859-1", true);
    EXPECT_EQ(d.text, body);
    EXPECT_EQ(d.charset, "windows-1252");
    EXPECT_EQ(d.charset_from, "header");
    EXPECT_EQ(d.replaced, 0u);
  }
}

TEST(CharsetTest, GbkFromMeta) {
  const std::string body = Html("<meta charset=\"GBK\">", kChinese);
  const DecodedText d = DecodeToUtf8(Encode(body, "GBK"), "text/html", true);
  EXPECT_EQ(d.text, body);
  EXPECT_EQ(d.charset, "gb18030");
  EXPECT_EQ(d.charset_from, "meta");
}

TEST(CharsetTest, ShiftJisFromHttpEquivMeta) {
  const std::string body = Html(
      "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">", kJapanese);
  const DecodedText d = DecodeToUtf8(Encode(body, "SHIFT_JIS"), "", true);
  EXPECT_EQ(d.text, body);
  EXPECT_EQ(d.charset, "shift_jis");
  EXPECT_EQ(d.charset_from, "meta");
}

TEST(CharsetTest, Gb18030FourByteSequences) {
  const std::string text = "中文 ￥ ✓ 😀 Ā";  // outside GBK: four-byte in GB18030
  const DecodedText d = DecodeToUtf8(Encode(text, "GB18030"), "text/plain; charset=gb18030", false);
  EXPECT_EQ(d.text, text);
  EXPECT_EQ(d.replaced, 0u);
}

TEST(CharsetTest, SniffsEachCandidate) {
  struct Case {
    std::string_view text;
    const char* iconv_name;
    const char* expected;
  };
  const Case cases[] = {
      {kFrench, "CP1252", "windows-1252"},   {kGerman, "CP1252", "windows-1252"},
      {kChinese, "GBK", "gb18030"},          {kChinese, "GB18030", "gb18030"},
      {kJapanese, "SHIFT_JIS", "shift_jis"}, {kJapanese, "CP932", "shift_jis"},
      {kChinese, "UTF-8", "utf-8"},          {kJapanese, "UTF-8", "utf-8"},
      {kFrench, "UTF-8", "utf-8"},
  };
  for (const Case& c : cases) {
    const std::string body = Html("", c.text);
    const DecodedText d = DecodeToUtf8(Encode(body, c.iconv_name), "text/html", true);
    EXPECT_EQ(d.charset, c.expected) << c.iconv_name << ": " << c.text;
    EXPECT_EQ(d.charset_from, "sniff") << c.iconv_name;
    EXPECT_EQ(d.text, body) << c.iconv_name;
  }
}

TEST(CharsetTest, PureAsciiSniffsAsUtf8AndNoEvidenceFallsBackToDefault) {
  const DecodedText ascii = DecodeToUtf8("<p>plain</p>", "", true);
  EXPECT_EQ(ascii.charset, "utf-8");
  EXPECT_EQ(ascii.charset_from, "sniff");
  const DecodedText none = DecodeToUtf8("\x85\x85\x85\x85", "", false);
  EXPECT_EQ(none.charset, "windows-1252");
  EXPECT_EQ(none.charset_from, "default");
  EXPECT_EQ(none.text, "…………");
}

TEST(CharsetTest, ByteOrderMarksWinAndAreStripped) {
  const DecodedText utf8 = DecodeToUtf8("\xEF\xBB\xBF" + std::string(kFrench),
                                        "text/plain; charset=windows-1252", false);
  EXPECT_EQ(utf8.text, kFrench);
  EXPECT_EQ(utf8.charset, "utf-8");
  EXPECT_EQ(utf8.charset_from, "bom");
  const DecodedText le = DecodeToUtf8("\xFF\xFE" + Encode(kGerman, "UTF-16LE"), "", true);
  EXPECT_EQ(le.text, kGerman);
  EXPECT_EQ(le.charset, "utf-16le");
  const DecodedText be = DecodeToUtf8("\xFE\xFF" + Encode(kJapanese, "UTF-16BE"), "", true);
  EXPECT_EQ(be.text, kJapanese);
  EXPECT_EQ(be.charset, "utf-16be");
}

TEST(CharsetTest, MislabelledUtf8HeaderFallsBackToMeta) {
  const std::string body = Html("<meta charset=gbk>", kChinese);
  const DecodedText d = DecodeToUtf8(Encode(body, "GBK"), "text/html; charset=utf-8", true);
  EXPECT_EQ(d.text, body);
  EXPECT_EQ(d.charset, "gb18030");
  EXPECT_EQ(d.charset_from, "meta");
}

TEST(CharsetTest, MislabelledUtf8HeaderFallsBackToSniffing) {
  const std::string body = Html("", kFrench);
  const DecodedText d = DecodeToUtf8(Encode(body, "CP1252"), "text/html; charset=utf-8", true);
  EXPECT_EQ(d.text, body);
  EXPECT_EQ(d.charset, "windows-1252");
  EXPECT_EQ(d.charset_from, "sniff");
}

TEST(CharsetTest, MislabelledMetaFallsBackToSniffing) {
  const std::string body = Html("<meta charset=shift_jis>", kChinese);
  const DecodedText d = DecodeToUtf8(Encode(body, "UTF-8"), "text/html", true);
  EXPECT_EQ(d.text, body);
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.charset_from, "sniff");
}

TEST(CharsetTest, ValidUtf8OutranksALegacyLabelButPureAsciiKeepsIt) {
  const std::string body = Html("", kFrench);
  const DecodedText d = DecodeToUtf8(body, "text/html; charset=iso-8859-1", true);
  EXPECT_EQ(d.text, body);
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.charset_from, "sniff");
  const DecodedText ascii = DecodeToUtf8("<p>plain</p>", "text/html; charset=iso-8859-1", true);
  EXPECT_EQ(ascii.text, "<p>plain</p>");
  EXPECT_EQ(ascii.charset, "windows-1252");
  EXPECT_EQ(ascii.charset_from, "header");
}

TEST(CharsetTest, AFewBrokenBytesKeepTheLabel) {
  const std::string body = Html("", kChinese) + "\xE4\xB8";  // cut in a character
  const DecodedText d = DecodeToUtf8(body, "text/html; charset=utf-8", true);
  EXPECT_EQ(d.charset, "utf-8");
  EXPECT_EQ(d.charset_from, "header");
  EXPECT_EQ(d.replaced, 1u);
  EXPECT_EQ(d.text, Html("", kChinese) + std::string(kReplacement));
}

TEST(CharsetTest, PlainTextIgnoresMeta) {
  const std::string body = "<meta charset=sjis>" + Encode(kChinese, "GBK");
  const DecodedText d = DecodeToUtf8(body, "text/plain", false);
  EXPECT_EQ(d.charset, "gb18030");
  EXPECT_EQ(d.charset_from, "sniff");
}

TEST(CharsetTest, MalformedUtf8BecomesReplacementsPerMaximalSubpart) {
  const std::string r(kReplacement);
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"a\xC0\xAF"
       "b",
       "a" + r + r + "b"},                  // overlong
      {"\xED\xA0\x80", r + r + r},          // surrogate
      {"\xF4\x90\x80\x80", r + r + r + r},  // past U+10FFFF
      {"\xF0\x9F\x98"
       "b",
       r + "b"},                               // cut-short four bytes
      {"\x80\xBF", r + r},                     // lone continuations
      {"\xE4\xB8", r},                         // truncated at the end
      {"\xFF\xFE\xFD", r + r + r},             // never valid
      {"ok \xE4\xB8\xAD", "ok \xE4\xB8\xAD"},  // well formed
  };
  for (const Case& c : cases) {
    std::size_t replaced = 0;
    EXPECT_EQ(ConvertToUtf8(c.in, "utf-8", &replaced), c.out);
  }
}

TEST(CharsetTest, TruncatedAndInvalidMultibyteInLegacyCharsets) {
  const std::string r(kReplacement);
  const std::string gbk = Encode("中文", "GBK");
  std::size_t replaced = 0;
  EXPECT_EQ(ConvertToUtf8(gbk.substr(0, gbk.size() - 1), "gb18030", &replaced), "中" + r);
  EXPECT_EQ(replaced, 1u);
  EXPECT_EQ(ConvertToUtf8("\x81\x20x\xFF"
                          "a",
                          "gb18030", &replaced),
            r + " x" + r + "a");
  EXPECT_EQ(replaced, 2u);
  const std::string sjis = Encode("日本", "SHIFT_JIS");
  EXPECT_EQ(ConvertToUtf8(sjis.substr(0, sjis.size() - 1), "shift_jis", &replaced), "日" + r);
  EXPECT_EQ(replaced, 1u);
  EXPECT_EQ(ConvertToUtf8(Encode("Grüße", "UTF-16LE") + "x", "utf-16le", &replaced), "Grüße" + r);
}

TEST(CharsetTest, Windows1252MapsEveryByteLikeWhatwg) {
  std::size_t replaced = 0;
  EXPECT_EQ(ConvertToUtf8("\x80\x81\x8D\x9F\xA0\xE9\xFF", "windows-1252", &replaced),
            "€\xC2\x81\xC2\x8DŸ\xC2\xA0éÿ");
  EXPECT_EQ(replaced, 0u);
}

TEST(CharsetTest, AnyBytesDecodeToValidUtf8InEveryCharset) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const char* charset : {"utf-8", "windows-1252", "gb18030", "shift_jis", "euc-jp",
                              "iso-2022-jp", "euc-kr", "big5", "utf-16le", "utf-16be", "koi8-r"}) {
    for (int round = 0; round < 20; ++round) {
      std::string bytes;
      for (int i = 0; i < 2000; ++i) bytes += static_cast<char>(byte(rng));
      const std::string out = ConvertToUtf8(bytes, charset);
      ASSERT_TRUE(internal::IsValidUtf8(out)) << charset;
    }
  }
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const DecodedText d = DecodeToUtf8(all, "text/html", true);
  EXPECT_TRUE(internal::IsValidUtf8(d.text));
}

}  // namespace
}  // namespace sextant::toolserver::web
