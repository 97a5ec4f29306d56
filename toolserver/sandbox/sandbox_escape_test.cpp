// Escape attempts against the sandbox, each with a clear outcome and a
// normal run working afterwards.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/testing/testdata.h"
#include "toolserver/sandbox/sandbox.h"
#include "toolserver/sandbox/sandbox_test_util.h"

namespace sextant::toolserver::sandbox {
namespace {

using testing::Contains;

TEST_F(SandboxTest, CannotReadShadowOrRoot) {
  RunResult shadow = Shell("cat /etc/shadow");
  EXPECT_NE(shadow.exit_code, 0);
  EXPECT_TRUE(Contains(shadow.stderr_data, "No such file or directory")) << shadow.stderr_data;
  EXPECT_TRUE(shadow.stdout_data.empty());

  RunResult root = Shell("ls -a /root");
  EXPECT_NE(root.exit_code, 0);
  EXPECT_TRUE(root.stdout_data.empty());
  ExpectStillWorks();
}

TEST_F(SandboxTest, CannotWriteOutsideWorkspace) {
  for (const char* target : {"/usr/pwned", "/bin/pwned", "/pwned", "/etc/passwd", "/dev/pwned"}) {
    RunResult result = Shell(std::string("echo x > ") + target);
    EXPECT_NE(result.exit_code, 0) << target;
    EXPECT_TRUE(Contains(result.stderr_data, "Read-only file system") ||
                Contains(result.stderr_data, "Permission denied"))
        << target << ": " << result.stderr_data;
  }
  EXPECT_FALSE(std::filesystem::exists("/usr/pwned"));
  EXPECT_FALSE(std::filesystem::exists("/pwned"));
  ExpectStillWorks();
}

TEST_F(SandboxTest, CannotKillAHostProcess) {
  pid_t sleeper = fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  RunResult result = Shell("kill -9 " + std::to_string(sleeper));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_TRUE(Contains(result.stderr_data, "No such process")) << result.stderr_data;
  int status = 0;
  EXPECT_EQ(waitpid(sleeper, &status, WNOHANG), 0) << "the host process died";
  kill(sleeper, SIGKILL);
  waitpid(sleeper, &status, 0);
  ExpectStillWorks();
}

TEST_F(SandboxTest, SymlinkToHostFileReadsNothingOfTheHost) {
  std::filesystem::create_symlink("/etc/shadow", workspace_.path() / "shadow");
  std::filesystem::create_symlink("/root", workspace_.path() / "rootdir");
  RunResult shadow = Shell("cat shadow");
  EXPECT_NE(shadow.exit_code, 0);
  EXPECT_TRUE(shadow.stdout_data.empty()) << shadow.stdout_data;
  EXPECT_TRUE(Contains(shadow.stderr_data, "No such file or directory")) << shadow.stderr_data;
  RunResult root = Shell("ls -a rootdir/");
  EXPECT_NE(root.exit_code, 0);
  EXPECT_TRUE(root.stdout_data.empty()) << root.stdout_data;
  ExpectStillWorks();
}

TEST_F(SandboxTest, NetworkOffCannotReachHostLoopback) {
  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(server, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string port = std::to_string(ntohs(addr.sin_port));
  std::string code = "import socket\nsocket.create_connection(('127.0.0.1', " + port +
                     "), timeout=3)\nprint('connected')\n";

  Spec off;
  off.argv = {"python3", "-c", code};
  off.workspace = workspace_.path();
  RunResult blocked = MustRun(off);
  EXPECT_NE(blocked.exit_code, 0);
  EXPECT_FALSE(Contains(blocked.stdout_data, "connected"));
  EXPECT_TRUE(Contains(blocked.stderr_data, "unreachable") ||
              Contains(blocked.stderr_data, "refused"))
      << blocked.stderr_data;

  Spec host = off;
  host.network = Network::kHost;
  RunResult allowed = MustRun(host);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.stderr_data;
  EXPECT_EQ(allowed.stdout_data, "connected\n");
  close(server);
  ExpectStillWorks();
}

TEST_F(SandboxTest, SeccompDeniesMountUnshareAndPtrace) {
  RunResult unshare = Shell("unshare -U true");
  EXPECT_NE(unshare.exit_code, 0);
  EXPECT_TRUE(Contains(unshare.stderr_data, "Operation not permitted")) << unshare.stderr_data;

  Spec spec;
  spec.argv = {"python3", "-c",
               "import ctypes, os\n"
               "libc = ctypes.CDLL(None, use_errno=True)\n"
               "r = libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)\n"
               "print('mount', r, os.strerror(ctypes.get_errno()))\n"
               "r = libc.ptrace(0, 0, None, None)\n"
               "print('ptrace', r, os.strerror(ctypes.get_errno()))\n"
               "r = libc.unshare(0x10000000)\n"
               "print('unshare', r, os.strerror(ctypes.get_errno()))\n"
               "r = libc.syscall(250, 0, 0, 0, 0, 0)\n"  // keyctl
               "print('keyctl', r, os.strerror(ctypes.get_errno()))\n"};
  spec.workspace = workspace_.path();
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_data;
  EXPECT_EQ(result.stdout_data,
            "mount -1 Operation not permitted\n"
            "ptrace -1 Operation not permitted\n"
            "unshare -1 Operation not permitted\n"
            "keyctl -1 Operation not permitted\n");
  ExpectStillWorks();
}

TEST_F(SandboxTest, ForkBombIsBoundedAndEndedByTheTimeout) {
  Spec spec = ShellSpec("bomb() { bomb | bomb & }; bomb; sleep 30");
  spec.limits.wall_timeout = std::chrono::milliseconds(1500);
  spec.limits.max_processes = 32;
  spec.limits.max_pids = 48;
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kTimedOut);
  EXPECT_LT(result.duration, std::chrono::milliseconds(10'000));
  ExpectStillWorks();
}

TEST_F(SandboxTest, InfiniteLoopTimesOut) {
  Spec spec = ShellSpec("while true; do :; done");
  spec.limits.wall_timeout = std::chrono::milliseconds(300);
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kTimedOut);
  EXPECT_EQ(Describe(result, spec.limits), "timed out after 300 ms");
  EXPECT_GE(result.duration, std::chrono::milliseconds(300));
  ExpectStillWorks();
}

TEST_F(SandboxTest, FiftyMegabytesOfOutputAreTruncated) {
  Spec spec = ShellSpec("head -c 50000000 /dev/zero | tr '\\0' a; echo done >&2");
  RunResult result = MustRun(spec);
  EXPECT_EQ(result.termination, Termination::kExited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_data, std::string(spec.limits.max_output_bytes, 'a') + kTruncationMarker);
  EXPECT_EQ(result.stderr_data, "done\n");
  EXPECT_TRUE(Contains(Describe(result, spec.limits), "stdout truncated"));
  ExpectStillWorks();
}

TEST_F(SandboxTest, BackgroundProcessesDieWithTheCommand) {
  RunResult result = Shell("(sleep 30; echo late > late.txt) & echo started");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_data, "started\n");
  EXPECT_LT(result.duration, std::chrono::milliseconds(10'000));
  EXPECT_FALSE(std::filesystem::exists(workspace_.path() / "late.txt"));
}

}  // namespace
}  // namespace sextant::toolserver::sandbox
