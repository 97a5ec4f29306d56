#include "common/json.h"

#include <string>

#include <gtest/gtest.h>

namespace sextant {
namespace {

TEST(JsonTest, ParsesValidJson) {
  auto r = ParseJson(R"({"a": [1, 2, {"b": null}], "c": "d"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["c"], "d");
}

TEST(JsonTest, MalformedInputGivesOffset) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,2", "nul", "{\"a\" 1}", "\"\\x\"", "1 2"}) {
    auto r = ParseJson(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("invalid JSON at byte"), std::string::npos)
        << r.status().message();
  }
}

TEST(JsonTest, DepthLimitIsEnforced) {
  std::string deep(100000, '[');
  auto r = ParseJson(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);

  JsonLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(ParseJson("[[[1]]]", limits).ok());
  auto r4 = ParseJson("[[[[1]]]]", limits);
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(ParseJson(R"({"a":{"b":{"c":{}}}})", limits).ok());
}

TEST(JsonTest, SizeLimitIsEnforced) {
  JsonLimits limits;
  limits.max_bytes = 10;
  EXPECT_TRUE(ParseJson("[1,2,3]", limits).ok());
  auto r = ParseJson("[1,2,3,4,5,6]", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(JsonTest, DumpReplacesInvalidUtf8) {
  Json j = std::string(
      "a\xff"
      "b");
  EXPECT_EQ(DumpJson(j),
            "\"a\xEF\xBF\xBD"
            "b\"");
}

TEST(JsonTest, PointerEscape) { EXPECT_EQ(JsonPointerEscape("a/b~c"), "a~1b~0c"); }

TEST(JsonTest, ReadMemberChecksTypes) {
  Json obj = {{"s", "x"}, {"n", 3}, {"f", 1.5}, {"b", true}};
  std::string s;
  std::int64_t n = 0;
  double f = 0;
  bool b = false;
  EXPECT_TRUE(ReadJsonMember(obj, "s", s).ok());
  EXPECT_TRUE(ReadJsonMember(obj, "n", n).ok());
  EXPECT_TRUE(ReadJsonMember(obj, "f", f).ok());
  EXPECT_TRUE(ReadJsonMember(obj, "b", b).ok());
  EXPECT_EQ(s, "x");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(f, 1.5);
  EXPECT_TRUE(b);
  std::string untouched = "keep";
  EXPECT_TRUE(ReadJsonMember(obj, "missing", untouched).ok());
  EXPECT_EQ(untouched, "keep");
  Status wrong = ReadJsonMember(obj, "n", s);
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.message().find("'n'"), std::string::npos);
  EXPECT_FALSE(ReadJsonMember(obj, "f", n).ok());
}

}  // namespace
}  // namespace sextant
