// Manifest tools run in the real sandbox.
#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/plugins/manifest_tool.h"
#include "toolserver/sandbox/sandbox.h"

namespace sextant::toolserver::plugins {
namespace {

using sextant::testing::Contains;

// Prints what it received: its argv (after the program) and its stdin.
constexpr const char* kReporter = R"(
import json, sys
data = sys.stdin.read()
print(json.dumps({"argv": sys.argv[1:], "stdin": data}))
)";

class ManifestToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = sandbox::Sandbox::Create(sandbox::Options{});
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    sandbox_ = std::move(*created);
    context_.workspace = workspace_.path();
    context_.sandbox = sandbox_.get();
    context_.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  }

  std::unique_ptr<Tool> Make(std::vector<std::string> command, double timeout_s = 10,
                             bool network = false) {
    Json json = {{"name", "probe"},
                 {"description", "Reports its input."},
                 {"parameters", {{"type", "object"}}},
                 {"command", command},
                 {"timeout_s", timeout_s},
                 {"network", network}};
    auto m = ParseManifest(json, "probe.json");
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return MakeManifestTool(std::move(*m));
  }

  sextant::testing::TempDir workspace_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  ToolContext context_;
};

TEST_F(ManifestToolTest, ShellMetacharactersReachTheProgramByteExact) {
  const std::string nasty =
      "$(rm -rf /); `touch /workspace/pwned`; | & > /workspace/out \" ' \\ \n* ? ~ {a,b} "
      "${HOME} <(id) ; exit 1 \xC3\xA9";
  Json args = {{"text", nasty}, {"n", 3}};
  auto tool = Make({"python3", "-c", kReporter, "fixed-arg"});
  auto out = tool->Call(context_, args);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(out->data.contains("json")) << out->content;
  const Json& got = out->data["json"];
  ASSERT_EQ(got["argv"].size(), 2u);
  EXPECT_EQ(got["argv"][0], "fixed-arg");
  EXPECT_EQ(got["argv"][1], DumpJson(args));  // one argv element: the arguments as JSON
  EXPECT_EQ(got["stdin"], DumpJson(args) + "\n");
  auto argv_args = ParseJson(got["argv"][1].get<std::string>());
  ASSERT_TRUE(argv_args.ok());
  EXPECT_EQ((*argv_args)["text"].get<std::string>(), nasty);
  EXPECT_FALSE(std::filesystem::exists(workspace_.path() / "pwned"));
  EXPECT_FALSE(std::filesystem::exists(workspace_.path() / "out"));
  EXPECT_EQ(out->data["exit_code"], 0);
}

TEST_F(ManifestToolTest, WritesInTheWorkspace) {
  auto tool = Make({"python3", "-c",
                    "import json,sys; a=json.load(sys.stdin); "
                    "open('/workspace/'+a['name'],'w').write(a['body']); print('ok')"});
  auto out = tool->Call(context_, {{"name", "f.txt"}, {"body", "hello"}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->content, "ok\n");
  EXPECT_EQ(sextant::testing::ReadFile(workspace_.path() / "f.txt"), "hello");
}

TEST_F(ManifestToolTest, FailuresMapToStatuses) {
  auto failing = Make({"python3", "-c", "import sys; sys.stderr.write('bad input'); sys.exit(4)"});
  auto failed = failing->Call(context_, Json::object());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(failed.status().message(), "probe exited with status 4: bad input"))
      << failed.status().message();

  auto slow = Make({"python3", "-c", "import time; time.sleep(30)"}, 0.3);
  auto timed_out = slow->Call(context_, Json::object());
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), StatusCode::kDeadlineExceeded)
      << timed_out.status().ToString();

  // The caller's deadline is used when it is sooner than timeout_s.
  auto patient = Make({"python3", "-c", "import time; time.sleep(30)"}, 600);
  context_.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  auto cut = patient->Call(context_, Json::object());
  EXPECT_EQ(cut.status().code(), StatusCode::kDeadlineExceeded);
  context_.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto late = patient->Call(context_, Json::object());
  EXPECT_EQ(late.status().code(), StatusCode::kDeadlineExceeded);

  auto missing = Make({"/nonexistent/tool"});
  context_.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  EXPECT_FALSE(missing->Call(context_, Json::object()).ok());
}

TEST_F(ManifestToolTest, NetworkNeedsTheSessionsPermission) {
  auto tool = Make({"true"}, 10, /*network=*/true);
  context_.network_allowed = false;
  auto refused = tool->Call(context_, Json::object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  context_.network_allowed = true;
  auto allowed = tool->Call(context_, Json::object());
  EXPECT_TRUE(allowed.ok()) << allowed.status().ToString();
}

}  // namespace
}  // namespace sextant::toolserver::plugins
