#include "toolserver/plugins/mcp_result.h"

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;

TEST(McpResultTest, ToolNames) {
  EXPECT_TRUE(IsValidToolName("fs__read_file"));
  EXPECT_TRUE(IsValidToolName("a-b_C9"));
  EXPECT_TRUE(IsValidToolName(std::string(kMaxToolNameLength, 'x')));
  EXPECT_FALSE(IsValidToolName(std::string(kMaxToolNameLength + 1, 'x')));
  EXPECT_FALSE(IsValidToolName(""));
  EXPECT_FALSE(IsValidToolName("has space"));
  EXPECT_FALSE(IsValidToolName("dot.name"));
  EXPECT_FALSE(IsValidToolName("slash/name"));
  EXPECT_EQ(PluginToolName("fs", "read"), "fs__read");
}

TEST(McpResultTest, JoinsTextAndKeepsRawContent) {
  Json result = {
      {"content", {{{"type", "text"}, {"text", "one"}}, {{"type", "text"}, {"text", "two"}}}},
      {"structuredContent", {{"sum", 3}}}};
  auto out = MapToolCallResult("s__t", result);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->content, "one\ntwo");
  EXPECT_EQ(out->data["content"], result["content"]);
  EXPECT_EQ(out->data["structuredContent"]["sum"], 3);
}

TEST(McpResultTest, SummarizesNonTextParts) {
  EXPECT_EQ(
      DescribeContentPart({{"type", "image"}, {"data", "AAAAAAAA"}, {"mimeType", "image/png"}}),
      "[image image/png, 6 bytes]");
  EXPECT_EQ(DescribeContentPart({{"type", "audio"}, {"data", "AAA="}, {"mimeType", "audio/wav"}}),
            "[audio audio/wav, 2 bytes]");
  EXPECT_EQ(DescribeContentPart({{"type", "resource_link"}, {"uri", "file:///a"}, {"name", "a"}}),
            "[resource link a file:///a]");
  EXPECT_EQ(DescribeContentPart(
                {{"type", "resource"}, {"resource", {{"uri", "file:///b"}, {"text", "bee"}}}}),
            "[resource file:///b]\nbee");
  EXPECT_EQ(
      DescribeContentPart({{"type", "resource"},
                           {"resource", {{"uri", "u"}, {"blob", "AAAA"}, {"mimeType", "m"}}}}),
      "[resource u m, 3 bytes]");
  EXPECT_EQ(DescribeContentPart({{"type", "hologram"}}), "[hologram content]");
  EXPECT_EQ(DescribeContentPart(Json(5)), "[untyped content]");
}

TEST(McpResultTest, IsErrorBecomesFailedPrecondition) {
  Json result = {{"content", {{{"type", "text"}, {"text", "disk full"}}}}, {"isError", true}};
  auto out = MapToolCallResult("s__t", result);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status().message(), "disk full");
  auto silent = MapToolCallResult("s__t", {{"content", Json::array()}, {"isError", true}});
  ASSERT_FALSE(silent.ok());
  EXPECT_TRUE(Contains(silent.status().message(), "s__t reported an error"));
}

TEST(McpResultTest, RejectsMalformedResults) {
  auto not_object = MapToolCallResult("s__t", Json::array());
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().code(), StatusCode::kUnknown);
  auto bad_content = MapToolCallResult("s__t", {{"content", "text"}});
  ASSERT_FALSE(bad_content.ok());
  EXPECT_TRUE(Contains(bad_content.status().message(), "not an array"));
  auto input = MapToolCallResult("s__t", {{"resultType", "input_required"}});
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().code(), StatusCode::kUnimplemented);
}

TEST(McpResultTest, MissingContentIsEmpty) {
  auto out = MapToolCallResult("s__t", Json::object());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->content, "");
  EXPECT_TRUE(out->data["content"].empty());
  EXPECT_FALSE(out->data.contains("structuredContent"));
}

}  // namespace
}  // namespace sextant::toolserver::plugins
