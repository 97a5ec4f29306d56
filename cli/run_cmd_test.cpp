// `sextant run` and `sextant runs` end to end: the real binary, its embedded
// ToolServer child (real sandboxed tools), a scripted model and a run store
// file.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "agent/runner_test_util.h"
#include "cli/cli_test_util.h"
#include "common/json.h"

namespace sextant {
namespace {

using agent::testing::CallReply;
using agent::testing::FinalReply;
using agent::testing::PlanReply;
using agent::testing::ReflectReply;
using agent::testing::Spec;
using agent::testing::Submit;
using agent::testing::TextReply;

class RunCmdTest : public CliTest {
 protected:
  std::string Script(const Json& responses, std::int64_t context_length = 32768) {
    const std::string path = Path("script-" + std::to_string(scripts_++) + ".json").string();
    std::ofstream(path) << DumpJson(
        Json{{"context_length", context_length}, {"responses", responses}});
    return path;
  }

  std::map<std::string, std::string> Env() const {
    return {{"PATH", "/usr/bin:/bin"}, {"XDG_DATA_HOME", (dir_.path() / "data").string()}};
  }

  // Runs `sextant args...` with `input` on stdin.
  RunResult Sextant(const std::vector<std::string>& args, const std::string& input) {
    const std::filesystem::path in = Path("stdin.txt");
    std::ofstream(in) << input;
    return Wait(Spawn(SEXTANT_BINARY, args, Env(), in));
  }

  // Starts `sextant args...` without waiting.
  pid_t Start(const std::vector<std::string>& args) {
    return Spawn(SEXTANT_BINARY, args, Env(), "/dev/null");
  }

  std::vector<Json> JsonLines(const std::string& text) {
    std::vector<Json> lines;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      auto parsed = ParseJson(text.substr(start, end - start));
      EXPECT_TRUE(parsed.ok()) << text.substr(start, end - start);
      if (parsed.ok()) lines.push_back(*parsed);
      start = end + 1;
    }
    return lines;
  }

  Json Export(const std::string& id) {
    RunResult r = Run({"runs", "export", id}, Env());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto parsed = ParseJson(r.out);
    EXPECT_TRUE(parsed.ok()) << r.out;
    return parsed.ok() ? *parsed : Json();
  }

  static std::vector<Json> EventsOf(const Json& exported, const std::string& type) {
    std::vector<Json> out;
    for (const Json& e : exported.at("events")) {
      if (e.at("type") == type) out.push_back(e);
    }
    return out;
  }

  // Starts `sextant [--set S]... toolserver` with token `token` in
  // token.txt; returns its URL, or "" after a test failure. TearDown stops it.
  std::string StartToolServer(const std::string& token, const std::vector<std::string>& sets) {
    std::ofstream(Path("token.txt")) << token << "\n";
    std::filesystem::create_directories(Path("ws"));
    std::vector<std::string> args;
    for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
    args.insert(args.end(), {"toolserver", "--listen", "127.0.0.1:0", "--token-file",
                             Path("token.txt").string(), "--workspace-root", Path("ws").string()});
    server_pid_ = Spawn(SEXTANT_BINARY, args, Env(), "/dev/null", "server-");
    std::string banner;
    for (int i = 0; i < 200 && banner.find('\n') == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      banner = testing::ReadFile(OutPath("server-"));
    }
    const std::size_t at = banner.find("http://");
    EXPECT_NE(at, std::string::npos) << banner << testing::ReadFile(ErrPath("server-"));
    if (at == std::string::npos) return "";
    return banner.substr(at, banner.find('\n') - at);
  }

  void StopToolServer() {
    if (server_pid_ <= 0) return;
    kill(server_pid_, SIGTERM);
    int status = 0;
    waitpid(server_pid_, &status, 0);
    server_pid_ = -1;
  }

  void TearDown() override { StopToolServer(); }

