// The ToolServer in process, over loopback, through the real client.
#include "toolserver/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/http_client.h"
#include "common/testing/testdata.h"
#include "toolserver/client.h"

namespace sextant::toolserver {
namespace {

namespace fs = std::filesystem;
using sextant::testing::ReadFile;
using sextant::testing::TempDir;
using std::chrono::milliseconds;

constexpr char kToken[] = "test-token-0123456789";

class ToolServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ToolServerOptions o;
    o.http.bearer_token = kToken;
    o.http.max_body_bytes = 4096;
    o.sessions.workspace_root = tmp_.path() / "ws";
    o.sessions.max_sessions = 3;
    o.sessions.max_concurrent_calls = 1;
    o.worker_threads = 4;
    o.max_file_bytes = 1024;
    o.files.max_read_bytes = 512;
    o.exec.limits.wall_timeout = milliseconds(5000);
    o.audit_log = tmp_.path() / "audit.jsonl";
    auto registry = std::make_unique<ToolRegistry>();
    ASSERT_TRUE(AddBuiltinTools(*registry, o).ok());
    auto sb = sandbox::Sandbox::Create({});
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    auto server = ToolServer::Start(o, std::move(registry), std::move(sb).value());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    base_ = "http://" + server_->address();
    client_ =
        std::make_unique<ToolServerClient>(ClientOptions{base_, kToken, {}, milliseconds(5000)});
  }

  HttpReply Raw(std::string method, std::string path, std::string body = "",
                std::string token = kToken) {
    HttpCall call;
    call.method = std::move(method);
    call.url = base_ + path;
    call.body = std::move(body);
    if (!token.empty()) call.headers.emplace_back("Authorization", "Bearer " + token);
    auto reply = http_.Send(call);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : HttpReply{};
  }
  static std::string ErrorCode(const HttpReply& reply) {
    auto j = ParseJson(reply.body);
    return j.ok() && j->contains("error") ? (*j)["error"].value("code", "") : "";
  }
  CallResult Call(const std::string& session, const std::string& name, const Json& args) {
    auto r =
        client_->Call(session, name, args, std::chrono::steady_clock::now() + milliseconds(10000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CallResult{};
  }

  TempDir tmp_;
  std::unique_ptr<ToolServer> server_;
  std::string base_;
  std::unique_ptr<ToolServerClient> client_;
  HttpClient http_;
};

TEST_F(ToolServerTest, HealthNeedsNoTokenButEverythingElseDoes) {
  EXPECT_EQ(Raw("GET", "/v1/health", "", "").status, 200);
  auto tools = Raw("GET", "/v1/tools", "", "");
  EXPECT_EQ(tools.status, 401);
  EXPECT_EQ(ErrorCode(tools), "unauthorized");
  EXPECT_EQ(Raw("GET", "/v1/tools", "", "wrong-token").status, 401);
  EXPECT_EQ(Raw("POST", "/v1/sessions", "{}", "wrong-token").status, 401);
  auto health = client_->Health();
  ASSERT_TRUE(health.ok());
  EXPECT_EQ((*health)["status"], "ok");
}

TEST_F(ToolServerTest, ListsTheBuiltinTools) {
  auto tools = client_->ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status().ToString();
  std::vector<std::string> names;
  for (const ToolSpec& t : *tools) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"file_edit", "file_list", "file_read", "file_write",
                                             "python_run", "shell_run"}));
  EXPECT_EQ((*tools)[0].parameters["type"], "object");
}

TEST_F(ToolServerTest, SessionsAndFileTools) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  CallResult w = Call(*s, "file_write", {{"path", "dir/a.txt"}, {"content", "hi there"}});
  EXPECT_TRUE(w.ok) << w.error_message;
  CallResult r = Call(*s, "file_read", {{"path", "dir/a.txt"}});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.content, "hi there");
  EXPECT_GE(r.duration_ms, 0);
  CallResult sh = Call(*s, "shell_run", {{"command", "cat dir/a.txt; echo; echo err >&2"}});
  EXPECT_TRUE(sh.ok) << sh.error_message;
  EXPECT_EQ(sh.data["stdout"], "hi there\n");
  EXPECT_EQ(sh.data["stderr"], "err\n");
  EXPECT_EQ(sh.data["exit_code"], 0);
  CallResult py = Call(*s, "python_run", {{"code", "print(6*7)"}});
  EXPECT_TRUE(py.ok) << py.error_message;
  EXPECT_EQ(py.data["stdout"], "42\n");
  EXPECT_TRUE(client_->CloseSession(*s).ok());
  EXPECT_EQ(client_->CloseSession(*s).code(), StatusCode::kNotFound);
  auto gone = client_->Call(*s, "file_list", Json::object(),
                            std::chrono::steady_clock::now() + milliseconds(1000));
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("session_not_found"), std::string::npos);
}

