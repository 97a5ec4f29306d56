// Basic behaviour of Sandbox::Run with real processes: exit codes, signals,
// stdin, env, identity, the file view, errors and concurrency.
#include "toolserver/sandbox/sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <vector>

#include "common/testing/testdata.h"
#include "toolserver/sandbox/sandbox_test_util.h"

namespace sextant::toolserver::sandbox {
namespace {

TEST_F(SandboxTest, ReportsHostSupport) {
  EXPECT_TRUE(sandbox_->support().user_namespaces);
  EXPECT_FALSE(sandbox_->support().cgroup_note.empty());
  EXPECT_NE(sandbox_->support().host_uid, 0u);
}

TEST_F(SandboxTest, ExitCodeAndOutput) {
  RunResult result = Shell("echo out; echo err >&2; exit 3");
  EXPECT_EQ(result.termination, Termination::kExited);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.stdout_data, "out\n");
  EXPECT_EQ(result.stderr_data, "err\n");
  EXPECT_FALSE(result.stdout_truncated);
  EXPECT_EQ(Describe(result, Limits{}), "exited 3");
}

TEST_F(SandboxTest, SignalIsReported) {
  RunResult result = Shell("kill -TERM $$");
  EXPECT_EQ(result.termination, Termination::kSignaled);
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_EQ(Describe(result, Limits{}), "killed by signal 15 (SIGTERM)");
}

TEST_F(SandboxTest, StdinPassesThrough) {
  Spec spec = ShellSpec("cat; echo; wc -c");
  spec.stdin_data = "hello sandbox";
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_data, "hello sandbox\n0\n");
}

TEST_F(SandboxTest, LargeStdinIsFedWhileOutputDrains) {
  Spec spec;
  spec.argv = {"cat"};
  spec.workspace = workspace_.path();
  spec.stdin_data = std::string(3 * kMiB, 'x');
  spec.limits.max_output_bytes = 4 * kMiB;
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_data, spec.stdin_data);
}

TEST_F(SandboxTest, UnreadStdinDoesNotHurtTheCaller) {
  Spec spec = ShellSpec("exit 0");
  spec.stdin_data = std::string(4 * kMiB, 'y');
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kExited);
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(SandboxTest, EnvironmentIsMinimalPlusSpec) {
  Spec spec = ShellSpec("env | sort");
  spec.env = {{"GREETING", "hi there"}, {"LANG", "C"}};
  RunResult result = MustRun(spec);
  EXPECT_TRUE(testing::Contains(result.stdout_data, "GREETING=hi there\n"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "HOME=/workspace\n"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "TMPDIR=/tmp\n"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "LANG=C\n"));
  EXPECT_FALSE(testing::Contains(result.stdout_data, "LANG=C.UTF-8"));
  EXPECT_FALSE(testing::Contains(result.stdout_data, "SEXTANT_SOURCE_DIR"));
}