  int scripts_ = 0;
  pid_t server_pid_ = -1;
};

Json Shell(const std::string& command, const std::string& expect = "") {
  return CallReply("shell_run", {{"command", command}}, expect);
}

TEST_F(RunCmdTest, PlansUsesRealToolsSplitsAndAnswers) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("look", "look around"), Spec("compute", "compute")})),
      Shell("echo hello-from-the-sandbox > note.txt && cat note.txt", "Current subtask 1"),
      CallReply("file_read", {{"path", "note.txt"}}, "hello-from-the-sandbox"),
      Submit("the note says hello", true, "hello-from-the-sandbox"),
      ReflectReply(true),
      CallReply("subtask_split",
                {{"target_subtask_id", "2"},
                 {"subtasks", Json::array({Spec("multiply", "6*7"), Spec("check", "check")})}}),
      CallReply("plan_refine_done", Json::object()),
      CallReply("python_run", {{"code", "print(6 * 7)"}}, "Current subtask 2.1"),
      Submit("42", true, "42"),
      ReflectReply(false),
      Submit("checked", true, "Current subtask 2.2"),
      ReflectReply(false),
      FinalReply("6 times 7 is 42", "checked"),
  });
  RunResult r = Run({"run", "multiply six by seven", "--script", Script(responses)}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Answer: 6 times 7 is 42"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("== 2.2 check"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> python_run"), std::string::npos) << r.out;

  RunResult list = Run({"runs", "list", "--json"}, Env());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto runs = ParseJson(list.out);
  ASSERT_TRUE(runs.ok() && runs->size() == 1) << list.out;
  EXPECT_EQ((*runs)[0].at("status"), "answered");
  const std::string id = (*runs)[0].at("id");
  RunResult show = Run({"runs", "show", id.substr(0, 6)}, Env());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("[x] 2.2 check"), std::string::npos) << show.out;
  const Json exported = Export(id);
  EXPECT_EQ(EventsOf(exported, "tool_result").size(), 3u);
  EXPECT_EQ(EventsOf(exported, "plan_changed").size(), 1u);
}

TEST_F(RunCmdTest, ModelErrorsAndToolTimeoutsGoBackToTheModel) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      TextReply("Let me start by listing files."),
      Shell("echo x", "not a function call"),
      CallReply("shell_rnu", {{"command", "ls"}}, "x"),
      CallReply("shell_run", {{"cmd", "ls"}}, "Did you mean: shell_run"),
      Shell("sleep 20", "do not fit its schema"),
      Submit("done", true, "deadline_exceeded"),
      ReflectReply(false),
      FinalReply("ok"),
  });
  RunResult r = Run(
      {"--set", "agent.tool_timeout_ms=1000", "run", "try things", "--script", Script(responses)},
      Env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("! unknown_function"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("! invalid_arguments"), std::string::npos) << r.out;
}

TEST_F(RunCmdTest, ConfirmModeTakesTheUsersDecisionsAndAnswers) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      Shell("echo approved-call"),
      Shell("echo rejected-call", "approved-call"),
      Shell("echo original", "rejected this call: not now"),
      CallReply("ask_human", {{"question", "favourite colour?"}}, "edited-call"),
      Submit("blue", true, "The user answered: blue"),
      ReflectReply(false),
      FinalReply("blue"),
  });
  const std::string input = "y\nn not now\ne\n{\"command\": \"echo edited-call\"}\nblue\n";
  RunResult r =
      Sextant({"run", "ask me", "--mode", "confirm", "--script", Script(responses)}, input);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("Run shell_run"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("favourite colour?"), std::string::npos) << r.err;
}

TEST_F(RunCmdTest, AutoModeAnswersAskHumanItself) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      CallReply("ask_human", {{"question", "which file?"}}),
      Submit("decided", true, "no human available; decide yourself"),
      ReflectReply(false),
      FinalReply("done"),
  });
  RunResult r = Run({"run", "decide", "--script", Script(responses)}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(RunCmdTest, StepLimitForcesASubmit) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      Shell("echo one"),
      Shell("echo two", "last step"),
      ReflectReply(false, "failed"),
      FinalReply("partial"),
  });
  RunResult r =
      Run({"run", "loop", "--max-steps", "2", "--json", "--script", Script(responses)}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  bool saw_failed_subtask = false;
  for (const Json& line : JsonLines(r.out)) {
    if (line.at("type") == "subtask_finished") {
      saw_failed_subtask = !line.at("data").at("success").get<bool>();
    }
  }
  EXPECT_TRUE(saw_failed_subtask) << r.out;
}

