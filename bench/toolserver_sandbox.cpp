// Latency of one sandboxed command (fresh namespaces, file view, cgroup,
// seccomp, exec, capture) against a plain fork+exec of the same command with
// the same pipes, measured in the same run. Also sandbox throughput with
// several callers at once.
//
// Usage: bench_sandbox [iterations]   (default 200; python rows use a quarter)
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "toolserver/sandbox/sandbox.h"

namespace sandbox = sextant::toolserver::sandbox;
using Clock = std::chrono::steady_clock;

extern char** environ;

namespace {

constexpr int kDefaultIterations = 200;
constexpr int kWarmup = 5;
constexpr int kReadChunk = 4096;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<size_t>(std::lround(p * static_cast<double>(values.size() - 1)));
  return values[std::min(index, values.size() - 1)];
}

// argv[0] looked up on the sandbox's default PATH, so both sides run the same binary.
std::string Resolve(const std::string& command) {
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"}) {
    std::string path = std::string(dir) + "/" + command;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return command;
}

// fork+exec of argv with stdout and stderr on pipes, read to the end, reaped.
bool PlainSpawn(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  std::string program = Resolve(argv[0]);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  char buffer[kReadChunk];
  while (rc == 0 && read(out[0], buffer, sizeof(buffer)) > 0) {
  }
  close(out[0]);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::vector<double> Measure(int iterations, const std::function<bool()>& call) {
  for (int i = 0; i < kWarmup; ++i) call();
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    Clock::time_point start = Clock::now();
    if (!call()) {
      std::cerr << "a call failed\n";
      std::exit(1);
    }
    times.push_back(Millis(Clock::now() - start));
  }
  return times;
}

// Calls per second with `callers` threads each making `per_caller` runs.
double Throughput(const sandbox::Sandbox& box, const sandbox::Spec& spec, int callers,
                  int per_caller) {
  Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_caller; ++i) {
        auto result = box.Run(spec);
        if (!result.ok() || result->exit_code != 0) std::exit(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return callers * per_caller / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::max(10, std::atoi(argv[1])) : kDefaultIterations;
  auto created = sandbox::Sandbox::Create(sandbox::Options{});
  if (!created.ok()) {
    std::cerr << created.status().ToString() << "\n";
    return 1;
  }
  const sandbox::Sandbox& box = **created;
  char pattern[] = "/tmp/bench-sandbox-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  std::filesystem::path workspace = pattern;

  struct Case {
    std::string name;
    std::vector<std::string> argv;
    sandbox::Network network;
    int iterations;
  };
  std::vector<Case> cases = {
      {"true", {"true"}, sandbox::Network::kOff, iterations},
      {"true, host network", {"true"}, sandbox::Network::kHost, iterations},
      {"python3 -c pass", {"python3", "-c", "pass"}, sandbox::Network::kOff, iterations / 4},
  };

  std::cout << "Sandbox spawn latency on " << sextant::bench::CpuModelName() << " ("
            << std::thread::hardware_concurrency()
            << " threads); cgroups: " << (box.support().cgroup_limits ? "yes" : "no")
            << ", idmapped workspace: " << (box.support().idmapped_workspace ? "yes" : "no")
            << "\n\n";
  sextant::bench::Table table({"command", "runs", "sandbox p50 ms", "sandbox p99 ms",
                               "fork+exec p50 ms", "fork+exec p99 ms", "p50 ratio"});
  for (const Case& c : cases) {
    sandbox::Spec spec;
    spec.argv = c.argv;
    spec.workspace = workspace;
    spec.network = c.network;
    std::vector<double> boxed = Measure(c.iterations, [&] {
      auto result = box.Run(spec);
      return result.ok() && result->exit_code == 0;
    });
    std::vector<double> plain = Measure(c.iterations, [&] { return PlainSpawn(c.argv); });
    double boxed_p50 = Percentile(boxed, 0.5);
    double plain_p50 = Percentile(plain, 0.5);
    table.AddRow({c.name, std::to_string(c.iterations), sextant::bench::Fixed(boxed_p50, 2),
                  sextant::bench::Fixed(Percentile(boxed, 0.99), 2),
                  sextant::bench::Fixed(plain_p50, 2),
                  sextant::bench::Fixed(Percentile(plain, 0.99), 2),
                  sextant::bench::Fixed(boxed_p50 / plain_p50, 1) + "x"});
  }
  table.Print(std::cout);

  std::cout << "\nSandboxed `true`, calls/s with concurrent callers\n\n";
  sextant::bench::Table concurrency({"callers", "calls/s"});
  sandbox::Spec spec;
  spec.argv = {"true"};
  spec.workspace = workspace;
  for (int callers : {1, 16, 64}) {
    int per_caller = std::max(2, iterations / callers);
    concurrency.AddRow({std::to_string(callers),
                        sextant::bench::Fixed(Throughput(box, spec, callers, per_caller), 0)});
  }
  concurrency.Print(std::cout);
  std::filesystem::remove_all(workspace);
  return 0;
}
