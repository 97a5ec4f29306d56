#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace sextant {
namespace {

std::string Utf8(std::uint32_t cp) {
  std::string out;
  AppendUtf8(cp, out);
  return out;
}

TEST(Utf8Test, EncodesEachLength) {
  EXPECT_EQ(Utf8(0x41), "A");
  EXPECT_EQ(Utf8(0xE9), "\xC3\xA9");
  EXPECT_EQ(Utf8(0x20AC), "\xE2\x82\xAC");
  EXPECT_EQ(Utf8(0x1F600), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Utf8(0x10FFFF), "\xF4\x8F\xBF\xBF");
}

TEST(Utf8Test, NonScalarValuesBecomeTheReplacementCharacter) {
  EXPECT_FALSE(IsUnicodeScalarValue(0xD800));
  EXPECT_FALSE(IsUnicodeScalarValue(0xDFFF));
  EXPECT_FALSE(IsUnicodeScalarValue(0x110000));
  EXPECT_TRUE(IsUnicodeScalarValue(0xD7FF));
  EXPECT_TRUE(IsUnicodeScalarValue(0xE000));
  EXPECT_EQ(Utf8(0xD800), "\xEF\xBF\xBD");
  EXPECT_EQ(Utf8(0x110000), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace sextant
