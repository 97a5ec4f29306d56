#include "toolserver/tools/files.h"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver::tools {
namespace {

namespace fs = std::filesystem;
using sextant::testing::ReadFile;
using sextant::testing::TempDir;
using sextant::testing::WriteFile;

class FileToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    limits_.max_read_bytes = 64;
    limits_.max_write_bytes = 128;
    limits_.max_edit_bytes = 256;
    limits_.max_list_entries = 5;
    ws_ = tmp_.path() / "ws";
    fs::create_directories(ws_);
    for (auto& t : MakeFileTools(limits_)) tools_[t->spec().name] = std::move(t);
    ctx_.workspace = ws_;
    ctx_.session_id = "s";
  }
  Result<ToolOutput> Call(const std::string& name, const Json& args) {
    return tools_.at(name)->Call(ctx_, args);
  }

  TempDir tmp_;
  fs::path ws_;
  FileLimits limits_;
  std::map<std::string, std::unique_ptr<Tool>> tools_;
  ToolContext ctx_;
};

TEST_F(FileToolsTest, WriteThenReadWithOffsetAndLimit) {
  ASSERT_TRUE(Call("file_write", {{"path", "a/b.txt"}, {"content", "hello world"}}).ok());
  EXPECT_EQ(ReadFile(ws_ / "a" / "b.txt"), "hello world");
  auto all = Call("file_read", {{"path", "a/b.txt"}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->content, "hello world");
  EXPECT_TRUE(all->data["eof"].get<bool>());
  auto part = Call("file_read", {{"path", "a/b.txt"}, {"offset", 6}, {"limit", 3}});
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->content, "wor");
  EXPECT_FALSE(part->data["eof"].get<bool>());
  EXPECT_EQ(part->data["size"], 11);
}

TEST_F(FileToolsTest, WriteModes) {
  ASSERT_TRUE(Call("file_write", {{"path", "f"}, {"content", "a"}, {"mode", "create"}}).ok());
  EXPECT_EQ(
      Call("file_write", {{"path", "f"}, {"content", "b"}, {"mode", "create"}}).status().code(),
      StatusCode::kAlreadyExists);
  ASSERT_TRUE(Call("file_write", {{"path", "f"}, {"content", "b"}, {"mode", "append"}}).ok());
  EXPECT_EQ(ReadFile(ws_ / "f"), "ab");
  ASSERT_TRUE(Call("file_write", {{"path", "f"}, {"content", "c"}}).ok());
  EXPECT_EQ(ReadFile(ws_ / "f"), "c");
  EXPECT_EQ(Call("file_write", {{"path", "."}, {"content", "c"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(FileToolsTest, LimitsAreEnforced) {
  EXPECT_EQ(
      Call("file_write", {{"path", "big"}, {"content", std::string(129, 'x')}}).status().code(),
      StatusCode::kResourceExhausted);
  WriteFile(ws_ / "f", std::string(300, 'x'));
  EXPECT_EQ(Call("file_read", {{"path", "f"}, {"limit", 65}}).status().code(),
            StatusCode::kResourceExhausted);
  auto capped = Call("file_read", {{"path", "f"}});
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->content.size(), 64u);
  EXPECT_EQ(Call("file_edit", {{"path", "f"}, {"old", "x"}, {"new", "y"}}).status().code(),
            StatusCode::kResourceExhausted);
}

TEST_F(FileToolsTest, EditReplacesExactlyOneOccurrence) {
  WriteFile(ws_ / "e.txt", "one two two");
  auto none = Call("file_edit", {{"path", "e.txt"}, {"old", "three"}, {"new", "3"}});
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("not found"), std::string::npos);
  auto two = Call("file_edit", {{"path", "e.txt"}, {"old", "two"}, {"new", "2"}});
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(two.status().message().find("occurs 2 times"), std::string::npos);
  EXPECT_EQ(ReadFile(ws_ / "e.txt"), "one two two");
  ASSERT_TRUE(Call("file_edit", {{"path", "e.txt"}, {"old", "one"}, {"new", "1"}}).ok());
  EXPECT_EQ(ReadFile(ws_ / "e.txt"), "1 two two");
  EXPECT_EQ(Call("file_edit", {{"path", "e.txt"}, {"old", ""}, {"new", "x"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(FileToolsTest, ListRecursesToDepthAndTruncates) {
  WriteFile(ws_ / "a" / "b" / "c.txt", "c");
  WriteFile(ws_ / "top.txt", "t");
  fs::create_symlink("/etc", ws_ / "link");
  auto one = Call("file_list", {{"path", "."}});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->data["entries"].size(), 3u);  // a, link, top.txt
  EXPECT_EQ(one->data["entries"][1]["type"], "symlink");
  auto deep = Call("file_list", {{"depth", 3}});
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->data["entries"].size(), 5u);
  EXPECT_FALSE(deep->data["truncated"].get<bool>());
  for (int i = 0; i < 10; ++i) WriteFile(ws_ / "many" / std::to_string(i), "x");
  auto cut = Call("file_list", {{"path", "many"}});
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->data["truncated"].get<bool>());
  EXPECT_EQ(cut->data["entries"].size(), 5u);
  EXPECT_EQ(Call("file_list", {{"path", "link"}}).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(FileToolsTest, EscapesAreRefused) {
  fs::create_symlink("/etc/passwd", ws_ / "leak");
  EXPECT_EQ(Call("file_read", {{"path", "/etc/shadow"}}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Call("file_read", {{"path", "leak"}}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Call("file_write", {{"path", "../evil"}, {"content", "x"}}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_FALSE(fs::exists(tmp_.path() / "evil"));
  EXPECT_EQ(Call("file_list", {{"path", "/root"}}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Call("file_read", {{"path", "missing"}}).status().code(), StatusCode::kNotFound);
}

// A FIFO in the workspace must not block a worker thread.
TEST_F(FileToolsTest, FifosAreRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((ws_ / "fifo").c_str(), 0644), 0);
  EXPECT_EQ(Call("file_read", {{"path", "fifo"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Call("file_write", {{"path", "fifo"}, {"content", "x"}}).ok());
  EXPECT_FALSE(Call("file_edit", {{"path", "fifo"}, {"old", "x"}, {"new", "y"}}).ok());
}

}  // namespace
}  // namespace sextant::toolserver::tools
