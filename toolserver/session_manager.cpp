#include "toolserver/session_manager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

namespace sextant::toolserver {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int kSessionIdWords = 4;  // 4 x 32 bits: 32 hex characters
constexpr milliseconds kMinReapInterval{10};
constexpr milliseconds kMaxReapInterval{1000};
constexpr int kReapFraction = 4;
constexpr std::size_t kMaxWorkspaceName = 64;
constexpr mode_t kWorkspaceMode = 0700;

Status CheckWorkspaceName(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= kMaxWorkspaceName &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
                  });
  if (ok) return Status::Ok();
  return InvalidArgumentError("workspace name '" + name +
                              "' must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
}

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string NewSessionId() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < kSessionIdWords; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", static_cast<unsigned>(rd()));
    id += buf;
  }
  return id;
}

// Makes every directory below `root` writable by its owner, so that a
// command that chmod-ed its files cannot keep them from being removed.
void MakeRemovable(const fs::path& root) {
  std::error_code ec;
  fs::permissions(root, fs::perms::owner_all, fs::perm_options::add, ec);
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
}

}  // namespace

Session::Session(std::string id, fs::path workspace, bool network, bool keep)
    : id_(std::move(id)), workspace_(std::move(workspace)), network_(network), keep_(keep) {
  last_used_ns_ = NowNs();
}

Session::~Session() {
  if (keep_) return;
  std::error_code ec;
  MakeRemovable(workspace_);
  fs::remove_all(workspace_, ec);
}

CallLease::CallLease(std::shared_ptr<Session> session) : session_(std::move(session)) {}

CallLease::~CallLease() { Release(); }

CallLease& CallLease::operator=(CallLease&& other) noexcept {
  if (this != &other) {
    Release();
    session_ = std::move(other.session_);
  }
  return *this;
}

void CallLease::Release() {
  if (session_ == nullptr) return;
  session_->last_used_ns_ = NowNs();
  session_->active_calls_.fetch_sub(1);
  session_.reset();
}

SessionManager::SessionManager(SessionOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<SessionManager>> SessionManager::Create(SessionOptions options) {
  if (options.workspace_root.empty()) return InvalidArgumentError("workspace root is empty");
  if (options.max_sessions < 1 || options.max_concurrent_calls < 1 ||
      options.idle_timeout <= milliseconds(0)) {
    return InvalidArgumentError(
        "max_sessions, max_concurrent_calls and idle_timeout must be positive");
  }
  std::error_code ec;
  fs::create_directories(options.workspace_root, ec);
  if (ec || !fs::is_directory(options.workspace_root, ec)) {
    return FailedPreconditionError("workspace root " + options.workspace_root.string() +
                                   " cannot be created: " + ec.message());
  }
  options.workspace_root = fs::canonical(options.workspace_root, ec);
  if (ec) return InternalError("workspace root: " + ec.message());
  std::unique_ptr<SessionManager> manager(new SessionManager(std::move(options)));
  manager->reaper_ = std::thread([m = manager.get()] { m->ReaperLoop(); });
  return manager;
}

SessionManager::~SessionManager() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    sessions.swap(sessions_);
  }
}

Result<std::shared_ptr<Session>> SessionManager::CreateSession(bool network,
                                                               const std::string& workspace_name) {
  if (network && !options_.allow_network) {
    return PermissionDeniedError("this server does not allow sessions with network access");
  }
  const bool named = !workspace_name.empty();
  if (named) SEXTANT_RETURN_IF_ERROR(CheckWorkspaceName(workspace_name));
  std::lock_guard lock(mu_);
  if (sessions_.size() >= static_cast<std::size_t>(options_.max_sessions)) {
    return ResourceExhaustedError("the server has its maximum of " +
                                  std::to_string(options_.max_sessions) +
                                  " sessions; delete one first");
  }
  std::string id = NewSessionId();
  fs::path dir =
      named ? options_.workspace_root / "named" / workspace_name : options_.workspace_root / id;
  if (named) {
    for (const auto& [other_id, other] : sessions_) {
      if (other->workspace() == dir) {
        return FailedPreconditionError("workspace '" + workspace_name + "' is open in session " +
                                       other_id);
      }
    }
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    fs::permissions(dir.parent_path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
  }
  if (::mkdir(dir.c_str(), kWorkspaceMode) != 0 && !(named && errno == EEXIST)) {
    return InternalError("create workspace " + dir.string() + " failed");
  }
  if (options_.workspace_owner &&
      ::chown(dir.c_str(), *options_.workspace_owner, *options_.workspace_owner) != 0) {
    std::error_code ec;
    if (!named) fs::remove(dir, ec);
    return InternalError("chown workspace " + dir.string() + " failed");
  }
  auto session = std::make_shared<Session>(id, std::move(dir), network, named);
  sessions_.emplace(std::move(id), session);
  return session;
}

Status SessionManager::DeleteSession(const std::string& id) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return NotFoundError("no session '" + id + "'");
    session = std::move(it->second);
    sessions_.erase(it);
  }
  return Status::Ok();
}

Result<std::shared_ptr<Session>> SessionManager::Find(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return NotFoundError("no session '" + id + "'");
  it->second->last_used_ns_ = NowNs();
  return it->second;
}

Result<CallLease> SessionManager::BeginCall(const std::string& id) {
  SEXTANT_ASSIGN_OR_RETURN(std::shared_ptr<Session> session, Find(id));
  int active = session->active_calls_.load();
  do {
    if (active >= options_.max_concurrent_calls) {
      return ResourceExhaustedError("session '" + id + "' already has " + std::to_string(active) +
                                    " calls in progress (the limit is " +
                                    std::to_string(options_.max_concurrent_calls) + ")");
    }
  } while (!session->active_calls_.compare_exchange_weak(active, active + 1));
  return CallLease(std::move(session));
}

std::size_t SessionManager::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::size_t SessionManager::ReapIdle() {
  const std::int64_t cutoff =
      NowNs() - std::chrono::duration_cast<std::chrono::nanoseconds>(options_.idle_timeout).count();
  std::vector<std::shared_ptr<Session>> ended;
  {
    std::lock_guard lock(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second->active_calls_.load() == 0 && it->second->last_used_ns_.load() < cutoff) {
        ended.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  return ended.size();
}

void SessionManager::ReaperLoop() {
  const milliseconds interval =
      std::clamp(options_.idle_timeout / kReapFraction, kMinReapInterval, kMaxReapInterval);
  std::unique_lock lock(mu_);
  while (!stop_) {
    stop_cv_.wait_for(lock, interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    ReapIdle();
    lock.lock();
  }
}

}  // namespace sextant::toolserver
