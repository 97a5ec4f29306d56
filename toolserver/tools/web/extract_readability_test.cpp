// Extraction quality against mozilla/readability's test pages. The floors
// sit a little under what the extractor reaches, so a regression fails.
#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/tools/web/quality.h"

namespace sextant::toolserver::web {
namespace {

constexpr double kMeanF1Floor = 0.98;
constexpr double kTitleMatchFloor = 0.97;

TEST(ExtractReadabilityTest, TokenF1AndTitlesOverTestPages) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "html/readability/test-pages");
  auto quality = MeasureReadabilityPages(dir);
  ASSERT_TRUE(quality.ok()) << quality.status().ToString();
  ASSERT_FALSE(quality->empty());
  double f1 = 0;
  int titles = 0;
  for (const auto& q : *quality) {
    f1 += q.f1;
    titles += q.title_match ? 1 : 0;
    EXPECT_GT(q.f1, 0) << q.name << " extracted nothing in common with readability";
  }
  const auto n = static_cast<double>(quality->size());
  EXPECT_GE(f1 / n, kMeanF1Floor);
  EXPECT_GE(titles / n, kTitleMatchFloor);
}

TEST(ExtractReadabilityTest, TokenF1Basics) {
  EXPECT_EQ(WordTokens("Hello, World! it's 42 \xE2\x80\x9Cquoted\xE2\x80\x9D caf\xC3\xA9"),
            (std::vector<std::string>{"hello", "world", "it", "s", "42", "quoted", "caf\xC3\xA9"}));
  EXPECT_DOUBLE_EQ(TokenF1({"a", "b"}, {"a", "b"}), 1.0);
  EXPECT_DOUBLE_EQ(TokenF1({"a", "a"}, {"a", "b"}), 0.5);
  EXPECT_DOUBLE_EQ(TokenF1({}, {"a"}), 0.0);
  EXPECT_EQ(AllText("<p>a <b>b</b></p><script>c</script>"), "a bc");
}

}  // namespace
}  // namespace sextant::toolserver::web