TEST_F(RunCmdTest, ReplayPrintsWhatTheRunPrinted) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      Shell("echo replay-me"),
      Submit("ok", true, "replay-me"),
      ReflectReply(false),
      FinalReply("replayed"),
  });
  RunResult live = Run({"run", "replay test", "--json", "--script", Script(responses)}, Env());
  ASSERT_EQ(live.exit_code, 0) << live.err;
  const std::vector<Json> lines = JsonLines(live.out);
  ASSERT_FALSE(lines.empty());
  const std::string id = lines.front().at("run_id");
  RunResult replay = Run({"runs", "replay", id, "--json"}, Env());
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(replay.out, live.out);
  RunResult live_text = Run({"runs", "replay", id}, Env());
  EXPECT_NE(live_text.out.find("Answer: replayed"), std::string::npos) << live_text.out;
}

TEST_F(RunCmdTest, ResumesAfterKill9WithoutRepeatingFinishedCalls) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      Shell("echo finished-before-the-kill | tee kept.txt"),
      Shell("sleep 15", "finished-before-the-kill"),
      Shell("cat kept.txt", "interrupted"),
      Submit("resumed", true, "finished-before-the-kill"),
      ReflectReply(false),
      FinalReply("survived"),
  });
  const std::string script = Script(responses);
  const pid_t pid = Start({"run", "survive", "--json", "--script", script});
  // Wait until the sleep call is recorded, then kill the whole process group.
  std::string out;
  for (int i = 0; i < 300; ++i) {
    out = testing::ReadFile(OutPath());
    if (out.find("sleep 15") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(out.find("sleep 15"), std::string::npos) << out;
  ASSERT_EQ(killpg(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  const std::string id = JsonLines(out).front().at("run_id");

  RunResult resumed = Run({"run", "--resume", id, "--json", "--script", script}, Env());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  const Json exported = Export(id);
  EXPECT_EQ(exported.at("run").at("status"), "answered");
  std::int64_t seq = 0;
  for (const Json& e : exported.at("events")) EXPECT_EQ(e.at("seq").get<std::int64_t>(), ++seq);
  const std::vector<Json> results = EventsOf(exported, "tool_result");
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].at("data").at("ok").get<bool>());
  EXPECT_EQ(results[1].at("data").at("error").at("code"), "interrupted");
  EXPECT_EQ(EventsOf(exported, "tool_call").size(), 3u);
  EXPECT_EQ(EventsOf(exported, "llm_call").size(), responses.size());
}

TEST_F(RunCmdTest, LongObservationsAreTrimmedToFitTheContext) {
  // Room for the task, the plan and every tool's schema (web_browse's
  // included), not for the five 6,000-byte observations.
  const std::int64_t context = 3200;
  Json responses = Json::array({PlanReply(Json::array({Spec("only", "read a lot")}))});
  for (int i = 0; i < 5; ++i) responses.push_back(Shell("head -c 6000 /dev/zero | tr '\\0' x"));
  responses.push_back(Submit("read it all"));
  responses.push_back(ReflectReply(false));
  responses.push_back(FinalReply("fits"));
  RunResult r = Run({"--set", "agent.max_tokens=256", "--set", "agent.max_steps=10", "run", "read",
                     "--json", "--script", Script(responses, context)},
                    Env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  bool trimmed = false;
  for (const Json& line : JsonLines(r.out)) {
    if (line.at("type") != "llm_call") continue;
    const Json& data = line.at("data");
    EXPECT_LE(data.at("usage").at("prompt_tokens").get<std::int64_t>(), context - 256);
    trimmed = trimmed || data.at("context").at("observations_cut").get<int>() > 0 ||
              data.at("context").at("messages_dropped").get<int>() > 0;
  }
  EXPECT_TRUE(trimmed) << r.out;
}

TEST_F(RunCmdTest, UsesAToolServerGivenByUrl) {
  const std::string url = StartToolServer("a-test-token", {});
  ASSERT_FALSE(url.empty());
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      Shell("echo via-url"),
      Submit("ok", true, "via-url"),
      ReflectReply(false),
      FinalReply("done"),
  });
  RunResult r = Run({"run", "use the server", "--toolserver", url, "--token-file",
                     Path("token.txt").string(), "--script", Script(responses)},
                    Env());
  RunResult bad_token = Run({"run", "x", "--toolserver", url, "--script", Script(responses)},
                            {{"PATH", "/usr/bin:/bin"},
                             {"XDG_DATA_HOME", (dir_.path() / "data").string()},
                             {"SEXTANT_TOOLSERVER_TOKEN", "wrong"}});
  StopToolServer();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(bad_token.exit_code, 1);
  EXPECT_NE(bad_token.err.find("unauthorized"), std::string::npos) << bad_token.err;
}