TEST_F(ToolServerTest, SchemaErrorsNameTheArgument) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok());
  CallResult wrong = Call(*s, "file_read", {{"path", 5}});
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.error_code, "invalid_arguments");
  EXPECT_EQ(wrong.error["pointer"], "/path");
  EXPECT_NE(wrong.error_message.find("arguments/path"), std::string::npos);
  CallResult missing = Call(*s, "file_write", {{"path", "x"}});
  EXPECT_EQ(missing.error_code, "invalid_arguments");
  EXPECT_NE(missing.error_message.find("content"), std::string::npos);
  CallResult extra = Call(*s, "file_list", {{"path", "."}, {"recursive", true}});
  EXPECT_EQ(extra.error_code, "invalid_arguments");
  EXPECT_NE(extra.error_message.find("recursive"), std::string::npos);
  CallResult unknown = Call(*s, "rm_rf", Json::object());
  EXPECT_EQ(unknown.error_code, "unknown_tool");
  CallResult denied = Call(*s, "file_read", {{"path", "/etc/shadow"}});
  EXPECT_EQ(denied.error_code, "permission_denied");
}

TEST_F(ToolServerTest, MalformedAndOversizeRequests) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok());
  const std::string call = "/v1/sessions/" + *s + "/call";
  EXPECT_EQ(ErrorCode(Raw("POST", call, "{not json")), "invalid_request");
  EXPECT_EQ(ErrorCode(Raw("POST", call, "[1]")), "invalid_request");
  EXPECT_EQ(ErrorCode(Raw("POST", call, R"({"arguments":{}})")), "invalid_request");
  EXPECT_EQ(ErrorCode(Raw("POST", call, R"({"name":"file_list","arguments":[]})")),
            "invalid_request");
  EXPECT_EQ(ErrorCode(Raw("POST", call, R"({"name":"file_list","timeout_ms":"x"})")),
            "invalid_request");
  auto big = Raw("POST", call, std::string(5000, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(ErrorCode(big), "payload_too_large");
  EXPECT_EQ(ErrorCode(Raw("POST", "/v1/sessions", R"({"network": true})")), "network_not_allowed");
  EXPECT_EQ(ErrorCode(Raw("POST", "/v1/sessions", R"({"network": 1})")), "invalid_request");
  EXPECT_EQ(Raw("GET", "/v1/sessions/nope/files/a").status, 404);
  EXPECT_EQ(client_->Health().ok(), true);
}

TEST_F(ToolServerTest, MaxSessionsGives429) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client_->OpenSession().ok());
  auto reply = Raw("POST", "/v1/sessions", "{}");
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(ErrorCode(reply), "too_many_sessions");
}

TEST_F(ToolServerTest, ConcurrentCallLimitGives429) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok());
  std::thread slow([&] { Call(*s, "shell_run", {{"command", "sleep 1"}}); });
  std::this_thread::sleep_for(milliseconds(300));
  auto reply = Raw("POST", "/v1/sessions/" + *s + "/call", R"({"name":"file_list"})");
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(ErrorCode(reply), "too_many_calls");
  slow.join();
  EXPECT_TRUE(Call(*s, "file_list", Json::object()).ok);
}

TEST_F(ToolServerTest, TimeoutMsBoundsTheCall) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok());
  auto r = client_->Call(*s, "shell_run", {{"command", "sleep 10"}},
                         std::chrono::steady_clock::now() + milliseconds(500));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error_code, "deadline_exceeded");
  EXPECT_LT(r->duration_ms, 3000);
}

