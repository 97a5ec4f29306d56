#include "common/internal/http_server_state.h"

#include <exception>

namespace sextant::internal {

uint64_t SessionRegistry::Add(std::weak_ptr<SessionBase> session) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  sessions_.emplace(id, std::move(session));
  return id;
}

void SessionRegistry::Remove(uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
  if (sessions_.empty()) cv_.notify_all();
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::vector<std::shared_ptr<SessionBase>> SessionRegistry::Snapshot() const {
  std::vector<std::shared_ptr<SessionBase>> out;
  std::lock_guard lock(mu_);
  out.reserve(sessions_.size());
  for (const auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) out.push_back(std::move(session));
  }
  return out;
}

bool SessionRegistry::WaitEmpty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

void ServerGate::Close() {
  std::unique_lock lock(mu_);
  open_ = false;
}

ServerState::ServerState(ServerOptions options, std::unique_ptr<RouteTable> routes)
    : options_(std::move(options)), routes_(std::move(routes)) {}

void ServerState::ReportError(std::string_view message) {
  if (!options_.on_error) return;
  std::lock_guard lock(error_mu_);
  try {
    options_.on_error(message);
  } catch (...) {
    // A failing error sink has nowhere left to report to.
  }
}

}  // namespace sextant::internal
