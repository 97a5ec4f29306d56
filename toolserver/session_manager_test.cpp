#include "toolserver/session_manager.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver {
namespace {

namespace fs = std::filesystem;
using sextant::testing::TempDir;
using std::chrono::milliseconds;

SessionOptions Options(const TempDir& tmp) {
  SessionOptions o;
  o.workspace_root = tmp.path() / "root";
  o.max_sessions = 2;
  o.max_concurrent_calls = 2;
  o.idle_timeout = milliseconds(60'000);
  return o;
}

TEST(SessionManagerTest, CreateAndDeleteManageTheWorkspace) {
  TempDir tmp;
  auto m = SessionManager::Create(Options(tmp));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto s = (*m)->CreateSession(false);
  ASSERT_TRUE(s.ok());
  const fs::path ws = (*s)->workspace();
  EXPECT_TRUE(fs::is_directory(ws));
  EXPECT_EQ(ws.parent_path(), fs::canonical(tmp.path() / "root"));
  EXPECT_EQ((*s)->id().size(), 32u);
  const std::string id = (*s)->id();
  s = Status(StatusCode::kAborted, "drop");
  EXPECT_TRUE((*m)->Find(id).ok());
  EXPECT_TRUE((*m)->DeleteSession(id).ok());
  EXPECT_FALSE(fs::exists(ws));
  EXPECT_EQ((*m)->DeleteSession(id).code(), StatusCode::kNotFound);
  EXPECT_EQ((*m)->Find(id).status().code(), StatusCode::kNotFound);
}

TEST(SessionManagerTest, NamedWorkspacesAreKeptAndReopened) {
  TempDir tmp;
  auto m = SessionManager::Create(Options(tmp));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto first = (*m)->CreateSession(false, "run-abc");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const fs::path ws = (*first)->workspace();
  EXPECT_EQ(ws, fs::canonical(tmp.path() / "root") / "named" / "run-abc");
  std::ofstream(ws / "note.txt") << "kept";
  // One session at a time.
  auto busy = (*m)->CreateSession(false, "run-abc");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), StatusCode::kFailedPrecondition);
  const std::string id = (*first)->id();
  first = Status(StatusCode::kAborted, "drop");
  ASSERT_TRUE((*m)->DeleteSession(id).ok());
  EXPECT_TRUE(fs::exists(ws / "note.txt"));
  auto again = (*m)->CreateSession(false, "run-abc");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->workspace(), ws);
  EXPECT_NE((*again)->id(), id);
  EXPECT_TRUE(fs::exists((*again)->workspace() / "note.txt"));
}

TEST(SessionManagerTest, BadWorkspaceNames) {
  TempDir tmp;
  auto m = SessionManager::Create(Options(tmp));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  for (const std::string& name :
       std::vector<std::string>{"../escape", "a/b", "dot.name", std::string(65, 'a'), " "}) {
    auto s = (*m)->CreateSession(false, name);
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE((*m)->CreateSession(false, std::string(64, 'a')).ok());
  EXPECT_FALSE(fs::exists(tmp.path() / "root" / "escape"));
}

TEST(SessionManagerTest, MaxSessions) {
  TempDir tmp;
  auto m = SessionManager::Create(Options(tmp));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE((*m)->CreateSession(false).ok());
  ASSERT_TRUE((*m)->CreateSession(false).ok());
  EXPECT_EQ((*m)->CreateSession(false).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ((*m)->size(), 2u);
}

TEST(SessionManagerTest, NetworkNeedsThePolicy) {
  TempDir tmp;
  SessionOptions o = Options(tmp);
  auto m = SessionManager::Create(o);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->CreateSession(true).status().code(), StatusCode::kPermissionDenied);
  o.allow_network = true;
  o.workspace_root = tmp.path() / "root2";
  auto m2 = SessionManager::Create(o);
  ASSERT_TRUE(m2.ok());
  auto s = (*m2)->CreateSession(true);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->network_allowed());
}

TEST(SessionManagerTest, ConcurrentCallLimit) {
  TempDir tmp;
  auto m = SessionManager::Create(Options(tmp));
  ASSERT_TRUE(m.ok());
  auto s = (*m)->CreateSession(false);
  ASSERT_TRUE(s.ok());
  const std::string id = (*s)->id();
  auto a = (*m)->BeginCall(id);
  auto b = (*m)->BeginCall(id);
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = (*m)->BeginCall(id);
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ((*s)->active_calls(), 2);
  a = Status(StatusCode::kAborted, "end");
  EXPECT_TRUE((*m)->BeginCall(id).ok());
  EXPECT_EQ((*m)->BeginCall("nope").status().code(), StatusCode::kNotFound);
}

TEST(SessionManagerTest, IdleSessionsExpireButNotDuringACall) {
  TempDir tmp;
  SessionOptions o = Options(tmp);
  o.idle_timeout = milliseconds(100);
  auto m = SessionManager::Create(o);
  ASSERT_TRUE(m.ok());
  auto busy = (*m)->CreateSession(false);
  auto idle = (*m)->CreateSession(false);
  ASSERT_TRUE(busy.ok() && idle.ok());
  const fs::path idle_ws = (*idle)->workspace();
  const std::string idle_id = (*idle)->id();
  idle = Status(StatusCode::kAborted, "drop");
  auto lease = (*m)->BeginCall((*busy)->id());
  ASSERT_TRUE(lease.ok());
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ((*m)->Find(idle_id).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(idle_ws));
  EXPECT_TRUE((*m)->Find((*busy)->id()).ok());
}

TEST(SessionManagerTest, RejectsBadOptions) {
  TempDir tmp;
  SessionOptions o = Options(tmp);
  o.max_sessions = 0;
  EXPECT_EQ(SessionManager::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = Options(tmp);
  o.workspace_root.clear();
  EXPECT_EQ(SessionManager::Create(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::toolserver
