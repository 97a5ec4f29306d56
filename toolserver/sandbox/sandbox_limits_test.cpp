// Every field of Limits, each at a small value, with the run that follows
// still working.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>

#include "common/testing/testdata.h"
#include "toolserver/sandbox/sandbox.h"
#include "toolserver/sandbox/sandbox_test_util.h"

namespace sextant::toolserver::sandbox {
namespace {

using testing::Contains;

Spec Python(const std::filesystem::path& workspace, const std::string& code) {
  Spec spec;
  spec.argv = {"python3", "-c", code};
  spec.workspace = workspace;
  return spec;
}

TEST_F(SandboxTest, CpuLimit) {
  Spec spec = ShellSpec("while :; do :; done");
  spec.limits.cpu_seconds = 1;
  spec.limits.wall_timeout = std::chrono::milliseconds(20'000);
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kCpuLimit);
  EXPECT_EQ(Describe(result, spec.limits), "CPU time limit of 1 s reached");
  ExpectStillWorks();
}

TEST_F(SandboxTest, AddressSpaceLimit) {
  Spec spec = Python(workspace_.path(),
                     "try:\n  b = bytearray(512 << 20)\n  print('allocated')\n"
                     "except MemoryError:\n  print('MemoryError')\n");
  spec.limits.address_space_bytes = 256 * kMiB;
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_EQ(result.stdout_data, "MemoryError\n");
  ExpectStillWorks();
}

TEST_F(SandboxTest, MemoryLimitThroughCgroup) {
  if (!sandbox_->support().cgroup_limits) {
    GTEST_SKIP() << "no cgroup limits here: " << sandbox_->support().cgroup_note;
  }
  Spec spec = Python(workspace_.path(), "b = b'x' * (512 << 20)\nprint('allocated')\n");
  spec.limits.memory_bytes = 64 * kMiB;
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kMemoryLimit);
  EXPECT_FALSE(Contains(result.stdout_data, "allocated"));
  EXPECT_EQ(Describe(result, spec.limits), "memory limit of 64 MiB reached");
  ExpectStillWorks();
}

TEST_F(SandboxTest, MaxProcessesLimit) {
  Spec spec = ShellSpec("for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo end");
  spec.limits.max_processes = 6;
  spec.limits.max_pids = 1000;
  RunResult result = MustRun(spec);
  EXPECT_TRUE(Contains(result.stderr_data, "fork") ||
              Contains(result.stderr_data, "Resource temporarily unavailable"))
      << result.stderr_data;
  ExpectStillWorks();
}

TEST_F(SandboxTest, MaxPidsLimitThroughCgroup) {
  if (!sandbox_->support().cgroup_limits) {
    GTEST_SKIP() << "no cgroup limits here: " << sandbox_->support().cgroup_note;
  }
  Spec spec = ShellSpec("for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo end");
  spec.limits.max_processes = 1000;
  spec.limits.max_pids = 6;
  RunResult result = MustRun(spec);
  EXPECT_TRUE(Contains(result.stderr_data, "fork") ||
              Contains(result.stderr_data, "Resource temporarily unavailable"))
      << result.stderr_data;
  ExpectStillWorks();
}

TEST_F(SandboxTest, FileSizeLimit) {
  Spec spec = ShellSpec("head -c 2000000 /dev/zero > big.bin");
  spec.limits.max_file_size_bytes = 1000000;
  RunResult result = MustRun(spec);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(std::filesystem::file_size(workspace_.path() / "big.bin"), 1000000u);
  ExpectStillWorks();
}

TEST_F(SandboxTest, OpenFilesLimit) {
  Spec spec = Python(workspace_.path(),
                     "import os\nfds = []\ntry:\n"
                     "  while True: fds.append(os.open('/dev/null', os.O_RDONLY))\n"
                     "except OSError as e:\n  print(len(fds) < 40, e.strerror)\n");
  spec.limits.max_open_files = 40;
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_EQ(result.stdout_data, "True Too many open files\n");
  ExpectStillWorks();
}

TEST_F(SandboxTest, OutputLimitPerStream) {
  Spec spec = ShellSpec("printf '%0100d' 0; printf '%050d' 0 >&2");
  spec.limits.max_output_bytes = 60;
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_data, std::string(60, '0') + kTruncationMarker);
  EXPECT_FALSE(result.stderr_truncated);
  EXPECT_EQ(result.stderr_data, std::string(50, '0'));
  ExpectStillWorks();
}

TEST_F(SandboxTest, WallTimeoutKillsTheWholeSandbox) {
  Spec spec = ShellSpec("(sleep 20; echo late > late.txt) & sleep 20");
  spec.limits.wall_timeout = std::chrono::milliseconds(200);
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kTimedOut);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_LT(result.duration, std::chrono::milliseconds(10'000));
  EXPECT_FALSE(std::filesystem::exists(workspace_.path() / "late.txt"));
  ExpectStillWorks();
}

TEST_F(SandboxTest, TmpSizeLimit) {
  Spec spec = ShellSpec("head -c 3000000 /dev/zero > /tmp/fill");
  spec.limits.tmp_bytes = 1 * kMiB;
  RunResult result = MustRun(spec);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_TRUE(Contains(result.stderr_data, "No space left on device")) << result.stderr_data;
  ExpectStillWorks();
}

}  // namespace
}  // namespace sextant::toolserver::sandbox