TEST_F(SandboxTest, RunsAsUnprivilegedUserWithoutCapabilities) {
  RunResult result = Shell("id -u; id -g; grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_TRUE(testing::Contains(result.stdout_data, "1000\n1000\n"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "CapEff:\t0000000000000000"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "CapPrm:\t0000000000000000"));
}

TEST_F(SandboxTest, WorkspaceIsWritableAndShared) {
  RunResult result = Shell("pwd; echo data > made.txt; mkdir sub && echo more > sub/x; ls");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_TRUE(testing::Contains(result.stdout_data, "/workspace\n"));
  EXPECT_EQ(testing::ReadFile(workspace_.path() / "made.txt"), "data\n");
  EXPECT_EQ(testing::ReadFile(workspace_.path() / "sub" / "x"), "more\n");

  testing::WriteFile(workspace_.path() / "from_host.txt", "host side\n");
  RunResult read = Shell("cat from_host.txt");
  EXPECT_EQ(read.stdout_data, "host side\n");
}

TEST_F(SandboxTest, FileViewIsPrivate) {
  RunResult result = Shell(
      "hostname; ls /; cat /etc/passwd | cut -d: -f1; echo t > /tmp/t && cat /tmp/t; "
      "ps -e -o pid= 2>/dev/null | wc -l || ls /proc | grep -c '^[0-9]'");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_TRUE(testing::Contains(result.stdout_data, "sandbox\n"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "workspace\n"));
  EXPECT_FALSE(testing::Contains(result.stdout_data, "root\nhome\n"));
  EXPECT_TRUE(testing::Contains(result.stdout_data, "t\n"));
}

TEST_F(SandboxTest, OnlyTheSandboxProcessesAreVisible) {
  RunResult result = Shell("ls /proc | grep -c '^[0-9][0-9]*$'");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  // init, sh, ls, grep.
  EXPECT_LE(std::stoi(result.stdout_data), 4);
}

TEST_F(SandboxTest, MissingCommandIsAClearError) {
  Spec spec;
  spec.argv = {"no-such-command-xyz"};
  spec.workspace = workspace_.path();
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kExited);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_TRUE(testing::Contains(result.stderr_data, "cannot execute 'no-such-command-xyz'"));
  EXPECT_TRUE(testing::Contains(result.stderr_data, "No such file or directory"));
}

TEST_F(SandboxTest, BadSpecsAreInvalidArgument) {
  Spec empty;
  empty.workspace = workspace_.path();
  EXPECT_EQ(sandbox_->Run(empty).status().code(), StatusCode::kInvalidArgument);

  Spec no_workspace = ShellSpec("true");
  no_workspace.workspace = workspace_.path() / "absent";
  EXPECT_EQ(sandbox_->Run(no_workspace).status().code(), StatusCode::kInvalidArgument);

  Spec relative = ShellSpec("true");
  relative.workspace = "relative/dir";
  EXPECT_EQ(sandbox_->Run(relative).status().code(), StatusCode::kInvalidArgument);

  Spec bad_env = ShellSpec("true");
  bad_env.env = {{"A=B", "c"}};
  EXPECT_EQ(sandbox_->Run(bad_env).status().code(), StatusCode::kInvalidArgument);

  Spec nul_arg = ShellSpec(std::string("echo a\0b", 8));
  EXPECT_EQ(sandbox_->Run(nul_arg).status().code(), StatusCode::kInvalidArgument);

  Spec zero_limit = ShellSpec("true");
  zero_limit.limits.max_open_files = 0;
  EXPECT_EQ(sandbox_->Run(zero_limit).status().code(), StatusCode::kInvalidArgument);
  ExpectStillWorks();
}

TEST(SandboxCreateTest, BadReadOnlyPathsAreRejected) {
  Options relative;
  relative.read_only_paths = {"usr"};
  EXPECT_EQ(Sandbox::Create(relative).status().code(), StatusCode::kInvalidArgument);
  Options root;
  root.read_only_paths = {"/"};
  EXPECT_EQ(Sandbox::Create(root).status().code(), StatusCode::kInvalidArgument);
  Options reserved;
  for (const char* path : {"/etc", "/tmp", "/proc/sys", "/workspace/x"}) {
    reserved.read_only_paths = {"/usr", path};
    EXPECT_EQ(Sandbox::Create(reserved).status().code(), StatusCode::kInvalidArgument) << path;
  }
}

TEST(SandboxCreateTest, ExtraReadOnlyPathIsVisibleAndReadOnly) {
  TempWorkspace extra;
  TempWorkspace workspace;
  testing::WriteFile(extra.path() / "note.txt", "shared\n");
  std::filesystem::permissions(
      extra.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                        std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                        std::filesystem::perms::others_exec);
  Options options;
  options.read_only_paths.push_back(extra.path());
  options.read_only_paths.push_back("/no/such/dir");
  auto sandbox = Sandbox::Create(options);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  Spec spec;
  spec.argv = {"/bin/sh", "-c",
               "cat " + (extra.path() / "note.txt").string() + "; echo x > " +
                   (extra.path() / "new.txt").string()};
  spec.workspace = workspace.path();
  auto result = (*sandbox)->Run(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stdout_data, "shared\n");
  EXPECT_NE(result->exit_code, 0);
  EXPECT_TRUE(testing::Contains(result->stderr_data, "Read-only file system"));
  EXPECT_FALSE(std::filesystem::exists(extra.path() / "new.txt"));
}

