// A real `sextant toolserver` process on loopback with the real sandbox: the
// escapes and abuses of issue 5 each get a clear error, the server keeps
// serving, and another session is unaffected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <tuple>
#include <utility>

#include <gtest/gtest.h>

#include "common/http_client.h"
#include "common/testing/testdata.h"
#include "toolserver/client.h"
#include "toolserver/server_process_test_util.h"

namespace sextant::toolserver {
namespace {

namespace fs = std::filesystem;
using sextant::testing::Contains;
using sextant::testing::TempDir;
using sextant::testing::WriteFile;
using std::chrono::milliseconds;

constexpr char kToken[] = "integration-token-42";
constexpr int kSessions = 64;

using sextant::toolserver::testing::ServerProcess;

// The server process, shared by the tests of this file, with tight limits.
std::vector<std::string> ServerSets(const fs::path& dir) {
  return {"toolserver.sandbox_memory_mb=128",
          "toolserver.sandbox_address_space_mb=512",
          "toolserver.sandbox_max_pids=32",
          "toolserver.sandbox_cpu_seconds=5",
          "toolserver.max_output_bytes=65536",
          "toolserver.max_sessions=80",
          "toolserver.worker_threads=16",
          "toolserver.max_concurrent_calls_per_session=2",
          "toolserver.max_body_bytes=65536",
          "toolserver.audit_log=" + (dir / "audit.jsonl").string()};
}

class ToolServerIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    server_ = new ServerProcess(tmp_->path(), kToken, ServerSets(tmp_->path()));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }
  void SetUp() override {
    ASSERT_FALSE(server_->url().empty()) << "the server did not start";
    client_ = std::make_unique<ToolServerClient>(
        ClientOptions{server_->url(), kToken, {}, milliseconds(5000)});
    auto witness = client_->OpenSession();
    ASSERT_TRUE(witness.ok()) << witness.status().ToString();
    witness_ = *witness;
    auto s = client_->OpenSession();
    ASSERT_TRUE(s.ok());
    session_ = *s;
    ASSERT_TRUE(Run(witness_, "file_write", {{"path", "mine.txt"}, {"content", "witness"}}).ok);
  }
  void TearDown() override {
    // The server still serves, and the other session is untouched.
    ASSERT_TRUE(client_->Health().ok());
    CallResult r = Run(witness_, "shell_run", {{"command", "cat mine.txt"}});
    EXPECT_TRUE(r.ok) << r.error_message;
    EXPECT_EQ(Stdout(r), "witness");
    EXPECT_TRUE(client_->CloseSession(witness_).ok());
    EXPECT_TRUE(client_->CloseSession(session_).ok());
  }
  CallResult Run(const std::string& session, const std::string& name, const Json& args,
                 milliseconds timeout = milliseconds(20000)) {
    auto r = client_->Call(session, name, args, std::chrono::steady_clock::now() + timeout);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CallResult{};
  }
  CallResult Shell(const std::string& command, double timeout_s = 10) {
    return Run(session_, "shell_run", {{"command", command}, {"timeout_s", timeout_s}});
  }
  static std::string Stdout(const CallResult& r) {
    return r.data.is_object() ? r.data.value("stdout", "") : "";
  }
  // Whether the call failed or the command exited non-zero.
  static bool Failed(const CallResult& r) {
    return !r.ok || !r.data.is_object() || r.data.value("exit_code", 0) != 0 ||
           r.data.value("termination", "") != "exited";
  }

  static TempDir* tmp_;
  static ServerProcess* server_;
  std::unique_ptr<ToolServerClient> client_;
  std::string witness_;
  std::string session_;
};

TempDir* ToolServerIntegrationTest::tmp_ = nullptr;
ServerProcess* ToolServerIntegrationTest::server_ = nullptr;

TEST_F(ToolServerIntegrationTest, ShadowAndRootAreOutOfReach) {
  EXPECT_EQ(Run(session_, "file_read", {{"path", "/etc/shadow"}}).error_code, "permission_denied");
  EXPECT_EQ(Run(session_, "file_list", {{"path", "/root"}}).error_code, "permission_denied");
  CallResult cat = Shell("cat /etc/shadow");
  EXPECT_TRUE(Failed(cat));
  EXPECT_FALSE(Contains(Stdout(cat), "root:"));
  EXPECT_TRUE(Failed(Shell("ls /root")));
}

TEST_F(ToolServerIntegrationTest, WritesOutsideTheWorkspaceFail) {
  const fs::path outside = tmp_->path() / "outside";
  fs::create_directories(outside);
  EXPECT_EQ(Run(session_, "file_write", {{"path", (outside / "f").string()}, {"content", "x"}})
                .error_code,
            "permission_denied");
  EXPECT_EQ(Run(session_, "file_write", {{"path", "../../outside/f"}, {"content", "x"}}).error_code,
            "permission_denied");
  EXPECT_TRUE(Failed(Shell("echo x > " + (outside / "f").string())));
  EXPECT_TRUE(Failed(Shell("echo x > /usr/evil")));
  EXPECT_TRUE(Failed(Shell("echo x > /etc/evil")));
  EXPECT_FALSE(fs::exists(outside / "f"));
  EXPECT_FALSE(fs::exists("/usr/evil"));
}

