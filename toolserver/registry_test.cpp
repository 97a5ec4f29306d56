#include "toolserver/registry.h"

#include <gtest/gtest.h>

#include "toolserver/tools/function_tool.h"

namespace sextant::toolserver {
namespace {

std::unique_ptr<Tool> Make(std::string name, Json schema) {
  return tools::MakeFunctionTool({std::move(name), "d", std::move(schema)},
                                 [](const ToolContext&, const Json&) -> Result<ToolOutput> {
                                   return ToolOutput{"ok", nullptr};
                                 });
}

const Json kSchema = {
    {"type", "object"},
    {"properties",
     {{"path", {{"type", "string"}}}, {"count", {{"type", "integer"}, {"minimum", 1}}}}},
    {"required", {"path"}},
    {"additionalProperties", false}};

TEST(ToolSpecTest, ToOpenAiHasTheFunctionFormat) {
  const ToolSpec spec{"t", "desc", kSchema};
  const Json j = spec.ToOpenAi();
  EXPECT_EQ(j["type"], "function");
  EXPECT_EQ(j["function"]["name"], "t");
  EXPECT_EQ(j["function"]["description"], "desc");
  EXPECT_EQ(j["function"]["parameters"], kSchema);
}

TEST(ToolRegistryTest, AddChecksNamesSchemasAndDuplicates) {
  ToolRegistry r;
  EXPECT_TRUE(r.Add(Make("good_name-1", kSchema)).ok());
  EXPECT_EQ(r.Add(Make("good_name-1", kSchema)).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Add(Make("bad name", kSchema)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Make("", kSchema)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Make(std::string(65, 'a'), kSchema)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Make("s", Json::array())).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(Make("s", {{"type", 5}})).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Add(nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.size(), 1u);
  EXPECT_NE(r.Find("good_name-1"), nullptr);
  EXPECT_EQ(r.Find("nope"), nullptr);
}

TEST(ToolRegistryTest, ListIsSortedOpenAiSpecs) {
  ToolRegistry r;
  ASSERT_TRUE(r.Add(Make("b", kSchema)).ok());
  ASSERT_TRUE(r.Add(Make("a", kSchema)).ok());
  const Json list = r.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["function"]["name"], "a");
  EXPECT_EQ(list[1]["function"]["name"], "b");
}

TEST(ToolRegistryTest, ValidateNamesTheArgumentAndWhy) {
  ToolRegistry r;
  ASSERT_TRUE(r.Add(Make("t", kSchema)).ok());
  EXPECT_TRUE(r.Validate("t", {{"path", "x"}, {"count", 2}}).empty());

  auto wrong_type = r.Validate("t", {{"path", 5}});
  ASSERT_EQ(wrong_type.size(), 1u);
  EXPECT_EQ(wrong_type[0].pointer, "/path");
  EXPECT_NE(wrong_type[0].message.find("string"), std::string::npos);

  auto missing = r.Validate("t", Json::object());
  ASSERT_FALSE(missing.empty());
  EXPECT_EQ(missing[0].pointer, "");
  EXPECT_NE(missing[0].message.find("path"), std::string::npos);

  auto extra = r.Validate("t", {{"path", "x"}, {"colour", "red"}});
  ASSERT_FALSE(extra.empty());
  EXPECT_NE(DescribeArgumentErrors(extra).find("colour"), std::string::npos);

  auto range = r.Validate("t", {{"path", "x"}, {"count", 0}});
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].pointer, "/count");
  EXPECT_EQ(DescribeArgumentErrors(range).rfind("arguments/count: ", 0), 0u);
  EXPECT_EQ(ArgumentErrorsToJson(range)[0]["pointer"], "/count");
}

}  // namespace
}  // namespace sextant::toolserver
