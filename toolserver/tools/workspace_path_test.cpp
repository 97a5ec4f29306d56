#include "toolserver/tools/workspace_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/tools/files.h"

namespace sextant::toolserver::tools {
namespace {

namespace fs = std::filesystem;
using sextant::testing::TempDir;
using sextant::testing::WriteFile;

class WorkspacePathTest : public ::testing::Test {
 protected:
  WorkspacePathTest() : ws_(tmp_.path() / "ws"), outside_(tmp_.path() / "outside") {
    fs::create_directories(ws_ / "sub");
    WriteFile(ws_ / "sub" / "f.txt", "inside");
    WriteFile(outside_ / "secret", "OUTSIDE");
  }
  StatusCode Code(std::string_view path, MissingParents p = MissingParents::kFail) {
    return ResolveWorkspacePath(ws_, path, p).status().code();
  }
  std::string Relative(std::string_view path) {
    auto r = ResolveWorkspacePath(ws_, path);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    return r.ok() ? r->relative : "";
  }

  TempDir tmp_;
  fs::path ws_;
  fs::path outside_;
};

TEST_F(WorkspacePathTest, AcceptsPathsInside) {
  EXPECT_EQ(Relative("sub/f.txt"), "sub/f.txt");
  EXPECT_EQ(Relative("./sub/../sub/f.txt"), "sub/f.txt");
  EXPECT_EQ(Relative("/workspace/sub/f.txt"), "sub/f.txt");
  EXPECT_EQ(Relative((ws_ / "sub" / "new.txt").string()), "sub/new.txt");
  EXPECT_EQ(Relative("."), "");
  EXPECT_EQ(Relative("/workspace"), "");
  EXPECT_EQ(Relative("sub//f.txt"), "sub/f.txt");
}

TEST_F(WorkspacePathTest, RefusesEscapes) {
  EXPECT_EQ(Code("/etc/shadow"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("/root"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("/workspacefoo/x"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(".."), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("../outside/secret"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("sub/../../outside/secret"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("/workspace/../etc/passwd"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code((outside_ / "secret").string()), StatusCode::kPermissionDenied);
}

TEST_F(WorkspacePathTest, RejectsMalformedPaths) {
  EXPECT_EQ(Code(""), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(std::string_view("a\0b", 3)), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(std::string(5000, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("sub/f.txt/x"), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("missing/x"), StatusCode::kNotFound);
}

TEST_F(WorkspacePathTest, CreatesMissingParentsOnRequest) {
  auto r = ResolveWorkspacePath(ws_, "a/b/c.txt", MissingParents::kCreate);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->relative, "a/b/c.txt");
  EXPECT_TRUE(fs::is_directory(ws_ / "a" / "b"));
  EXPECT_EQ(Code("../x/y", MissingParents::kCreate), StatusCode::kPermissionDenied);
  EXPECT_FALSE(fs::exists(tmp_.path() / "x"));
}

TEST_F(WorkspacePathTest, FollowsSymlinksThatStayInside) {
  fs::create_symlink("sub", ws_ / "rel");
  fs::create_symlink("/workspace/sub", ws_ / "abs");
  fs::create_symlink(ws_ / "sub", ws_ / "host");
  fs::create_symlink("sub/f.txt", ws_ / "file_link");
  EXPECT_EQ(Relative("rel/f.txt"), "sub/f.txt");
  EXPECT_EQ(Relative("abs/f.txt"), "sub/f.txt");
  EXPECT_EQ(Relative("host/f.txt"), "sub/f.txt");
  EXPECT_EQ(Relative("file_link"), "sub/f.txt");
}

TEST_F(WorkspacePathTest, RefusesSymlinksThatLeave) {
  fs::create_symlink(outside_, ws_ / "out");
  fs::create_symlink("../outside", ws_ / "up");
  fs::create_symlink("/etc/shadow", ws_ / "shadow");
  fs::create_symlink("/", ws_ / "root");
  fs::create_symlink("loop", ws_ / "loop");
  EXPECT_EQ(Code("out/secret"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("up/secret"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("shadow"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("root/etc/passwd"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("loop"), StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("loop/x"), StatusCode::kPermissionDenied);
}

TEST_F(WorkspacePathTest, OpenRefusesAFinalSymlinkMadeAfterResolution) {
  auto r = ResolveWorkspacePath(ws_, "later");
  ASSERT_TRUE(r.ok());
  fs::create_symlink(outside_ / "secret", ws_ / "later");
  EXPECT_EQ(OpenResolved(*r, O_RDONLY, 0, "later").status().code(), StatusCode::kPermissionDenied);
}

// A directory swapped for a symlink to the outside while reads run must never
// let a read see the outside file.
TEST_F(WorkspacePathTest, SwapRaceNeverEscapes) {
  fs::create_directories(ws_ / "d");
  WriteFile(ws_ / "d" / "secret", "inside");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    const fs::path d = ws_ / "d";
    const fs::path parked = ws_ / "parked";
    const fs::path link = ws_ / "link";
    std::error_code ec;
    fs::create_symlink(outside_, link, ec);
    while (!stop) {
      ::rename(d.c_str(), parked.c_str());
      ::rename(link.c_str(), d.c_str());
      ::rename(d.c_str(), link.c_str());
      ::rename(parked.c_str(), d.c_str());
    }
  });
  int inside = 0;
  for (int i = 0; i < 3000; ++i) {
    auto chunk = ReadWorkspaceFile(ws_, "d/secret", 0, 100);
    if (chunk.ok()) {
      ASSERT_EQ(chunk->bytes, "inside");
      ++inside;
    }
  }
  stop = true;
  swapper.join();
  EXPECT_GT(inside, 0);
}

}  // namespace
}  // namespace sextant::toolserver::tools