TEST_F(ToolServerIntegrationTest, CannotKillAHostProcess) {
  const pid_t victim = ::fork();
  if (victim == 0) {
    ::pause();
    ::_exit(0);
  }
  CallResult r = Shell("kill -9 " + std::to_string(victim) + " " + std::to_string(server_->pid()));
  EXPECT_TRUE(Failed(r));
  std::this_thread::sleep_for(milliseconds(100));
  int status = 0;
  EXPECT_EQ(::waitpid(victim, &status, WNOHANG), 0) << "the host process died";
  ::kill(victim, SIGKILL);
  ::waitpid(victim, &status, 0);
}

TEST_F(ToolServerIntegrationTest, ForkBombIsContained) {
  const auto start = std::chrono::steady_clock::now();
  CallResult r = Shell("bomb() { bomb | bomb & }; bomb; sleep 30", 2);
  EXPECT_EQ(r.error_code, "deadline_exceeded");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(Shell("echo alive").ok);
}

TEST_F(ToolServerIntegrationTest, MemoryBombIsContained) {
  CallResult r = Run(session_, "python_run",
                     {{"code", "x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))"},
                      {"timeout_s", 10}});
  EXPECT_TRUE(Failed(r));
  EXPECT_FALSE(r.error_message.empty() && r.data.is_object() && r.data.value("stderr", "").empty());
}

