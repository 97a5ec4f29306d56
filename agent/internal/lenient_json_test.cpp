#include "agent/internal/lenient_json.h"

#include <gtest/gtest.h>

#include <string>

namespace sextant::agent::internal {
namespace {

constexpr int kDepth = 16;

Json MustParse(std::string_view text) {
  const auto r = ParseLenientJson(text, 0, kDepth);
  EXPECT_TRUE(r.value.has_value()) << r.error << " at " << r.error_offset << " in " << text;
  return r.value.value_or(Json());
}

LenientJsonResult MustFail(std::string_view text) {
  auto r = ParseLenientJson(text, 0, kDepth);
  EXPECT_FALSE(r.value.has_value()) << text;
  EXPECT_FALSE(r.error.empty());
  return r;
}

TEST(LenientJson, StrictJsonMatchesNlohmann) {
  const std::string text =
      R"({"a": [1, -2, 3.5, -1e-3, 0, 1E+2], "b": {"c": null, "d": true, "e": false},)"
      R"( "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"})";
  EXPECT_EQ(MustParse(text), Json::parse(text));
}

TEST(LenientJson, EndIsJustPastTheValue) {
  const std::string text = "  {\"a\": 1} trailing {";
  const auto r = ParseLenientJson(text, 0, kDepth);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(r.end, text.find('}') + 1);
}

TEST(LenientJson, Numbers) {
  EXPECT_EQ(MustParse("9223372036854775807"), Json(9223372036854775807LL));
  EXPECT_TRUE(MustParse("9223372036854775808").is_number_float());
  EXPECT_TRUE(MustParse("1e400").is_number_float());
  EXPECT_EQ(MustParse("-0.5"), Json(-0.5));
  EXPECT_EQ(MustFail("01").error, "invalid number: leading zero");
  EXPECT_EQ(MustFail("-").error, "invalid number: no digits after '-'");
  EXPECT_EQ(MustFail("1.").error, "invalid number: no digits after '.'");
  EXPECT_EQ(MustFail("1e").error, "invalid number: no digits in exponent");
}

TEST(LenientJson, Surrogates) {
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")"), Json("\xF0\x9F\x98\x80"));
  EXPECT_EQ(MustParse(R"("\ud83dx")"), Json("\xEF\xBF\xBDx"));  // lone high
  EXPECT_EQ(MustParse(R"("\ude00")"), Json("\xEF\xBF\xBD"));    // lone low
  EXPECT_EQ(MustParse(R"("\ud83d\u0041")"), Json("\xEF\xBF\xBD"
                                                 "A"));  // high, then not low
  EXPECT_EQ(MustFail(R"("\u12")").error, "\\u needs 4 hex digits");
  EXPECT_EQ(MustFail(R"("\u12zz")").error, "\\u needs 4 hex digits");
}

TEST(LenientJson, Tolerances) {
  EXPECT_EQ(MustParse("{'a': 'b',}"), (Json{{"a", "b"}}));
  EXPECT_EQ(MustParse("[1, 2, ]"), Json::array({1, 2}));
  EXPECT_EQ(MustParse("{key_1: None, $k: True, 'x-y': False}"),
            (Json{{"key_1", nullptr}, {"$k", true}, {"x-y", false}}));
  EXPECT_EQ(MustParse("/* a */ [1, // b\n 2]"), Json::array({1, 2}));
  EXPECT_EQ(MustParse(R"('C:\dir\sub')"), Json(R"(C:\dir\sub)"));
  EXPECT_EQ(MustParse("\"tab\there\""), Json("tab\there"));
  EXPECT_EQ(MustParse("{}"), Json::object());
  EXPECT_EQ(MustParse("[]"), Json::array());
}

TEST(LenientJson, ErrorsSayWhatAndWhere) {
  auto r = MustFail("{\"a\" 1}");
  EXPECT_EQ(r.error_offset, 5u);
  EXPECT_EQ(r.error, "expected ':' after the key \"a\", found '1'");
  EXPECT_EQ(MustFail("[1 2]").error, "expected ',' or ']' after an array element, found '2'");
  EXPECT_EQ(MustFail("{\"a\": 1 \"b\"}").error,
            "expected ',' or '}' after the value of \"a\", found '\"'");
  EXPECT_EQ(MustFail("{,}").error, "unexpected character ',', expected a key in quotes or '}'");
  EXPECT_EQ(MustFail("[\x01]").error, "unexpected character 0x01, expected a value");
  EXPECT_EQ(MustFail("/* open").error, "unclosed /* comment");
  EXPECT_EQ(MustFail("").error, "unexpected end of input, expected a value");
  EXPECT_EQ(MustFail("[1,").error,
            "unexpected end of input: the array opened at line 1 column 1 is not closed");
  EXPECT_EQ(MustFail("\"abc").error, "unterminated string");
  EXPECT_EQ(MustFail("{\"abc\\").error, "unterminated string");
  EXPECT_EQ(MustFail("nope").error,
            "unexpected word 'nope', expected a value (strings need quotes)");
  const std::string long_key(100, 'k');
  const auto long_error = MustFail("{\"" + long_key + "\" 1}").error;
  EXPECT_LT(long_error.size(), 120u);
}

TEST(LenientJson, DepthLimit) {
  std::string at_limit(kDepth, '[');
  at_limit.append(kDepth, ']');
  EXPECT_TRUE(ParseLenientJson(at_limit, 0, kDepth).value.has_value());
  const std::string over = "[" + at_limit + "]";
  const auto r = ParseLenientJson(over, 0, kDepth);
  EXPECT_FALSE(r.value.has_value());
  EXPECT_TRUE(r.too_deep);
  EXPECT_EQ(r.error_offset, static_cast<std::size_t>(kDepth));
}

TEST(LenientJson, LineColumn) {
  const std::string text = "ab\ncd\n\nx";
  EXPECT_EQ(LineColumnAt(text, 0).line, 1u);
  EXPECT_EQ(LineColumnAt(text, 0).column, 1u);
  EXPECT_EQ(LineColumnAt(text, 4).line, 2u);
  EXPECT_EQ(LineColumnAt(text, 4).column, 2u);
  EXPECT_EQ(LineColumnAt(text, 7).line, 4u);
  EXPECT_EQ(LineColumnAt(text, 7).column, 1u);
  EXPECT_EQ(LineColumnAt(text, 100).line, 4u);  // clamped to the end
}

}  // namespace
}  // namespace sextant::agent::internal
