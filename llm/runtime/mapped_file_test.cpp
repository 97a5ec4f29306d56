#include "llm/runtime/mapped_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "common/testing/testdata.h"

namespace sextant::llm {
namespace {

using ::sextant::testing::TempDir;
using ::sextant::testing::WriteFile;

TEST(MappedFileTest, MapsTheWholeFile) {
  TempDir dir;
  const std::string text = "hello, mapped world";
  WriteFile(dir.path() / "a.bin", text);
  auto file = MappedFile::Open(dir.path() / "a.bin");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ((*file)->size(), text.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*file)->data()), (*file)->size()), text);
  EXPECT_EQ((*file)->path(), dir.path() / "a.bin");
}

TEST(MappedFileTest, EmptyFileHasNoData) {
  TempDir dir;
  WriteFile(dir.path() / "empty", "");
  auto file = MappedFile::Open(dir.path() / "empty");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->size(), 0u);
  EXPECT_EQ((*file)->data(), nullptr);
}

TEST(MappedFileTest, MissingFileIsNotFound) {
  TempDir dir;
  auto file = MappedFile::Open(dir.path() / "absent");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(::sextant::testing::Contains(file.status().message(), "absent"));
}

TEST(MappedFileTest, DirectoryIsInvalidArgument) {
  TempDir dir;
  auto file = MappedFile::Open(dir.path());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
}

TEST(MappedFileTest, DeviceIsNotARegularFile) {
  auto file = MappedFile::Open("/dev/null");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
}

TEST(MappedFileTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  WriteFile(dir.path() / "secret", "x");
  ASSERT_EQ(::chmod((dir.path() / "secret").c_str(), 0), 0);
  auto file = MappedFile::Open(dir.path() / "secret");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace sextant::llm