TEST_F(RunCmdTest, KbVerifyComesFromTheToolServerWithoutAKbOfItsOwn) {
  std::ofstream(Path("facts.tsv")) << "Peru\tcapital\tLima\n";
  const std::string kb = Path("kb.sqlite").string();
  RunResult imported =
      Run({"kb", "import", Path("facts.tsv").string(), "--format", "tsv", "--db", kb}, Env());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const std::string url = StartToolServer("kb-token", {"toolserver.kb_path=" + kb});
  ASSERT_FALSE(url.empty());
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("check", "check a claim")})),
      CallReply("kb_verify",
                {{"triples", Json::array({Json::array({"Peru", "capital", "Lima"})})}}),
      Submit("checked", true, "supported"),
      ReflectReply(false),
      FinalReply("Lima"),
  });
  RunResult r = Run({"run", "check", "--json", "--toolserver", url, "--token-file",
                     Path("token.txt").string(), "--script", Script(responses)},
                    Env());
  StopToolServer();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::size_t server_calls = 0;
  for (const Json& line : JsonLines(r.out)) {
    if (line.at("type") == "tool_result") {
      server_calls += line.at("data").contains("duration_ms") ? 1 : 0;
    }
  }
  EXPECT_EQ(server_calls, 1u) << r.out;
}

TEST_F(RunCmdTest, CtrlCCancelsAndTheRunResumes) {
  const Json responses = Json::array({
      PlanReply(Json::array({Spec("only", "do it")})),
      Shell("sleep 2"),
      Submit("ok"),
      ReflectReply(false),
      FinalReply("resumed after Ctrl-C"),
  });
  const std::string script = Script(responses);
  const pid_t pid = Start({"run", "interrupt me", "--json", "--script", script});
  std::string out;
  for (int i = 0; i < 300 && out.find("sleep 2") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    out = testing::ReadFile(OutPath());
  }
  ASSERT_NE(out.find("sleep 2"), std::string::npos) << out;
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  out = testing::ReadFile(OutPath());
  const std::vector<Json> lines = JsonLines(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().at("type"), "run_status");
  EXPECT_EQ(lines.back().at("data").at("status"), "cancelled");
  const std::string id = lines.front().at("run_id");
  RunResult resumed = Run({"run", "--resume", id, "--quiet", "--script", script}, Env());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(resumed.out, "resumed after Ctrl-C\n");
}

TEST_F(RunCmdTest, TheEmbeddedRuntimeRunsATask) {
  SEXTANT_TESTDATA_OR_SKIP(models, "models/tiny-llama");
  // The tiny model's 512 positions cannot hold the planning prompt: the run
  // goes through the runtime, and stops with a clear error, printed once,
  // instead of overflowing the context.
  RunResult r = Run({"--set", "agent.max_tokens=8", "run", "say hi", "--no-tools", "--device",
                     "cpu", "--model", (models / "tiny-llama-Q8_0.gguf").string()},
                    Env());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("model: runtime"), std::string::npos) << r.out;
  const std::string all = r.out + r.err;
  const std::size_t first = all.find("but the model's context leaves 504");
  ASSERT_NE(first, std::string::npos) << all;
  EXPECT_EQ(all.find("but the model's context leaves 504", first + 1), std::string::npos) << all;
}

TEST_F(RunCmdTest, UsageErrors) {
  EXPECT_EQ(Run({"run"}, Env()).exit_code, 2);
  EXPECT_EQ(Run({"run", "x", "--mode", "sometimes"}, Env()).exit_code, 2);
  RunResult no_model = Run({"run", "x", "--no-tools"}, Env());
  EXPECT_EQ(no_model.exit_code, 1);
  EXPECT_NE(no_model.err.find("no model"), std::string::npos) << no_model.err;
  RunResult missing = Run({"runs", "show", "abcdef"}, Env());
  EXPECT_NE(missing.exit_code, 0);
}

}  // namespace
}  // namespace sextant