TEST_F(SandboxTest, InitCannotBeKilledFromInside) {
  RunResult result = Shell("kill -9 1; kill -TERM 1; sleep 0.1; echo alive");
  EXPECT_EQ(result.termination, Termination::kExited);
  EXPECT_EQ(result.stdout_data, "alive\n");
}

TEST_F(SandboxTest, PerRunCgroupsAreRemoved) {
  if (!sandbox_->support().cgroup_limits) {
    GTEST_SKIP() << "no cgroup limits here: " << sandbox_->support().cgroup_note;
  }
  std::filesystem::path dir = sandbox_->support().cgroup_dir;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  ExpectStillWorks();
  Spec spec = ShellSpec("sleep 5");
  spec.limits.wall_timeout = std::chrono::milliseconds(100);
  EXPECT_EQ(MustRun(spec).termination, Termination::kTimedOut);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_FALSE(entry.is_directory()) << "left behind: " << entry.path();
  }
  sandbox_.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(SandboxCreateTest, RunsWithoutCgroups) {
  Options options;
  options.cgroup_parent = "/nonexistent/cgroup";
  auto sandbox = Sandbox::Create(options);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  EXPECT_FALSE((*sandbox)->support().cgroup_limits);
  EXPECT_TRUE((*sandbox)->support().cgroup_dir.empty());
  EXPECT_TRUE(testing::Contains((*sandbox)->support().cgroup_note, "/nonexistent/cgroup"));
  TempWorkspace workspace;
  Spec spec;
  spec.argv = {"/bin/sh", "-c", "echo fine"};
  spec.workspace = workspace.path();
  auto result = (*sandbox)->Run(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stdout_data, "fine\n");
}

TEST(SandboxCreateTest, SetupFailureIsAClearError) {
  TempWorkspace extra;
  TempWorkspace workspace;
  std::filesystem::path gone = extra.path() / "gone";
  std::filesystem::create_directory(gone);
  Options options;
  options.read_only_paths = {"/usr", "/bin", "/lib", "/lib64", gone};
  auto sandbox = Sandbox::Create(options);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  std::filesystem::remove(gone);
  Spec spec;
  spec.argv = {"/bin/true"};
  spec.workspace = workspace.path();
  auto result = (*sandbox)->Run(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_EQ(result.status().message(),
            "sandbox setup failed: open bind source: No such file or directory");
}

TEST_F(SandboxTest, SixteenConcurrentRuns) {
  constexpr int kRuns = 16;
  std::vector<std::future<Result<RunResult>>> runs;
  std::vector<std::unique_ptr<TempWorkspace>> workspaces;
  for (int i = 0; i < kRuns; ++i) {
    workspaces.push_back(std::make_unique<TempWorkspace>());
    Spec spec;
    spec.argv = {"/bin/sh", "-c", "sleep 0.2; echo run-$0 > out.txt; cat out.txt",
                 std::to_string(i)};
    spec.workspace = workspaces.back()->path();
    runs.push_back(std::async(std::launch::async, [this, spec] { return sandbox_->Run(spec); }));
  }
  for (int i = 0; i < kRuns; ++i) {
    Result<RunResult> result = runs[i].get();
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->exit_code, 0) << result->stderr_data;
    EXPECT_EQ(result->stdout_data, "run-" + std::to_string(i) + "\n");
    EXPECT_EQ(testing::ReadFile(workspaces[i]->path() / "out.txt"), result->stdout_data);
  }
}

}  // namespace
}  // namespace sextant::toolserver::sandbox
