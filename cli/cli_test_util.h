// Runs the built `sextant` binary as a subprocess with a private
// environment, for the CLI integration tests.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  // Runs `sextant args...` with exactly `env` (plus HOME, pointing at an
  // empty directory unless `env` sets it) and waits for it.
  RunResult Run(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    env.emplace("HOME", (dir_.path() / "home").string());
    std::vector<std::string> argv_storage = {SEXTANT_BINARY};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<std::string> env_storage;
    for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);

    const std::filesystem::path out_path = dir_.path() / "stdout.txt";
    const std::filesystem::path err_path = dir_.path() / "stderr.txt";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, SEXTANT_BINARY, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    RunResult result;
    EXPECT_EQ(rc, 0) << "cannot run " << SEXTANT_BINARY;
    if (rc != 0) return result;
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status)) << "status " << status;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = testing::ReadFile(out_path);
    result.err = testing::ReadFile(err_path);
    return result;
  }

  std::filesystem::path Path(const std::string& name) const { return dir_.path() / name; }

  testing::TempDir dir_;
};

}  // namespace sextant
