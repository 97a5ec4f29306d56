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
    const pid_t pid = Spawn(SEXTANT_BINARY, args, std::move(env), "/dev/null");
    return Wait(pid);
  }

  // Starts `program args...` in its own process group, stdin from
  // `stdin_path`, stdout and stderr into the files OutPath(tag) and
  // ErrPath(tag) (read back by Wait); returns its pid, or -1 after a test
  // failure. Processes that run at the same time need different tags.
  pid_t Spawn(const std::string& program, const std::vector<std::string>& args,
              std::map<std::string, std::string> env, const std::filesystem::path& stdin_path,
              const std::string& tag = "") {
    env.emplace("HOME", (dir_.path() / "home").string());
    std::vector<std::string> argv_storage = {program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<std::string> env_storage;
    for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, OutPath(tag).c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, ErrPath(tag).c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    EXPECT_EQ(rc, 0) << "cannot run " << program;
    return rc == 0 ? pid : -1;
  }

  // Waits for `pid` and reads what it wrote.
  RunResult Wait(pid_t pid) {
    RunResult result;
    if (pid < 0) return result;
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status)) << "status " << status;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = testing::ReadFile(OutPath());
    result.err = testing::ReadFile(ErrPath());
    return result;
  }

  std::filesystem::path Path(const std::string& name) const { return dir_.path() / name; }
  std::filesystem::path OutPath(const std::string& tag = "") const {
    return Path(tag + "stdout.txt");
  }
  std::filesystem::path ErrPath(const std::string& tag = "") const {
    return Path(tag + "stderr.txt");
  }

  testing::TempDir dir_;
};

}  // namespace sextant
