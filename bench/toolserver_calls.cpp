// Call latency of the ToolServer over loopback: a trivial built-in tool call
// (file_list on an empty workspace) against GET /v1/health on the same server
// (the peer: the same HTTP path with no session, validation or tool), at 1, 16
// and 64 concurrent clients. Prints p50/p99 latency and calls/s.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/http_client.h"
#include "common/testing/testdata.h"
#include "toolserver/client.h"
#include "toolserver/server.h"

namespace {

namespace ts = sextant::toolserver;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kToken[] = "bench-token-123456";
constexpr int kCallsPerRun = 2000;
constexpr int kWarmupCalls = 50;

struct RunStats {
  double p50_ms = 0;
  double p99_ms = 0;
  double calls_per_s = 0;
  int failures = 0;
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  return v[i];
}

// Runs `call` kCallsPerRun times spread over `clients` threads.
template <typename Fn>
RunStats Measure(int clients, Fn call) {
  std::vector<std::vector<double>> lat(clients);
  std::atomic<int> failures{0};
  const int per_client = std::max(1, kCallsPerRun / clients);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per_client; ++i) {
        const auto t0 = Clock::now();
        if (!call(c)) failures.fetch_add(1);
        lat[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {Percentile(all, 0.5), Percentile(all, 0.99), static_cast<double>(all.size()) / secs,
          failures.load()};
}

}  // namespace

int main() {
  sextant::testing::TempDir tmp;
  ts::ToolServerOptions o;
  o.http.bearer_token = kToken;
  o.http.io_threads = 2;
  o.sessions.workspace_root = tmp.path() / "ws";
  o.sessions.max_sessions = 128;
  o.sessions.max_concurrent_calls = 4;
  o.worker_threads = 16;
  o.max_queued_calls = 1024;
  auto registry = std::make_unique<ts::ToolRegistry>();
  if (!ts::AddBuiltinTools(*registry, o).ok()) return 1;
  auto sandbox = ts::sandbox::Sandbox::Create({});
  if (!sandbox.ok()) {
    std::fprintf(stderr, "sandbox: %s\n", sandbox.status().ToString().c_str());
    return 1;
  }
  auto server = ts::ToolServer::Start(o, std::move(registry), std::move(sandbox).value());
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  ts::ClientOptions co;
  co.base_url = "http://" + (*server)->address();
  co.token = kToken;
  co.http.max_idle_handles = 128;
  ts::ToolServerClient client(co);
  constexpr int kMaxClients = 64;
  std::vector<std::string> sessions;
  for (int i = 0; i < kMaxClients; ++i) {
    auto s = client.OpenSession();
    if (!s.ok()) return 1;
    sessions.push_back(*s);
  }
  auto tool_call = [&](int c) {
    auto r = client.Call(sessions[static_cast<std::size_t>(c)], "file_list",
                         sextant::Json::object(), Clock::now() + milliseconds(10000));
    return r.ok() && r->ok;
  };
  auto health = [&](int) { return client.Health().ok(); };
  for (int i = 0; i < kWarmupCalls; ++i) {
    tool_call(0);
    health(0);
  }

  std::cout << "ToolServer call latency over loopback (" << sextant::bench::CpuModelName() << ", "
            << std::thread::hardware_concurrency() << " hardware threads)\n"
            << kCallsPerRun << " calls per row; peer: GET /v1/health on the same server\n\n";
  sextant::bench::Table table(
      {"clients", "call", "p50 ms", "p99 ms", "calls/s", "failures", "calls/s vs health"});
  for (int clients : {1, 16, 64}) {
    const RunStats h = Measure(clients, health);
    const RunStats t = Measure(clients, tool_call);
    table.AddRow({std::to_string(clients), "GET /v1/health", sextant::bench::Fixed(h.p50_ms, 3),
                  sextant::bench::Fixed(h.p99_ms, 3), sextant::bench::Fixed(h.calls_per_s, 0),
                  std::to_string(h.failures), "1.00"});
    table.AddRow({std::to_string(clients), "file_list", sextant::bench::Fixed(t.p50_ms, 3),
                  sextant::bench::Fixed(t.p99_ms, 3), sextant::bench::Fixed(t.calls_per_s, 0),
                  std::to_string(t.failures),
                  sextant::bench::Fixed(t.calls_per_s / h.calls_per_s, 2)});
  }
  table.Print(std::cout);
  return 0;
}