TEST_F(ToolServerIntegrationTest, InfiniteLoopTimesOut) {
  const auto start = std::chrono::steady_clock::now();
  CallResult r = Shell("while true; do :; done", 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "deadline_exceeded");
  EXPECT_TRUE(Contains(r.error_message, "timed out"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(ToolServerIntegrationTest, NoNetworkToALoopbackServer) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  CallResult r = Run(session_, "python_run",
                     {{"code", "import socket\nsocket.create_connection(('127.0.0.1', " +
                                   std::to_string(port) + "), timeout=3)\nprint('connected')"}});
  EXPECT_TRUE(Failed(r));
  EXPECT_FALSE(Contains(Stdout(r), "connected"));
  pollfd p{listener, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "a connection reached the test's listener";
  ::close(listener);
}

TEST_F(ToolServerIntegrationTest, HugeOutputIsCapped) {
  CallResult r = Shell("head -c 50000000 /dev/zero | tr '\\0' a");
  ASSERT_TRUE(r.ok) << r.error_message;
  EXPECT_TRUE(r.data["stdout_truncated"].get<bool>());
  EXPECT_LE(r.content.size(), 65536u + 4096u);
  EXPECT_TRUE(Contains(r.content, "[output truncated]"));
}

TEST_F(ToolServerIntegrationTest, SymlinkEscapesFail) {
  ASSERT_TRUE(Run(witness_, "file_write", {{"path", "secret"}, {"content", "WITNESS-SECRET"}}).ok);
  const fs::path other_ws = tmp_->path() / "workspaces" / witness_;
  ASSERT_TRUE(fs::exists(other_ws / "secret"));
  CallResult made =
      Shell("ln -s /etc/passwd p && ln -s " + other_ws.string() + " other && ln -s / r");
  ASSERT_TRUE(made.ok) << made.error_message;
  EXPECT_EQ(Run(session_, "file_read", {{"path", "p"}}).error_code, "permission_denied");
  EXPECT_EQ(Run(session_, "file_read", {{"path", "other/secret"}}).error_code, "permission_denied");
  EXPECT_EQ(Run(session_, "file_list", {{"path", "r/etc"}}).error_code, "permission_denied");
  CallResult cat = Shell("cat other/secret; cat " + (other_ws / "secret").string());
  EXPECT_TRUE(Failed(cat));
  EXPECT_FALSE(Contains(Stdout(cat), "WITNESS-SECRET"));
}

TEST_F(ToolServerIntegrationTest, WrongTokenMalformedAndOversize) {
  HttpClient http;
  auto send = [&](std::string method, std::string path, std::string body, std::string token) {
    HttpCall c;
    c.method = std::move(method);
    c.url = server_->url() + path;
    c.body = std::move(body);
    if (!token.empty()) c.headers.emplace_back("Authorization", "Bearer " + token);
    auto r = http.Send(c);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->status : 0L;
  };
  const std::string call = "/v1/sessions/" + session_ + "/call";
  EXPECT_EQ(send("POST", call, R"({"name":"file_list"})", "wrong"), 401);
  EXPECT_EQ(send("POST", call, R"({"name":"file_list"})", ""), 401);
  EXPECT_EQ(send("POST", call, "{{{", kToken), 400);
  EXPECT_EQ(send("POST", call, std::string(70000, 'x'), kToken), 413);
  EXPECT_EQ(send("GET", "/v1/nothing", "", kToken), 404);
}

TEST_F(ToolServerIntegrationTest, SixtyFourSessionsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < kSessions; ++i) {
    threads.emplace_back([&, i] {
      auto s = client_->OpenSession();
      if (!s.ok()) return;
      auto r = client_->Call(*s, "shell_run", {{"command", "echo session-" + std::to_string(i)}},
                             std::chrono::steady_clock::now() + milliseconds(30000));
      if (r.ok() && r->ok && r->data.value("stdout", "") == "session-" + std::to_string(i) + "\n") {
        good.fetch_add(1);
      }
      (void)client_->CloseSession(*s).ok();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kSessions);
}

// Runs the binary with `args`, returning its exit status and output.
std::pair<int, std::string> RunCli(const std::string& args) {
  const std::string command = std::string(SEXTANT_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(ToolServerCliTest, BadFlagsGiveClearErrors) {
  TempDir tmp;
  WriteFile(tmp.path() / "token", "t0ken-value\n");
  WriteFile(tmp.path() / "empty", "\n");
  const std::string ws = " --workspace-root " + (tmp.path() / "ws").string();
  auto [code, out] = RunCli("toolserver --listen 127.0.0.1:0" + ws);
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(Contains(out, "--token-file")) << out;
  std::tie(code, out) = RunCli("toolserver --listen 127.0.0.1:0 --token-file " +
                               (tmp.path() / "empty").string() + ws);
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(Contains(out, "is empty")) << out;
  std::tie(code, out) =
      RunCli("toolserver --listen nowhere --token-file " + (tmp.path() / "token").string() + ws);
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(Contains(out, "HOST:PORT")) << out;
  std::tie(code, out) =
      RunCli("toolserver --listen 127.0.0.1:0 --token-file " + (tmp.path() / "token").string());
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(Contains(out, "--workspace-root")) << out;
  WriteFile(tmp.path() / "plugins.json", "{not json");
  std::tie(code, out) =
      RunCli("toolserver --listen 127.0.0.1:0 --token-file " + (tmp.path() / "token").string() +
             ws + " --plugins " + (tmp.path() / "plugins.json").string());
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(Contains(out, "error:")) << out;
}

// A manifest tool given with --plugins joins the built-in tools, and its
// arguments reach the command intact, never through a shell.
TEST(ToolServerPluginsTest, ManifestToolsJoinTheRegistry) {
  TempDir tmp;
  const Json manifest = {
      {"name", "echo_text"},
      {"description", "Prints its text argument"},
      {"parameters",
       {{"type", "object"},
        {"properties", {{"text", {{"type", "string"}}}}},
        {"required", {"text"}}}},
      {"command",
       {"python3", "-c", "import json, sys; print(json.loads(sys.argv[1])['text'], end='')"}}};
  WriteFile(tmp.path() / "echo.json", DumpJson(manifest));
  WriteFile(tmp.path() / "plugins.json", DumpJson({{"manifests", {"echo.json"}}}));
  ServerProcess server(tmp.path(), kToken, ServerSets(tmp.path()),
                       {"--plugins", (tmp.path() / "plugins.json").string()});
  ASSERT_FALSE(server.url().empty());
  ToolServerClient client(ClientOptions{server.url(), kToken, {}, milliseconds(5000)});
  auto tools = client.ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status().ToString();
  bool listed = false;
  for (const ToolSpec& t : *tools) listed = listed || t.name == "echo_text";
  EXPECT_TRUE(listed);
  EXPECT_EQ(tools->size(), 9u);  // 6 built-in, web_search, web_browse and the manifest tool
  auto session = client.OpenSession();
  ASSERT_TRUE(session.ok());
  const std::string nasty = "$(touch pwned); `id` && echo hi | cat; 'q\"";
  auto r = client.Call(*session, "echo_text", {{"text", nasty}},
                       std::chrono::steady_clock::now() + milliseconds(20000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok) << r->error_message;
  EXPECT_EQ(r->content, nasty);
  auto listing = client.Call(*session, "file_list", Json::object(),
                             std::chrono::steady_clock::now() + milliseconds(5000));
  ASSERT_TRUE(listing.ok());
  EXPECT_FALSE(Contains(listing->content, "pwned"));
  auto bad = client.Call(*session, "echo_text", {{"text", 5}},
                         std::chrono::steady_clock::now() + milliseconds(5000));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->error_code, "invalid_arguments");
}

}  // namespace
}  // namespace sextant::toolserver
