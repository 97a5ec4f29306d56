// Helpers for the sandbox tests: a temporary workspace and a shared Sandbox.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "toolserver/sandbox/sandbox.h"

namespace sextant::toolserver::sandbox {

// A fresh directory under the system temp dir, removed with its contents.
class TempWorkspace {
 public:
  TempWorkspace() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sandbox-ws-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempWorkspace(const TempWorkspace&) = delete;
  TempWorkspace& operator=(const TempWorkspace&) = delete;
  ~TempWorkspace() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Sandbox::Create(Options{});
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    sandbox_ = std::move(created).value();
    ASSERT_FALSE(workspace_.path().empty());
  }

  Spec ShellSpec(const std::string& script) const {
    Spec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.workspace = workspace_.path();
    return spec;
  }

  // Runs the spec and fails the test when Run itself fails.
  RunResult MustRun(const Spec& spec) const {
    auto result = sandbox_->Run(spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result.value() : RunResult{};
  }

  RunResult Shell(const std::string& script) const { return MustRun(ShellSpec(script)); }

  // A plain command still works after whatever the test did.
  void ExpectStillWorks() const {
    RunResult after = Shell("echo ok");
    EXPECT_EQ(after.termination, Termination::kExited);
    EXPECT_EQ(after.exit_code, 0);
    EXPECT_EQ(after.stdout_data, "ok\n");
  }

  TempWorkspace workspace_;
  std::unique_ptr<Sandbox> sandbox_;
};

}  // namespace sextant::toolserver::sandbox
