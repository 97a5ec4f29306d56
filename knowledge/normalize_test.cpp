#include "knowledge/normalize.h"

#include <gtest/gtest.h>

namespace sextant::knowledge {
namespace {

std::string Key(std::string_view text) {
  auto key = NormalizeKey(text);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? *key : "<error>";
}

std::string RelKey(std::string_view text) {
  auto key = NormalizeRelationKey(text);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? *key : "<error>";
}

TEST(NormalizeTest, UnderscoreIsSpaceAndCaseFolds) {
  EXPECT_EQ(Key("Dutch_language"), "dutch language");
  EXPECT_EQ(Key("PARIS"), "paris");
  EXPECT_EQ(Key("land_reform"), "land reform");
}

TEST(NormalizeTest, UnicodeNfkcAndCaseFold) {
  EXPECT_EQ(Key("\xEF\xBC\xB0\xEF\xBD\x81\xEF\xBD\x92\xEF\xBD\x89\xEF\xBD\x93"),
            "paris");  // fullwidth
  EXPECT_EQ(Key("Stra\xC3\x9F"
                "e"),
            "strasse");                              // ß folds to ss
  EXPECT_EQ(Key("\xEF\xAC\x81le"), "file");          // ﬁ ligature
  EXPECT_EQ(Key("Caf\x65\xCC\x81"), "caf\xC3\xA9");  // e + combining acute composes
  EXPECT_EQ(Key("\xC3\x89MILE"), "\xC3\xA9mile");
}

TEST(NormalizeTest, WhitespaceCollapsesAndPunctuationTrims) {
  EXPECT_EQ(Key("  a \t\n  b  "), "a b");
  EXPECT_EQ(Key("(Paris)."), "paris");
  EXPECT_EQ(Key("__Paris__"), "paris");
  EXPECT_EQ(Key("F.C._Alverca"), "f.c. alverca");
  EXPECT_EQ(Key("\"quoted\" ."), "quoted");
  EXPECT_EQ(Key("a\xC2\xA0"
                "b"),
            "a b");                                          // no-break space
  EXPECT_EQ(Key("\xE2\x80\x9CParis\xE2\x80\x9D"), "paris");  // curly quotes
  EXPECT_EQ(Key("\xC2\xBFQu\xC3\xA9?"), "qu\xC3\xA9");
  EXPECT_EQ(Key("..."), "");
  EXPECT_EQ(Key(""), "");
  EXPECT_EQ(Key("C++"), "c++");  // symbols are not punctuation
}

TEST(NormalizeTest, RelationsSplitCamelCaseAndDropLeadingUnderscores) {
  EXPECT_EQ(RelKey("hasOfficialLanguage"), "has official language");
  EXPECT_EQ(RelKey("_hypernym"), "hypernym");
  EXPECT_EQ(RelKey("_derivationally_related_form"), "derivationally related form");
  EXPECT_EQ(RelKey("isURLOf"), "is url of");
  EXPECT_EQ(RelKey("playsFor"), "plays for");
  EXPECT_EQ(RelKey("has official language"), "has official language");
  EXPECT_EQ(RelKey("located_in"), "located in");
  EXPECT_EQ(RelKey("born2Day"), "born2 day");
}

TEST(NormalizeTest, SplitCamelCaseLeavesOtherTextAlone) {
  EXPECT_EQ(SplitCamelCase("hasOfficialLanguage"), "has Official Language");
  EXPECT_EQ(SplitCamelCase("HTMLParser"), "HTML Parser");
  EXPECT_EQ(SplitCamelCase("plain words"), "plain words");
  EXPECT_EQ(SplitCamelCase("/film/film/genre"), "/film/film/genre");
}

TEST(NormalizeTest, InvalidUtf8IsInvalidArgument) {
  for (std::string_view bad :
       {std::string_view("\xFF"), std::string_view("ab\xC3"), std::string_view("\xED\xA0\x80")}) {
    auto key = NormalizeKey(bad);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sextant::knowledge
