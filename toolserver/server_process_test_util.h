// `sextant toolserver` as a child process for tests that drive it over
// HTTP: started with --set values on a free loopback port, stopped with
// SIGTERM on destruction.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/testing/testdata.h"

namespace sextant::toolserver::testing {

class ServerProcess {
 public:
  // Writes `token` to dir/token and serves workspaces under dir/workspaces;
  // `extra` arguments follow the subcommand's own.
  ServerProcess(const std::filesystem::path& dir, const std::string& token,
                const std::vector<std::string>& sets, std::vector<std::string> extra = {}) {
    sextant::testing::WriteFile(dir / "token", token + "\n");
    std::vector<std::string> args = {SEXTANT_BINARY};
    for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
    args.insert(args.end(),
                {"toolserver", "--listen", "127.0.0.1:0", "--token-file", (dir / "token").string(),
                 "--workspace-root", (dir / "workspaces").string()});
    for (std::string& arg : extra) args.push_back(std::move(arg));
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    out_fd_ = out[0];
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) == 0) url_ = line.substr(prefix.size());
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // "" when the server did not start listening.
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  // The exit status of a process that stopped by itself.
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  std::string url_;
};

}  // namespace sextant::toolserver::testing