TEST_F(ToolServerTest, UploadAndDownload) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(client_->PutFile(*s, "up/data.bin", std::string("a\0b", 3)).ok());
  auto back = client_->GetFile(*s, "up/data.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, std::string("a\0b", 3));
  CallResult sh = Call(*s, "shell_run", {{"command", "wc -c < up/data.bin"}});
  EXPECT_EQ(sh.data["stdout"], "3\n");

  const std::string files = "/v1/sessions/" + *s + "/files/";
  EXPECT_EQ(Raw("GET", files + "missing").status, 404);
  auto escape = Raw("GET", files + "%2E%2E/%2E%2E/etc/passwd");
  EXPECT_EQ(escape.status, 403);
  EXPECT_EQ(ErrorCode(escape), "permission_denied");
  EXPECT_EQ(Raw("PUT", files + "%2E%2E/evil", "x").status, 403);
  EXPECT_FALSE(fs::exists(tmp_.path() / "ws" / "evil"));
  EXPECT_EQ(Raw("GET", files + "%2Fetc%2Fshadow").status, 403);
  ASSERT_TRUE(Call(*s, "shell_run", {{"command", "ln -s /etc/passwd leak"}}).ok);
  EXPECT_EQ(Raw("GET", files + "leak").status, 403);

  auto over = Raw("PUT", files + "big", std::string(2000, 'x'));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(ErrorCode(over), "payload_too_large");
  CallResult make_big = Call(*s, "shell_run", {{"command", "head -c 2000 /dev/zero > big"}});
  EXPECT_TRUE(make_big.ok);
  EXPECT_EQ(Raw("GET", files + "big").status, 413);
}

TEST_F(ToolServerTest, AuditLogRecordsCallsWithSecretsRedacted) {
  auto s = client_->OpenSession();
  ASSERT_TRUE(s.ok());
  Call(*s, "shell_run", {{"command", "echo 'Authorization: Bearer sk-abcdef1234567890'"}});
  Call(*s, "file_read", {{"path", 7}});
  server_->Shutdown(milliseconds(1000));
  const std::string text = ReadFile(tmp_.path() / "audit.jsonl");
  EXPECT_EQ(text.find("sk-abcdef1234567890"), std::string::npos);
  std::istringstream lines(text);
  std::vector<Json> records;
  for (std::string line; std::getline(lines, line);) {
    auto j = ParseJson(line);
    ASSERT_TRUE(j.ok()) << line;
    records.push_back(*j);
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["session"], *s);
  EXPECT_EQ(records[0]["tool"], "shell_run");
  EXPECT_EQ(records[0]["outcome"], "ok");
  EXPECT_TRUE(records[0]["duration_ms"].is_number_integer());
  EXPECT_EQ(records[1]["outcome"], "error");
  EXPECT_EQ(records[1]["error"], "invalid_arguments");
}

// Network is per session: on only where the server allows it and the
// session asked for it.
TEST(ToolServerNetworkTest, SessionPolicyDecides) {
  TempDir tmp;
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string code = "import socket\nsocket.create_connection(('127.0.0.1', " +
                           std::to_string(ntohs(addr.sin_port)) + "), timeout=3)\nprint('up')";

  ToolServerOptions o;
  o.http.bearer_token = kToken;
  o.sessions.workspace_root = tmp.path() / "ws";
  o.sessions.allow_network = true;
  o.worker_threads = 2;
  auto registry = std::make_unique<ToolRegistry>();
  ASSERT_TRUE(AddBuiltinTools(*registry, o).ok());
  auto sb = sandbox::Sandbox::Create({});
  ASSERT_TRUE(sb.ok());
  auto server = ToolServer::Start(o, std::move(registry), std::move(sb).value());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  ToolServerClient client(
      ClientOptions{"http://" + (*server)->address(), kToken, {}, milliseconds(5000)});
  auto run = [&](bool network) {
    auto s = client.OpenSession(network);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    auto r = client.Call(s.ok() ? *s : "", "python_run", {{"code", code}},
                         std::chrono::steady_clock::now() + milliseconds(15000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->ok && r->data.value("stdout", "") == "up\n";
  };
  EXPECT_FALSE(run(false));
  EXPECT_TRUE(run(true));
  ::close(listener);
}

}  // namespace
}  // namespace sextant::toolserver
