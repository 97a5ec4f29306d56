// ToolServer sessions: each has an id, its own workspace directory under the
// workspace root, a network policy, and a count of calls in progress.
//
// A session ends when it is deleted, when it has been idle (no call in
// progress and none started) for idle_timeout, or when the manager is
// destroyed. Its workspace directory is removed when the last reference to
// it goes, so a call in progress keeps working on a deleted session's files
// until it returns. A session may instead open a named workspace
// (<root>/named/<name>), which is kept when the session ends and found
// again by the next session that names it; one session at a time uses it.
//
// Ownership: the manager owns its sessions; callers hold shared_ptr only for
// the duration of a request. Thread safety: every method may be called from
// any thread. Errors: not_found for an unknown session id;
// resource_exhausted at max_sessions or at the per-session call limit;
// permission_denied for a network request the server does not allow;
// invalid_argument for a bad workspace name; failed_precondition for a named
// workspace another session has open; internal when the workspace directory
// cannot be made.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"

namespace sextant::toolserver {

struct SessionOptions {
  std::filesystem::path workspace_root;  // created when missing
  int max_sessions = 64;
  std::chrono::milliseconds idle_timeout{30 * 60 * 1000};
  int max_concurrent_calls = 4;  // per session
  bool allow_network = false;    // whether a session may ask for the network
  // When set, each new workspace is chowned to this uid and gid (for a
  // sandbox user that cannot otherwise write a root-owned directory).
  std::optional<std::uint32_t> workspace_owner;
};

class Session {
 public:
  // `keep`: the workspace is a named one, left in place at the end.
  Session(std::string id, std::filesystem::path workspace, bool network, bool keep = false);
  ~Session();  // removes the workspace directory unless it is kept
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& id() const { return id_; }
  const std::filesystem::path& workspace() const { return workspace_; }
  bool network_allowed() const { return network_; }
  int active_calls() const { return active_calls_.load(); }

 private:
  friend class SessionManager;
  friend class CallLease;

  std::string id_;
  std::filesystem::path workspace_;
  bool network_;
  bool keep_;
  std::atomic<int> active_calls_{0};
  std::atomic<std::int64_t> last_used_ns_{0};  // steady_clock
};

// One call in progress on a session; ending it (destruction) frees the slot
// and counts as activity.
class CallLease {
 public:
  CallLease() = default;
  explicit CallLease(std::shared_ptr<Session> session);
  ~CallLease();
  CallLease(CallLease&& other) noexcept = default;
  CallLease& operator=(CallLease&& other) noexcept;
  CallLease(const CallLease&) = delete;
  CallLease& operator=(const CallLease&) = delete;

  Session& session() const { return *session_; }
  // Ends the call now (the destructor then does nothing).
  void Release();

 private:
  std::shared_ptr<Session> session_;
};

class SessionManager {
 public:
  static Result<std::unique_ptr<SessionManager>> Create(SessionOptions options);
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // `workspace_name` empty: a fresh workspace removed with the session;
  // otherwise the named workspace, [A-Za-z0-9_-]{1,64}, created when missing.
  Result<std::shared_ptr<Session>> CreateSession(bool network,
                                                 const std::string& workspace_name = "");
  Status DeleteSession(const std::string& id);
  // The session, counting the lookup as activity.
  Result<std::shared_ptr<Session>> Find(const std::string& id);
  // Starts a call: fails with resource_exhausted when the session already
  // has max_concurrent_calls in progress.
  Result<CallLease> BeginCall(const std::string& id);

  std::size_t size() const;
  // Ends the sessions idle for longer than idle_timeout; returns how many.
  // A background thread calls it about four times per idle_timeout.
  std::size_t ReapIdle();

  const SessionOptions& options() const { return options_; }

 private:
  explicit SessionManager(SessionOptions options);
  void ReaperLoop();

  SessionOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread reaper_;
};

}  // namespace sextant::toolserver
