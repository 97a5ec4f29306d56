// State shared by the listener, the sessions and the outside handles
// (Responders, WebSocket connections) of one HttpServer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/http_server.h"
#include "common/internal/http_server_router.h"

namespace sextant::internal {

// One connection (HTTP or WebSocket), as the server's shutdown sees it.
// Every method may be called from any thread.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Finishes what is in progress, then closes (WebSockets close with 1001).
  virtual void BeginShutdown() = 0;
  // Closes the socket now.
  virtual void ForceClose() = 0;
  // Drops any reference the session holds to itself. Called only after the
  // I/O threads have stopped.
  virtual void BreakCycle() = 0;
};

// The live sessions, held weakly. Thread-safe.
class SessionRegistry {
 public:
  uint64_t Add(std::weak_ptr<SessionBase> session);
  void Remove(uint64_t id);
  std::size_t size() const;
  std::vector<std::shared_ptr<SessionBase>> Snapshot() const;
  // True when the registry became empty before `deadline`.
  bool WaitEmpty(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions_;
  uint64_t next_id_ = 1;
};

// Lets threads outside the server reach sessions only while the server's
// I/O machinery exists. Once Close returns, Run runs nothing. Thread-safe.
class ServerGate {
 public:
  // Runs `f` under a shared lock and returns true, or returns false when closed.
  template <typename F>
  bool Run(F&& f) {
    std::shared_lock lock(mu_);
    if (!open_) return false;
    std::forward<F>(f)();
    return true;
  }
  void Close();

 private:
  std::shared_mutex mu_;
  bool open_ = true;
};

class ServerState {
 public:
  ServerState(ServerOptions options, std::unique_ptr<RouteTable> routes);

  const ServerOptions& options() const { return options_; }
  const RouteTable& routes() const { return *routes_; }
  SessionRegistry& sessions() { return sessions_; }
  ServerGate& gate() { return gate_; }

  bool shutting_down() const { return shutting_down_.load(); }
  void set_shutting_down() { shutting_down_.store(true); }

  // Passes one line to ServerOptions::on_error, serialized; exceptions from it are swallowed.
  void ReportError(std::string_view message);

 private:
  const ServerOptions options_;
  const std::unique_ptr<const RouteTable> routes_;
  SessionRegistry sessions_;
  ServerGate gate_;
  std::atomic<bool> shutting_down_{false};
  std::mutex error_mu_;
};

// The option values as durations.
inline std::chrono::milliseconds Millis(int ms) { return std::chrono::milliseconds(ms); }

}  // namespace sextant::internal
