#include "cli/embedded_toolserver.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "toolserver/plugins/child_process.h"

namespace sextant::cli {
namespace {

namespace fs = std::filesystem;
using toolserver::plugins::ChildProcess;
using toolserver::plugins::Stream;

constexpr std::size_t kTokenBytes = 24;
constexpr std::size_t kStderrTailBytes = 4096;
constexpr std::size_t kMaxBannerBytes = 4096;
constexpr auto kStopGrace = std::chrono::milliseconds(3000);
constexpr std::string_view kBanner = "listening on ";

Result<std::string> RandomToken() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::array<unsigned char, kTokenBytes> bytes{};
  if (!in.read(reinterpret_cast<char*>(bytes.data()), bytes.size())) {
    return Status(StatusCode::kUnavailable, "cannot read /dev/urandom for a ToolServer token");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token.push_back(kHex[b >> 4U]);
    token.push_back(kHex[b & 15U]);
  }
  return token;
}

Result<fs::path> WriteTokenFile(const std::string& token) {
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  const fs::path dir = runtime_dir != nullptr && *runtime_dir != '\0' ? fs::path(runtime_dir)
                                                                      : fs::temp_directory_path();
  std::string pattern = (dir / "sextant-toolserver-token-XXXXXX").string();
  const int fd = mkstemp(pattern.data());  // created with mode 0600
  if (fd < 0) {
    return Status(StatusCode::kUnavailable, "cannot create a token file in " + dir.string());
  }
  const bool written = write(fd, token.data(), token.size()) == static_cast<ssize_t>(token.size());
  close(fd);
  if (!written) return Status(StatusCode::kUnavailable, "cannot write " + pattern);
  return fs::path(pattern);
}

class ChildToolServer final : public EmbeddedToolServer {
 public:
  ChildToolServer(std::unique_ptr<ChildProcess> child, std::string token, fs::path token_file)
      : child_(std::move(child)), token_(std::move(token)), token_file_(std::move(token_file)) {
    drain_ = std::thread([this] {
      std::array<char, 4096> buffer{};
      for (;;) {
        Result<std::size_t> n = child_->ReadSome(Stream::kStderr, buffer.data(), buffer.size());
        if (!n.ok() || *n == 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        stderr_tail_.append(buffer.data(), *n);
        if (stderr_tail_.size() > kStderrTailBytes) {
          stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
        }
      }
    });
  }

  ~ChildToolServer() override {
    if (!child_->Wait(std::chrono::milliseconds(0))) {
      kill(child_->pid(), SIGTERM);
      if (!child_->Wait(kStopGrace)) child_->Kill();
    }
    child_->Wait(std::chrono::milliseconds::max());
    if (drain_.joinable()) drain_.join();
    std::error_code ec;
    fs::remove(token_file_, ec);
  }

  // Reads the child's stdout up to its "listening on URL" line.
  Status AwaitBanner() {
    std::string out;
    std::array<char, 256> buffer{};
    while (out.find('\n') == std::string::npos && out.size() < kMaxBannerBytes) {
      Result<std::size_t> n = child_->ReadSome(Stream::kStdout, buffer.data(), buffer.size());
      if (!n.ok() || *n == 0) {
        child_->Wait(std::chrono::milliseconds(2000));
        if (drain_.joinable()) drain_.join();
        std::lock_guard<std::mutex> lock(mutex_);
        return Status(StatusCode::kUnavailable,
                      "the embedded ToolServer exited before it listened: " + stderr_tail_);
      }
      out.append(buffer.data(), *n);
    }
    const std::size_t at = out.find(kBanner);
    const std::size_t end = out.find('\n');
    if (at == std::string::npos || end == std::string::npos || end < at) {
      return Status(StatusCode::kUnavailable, "the embedded ToolServer printed '" +
                                                  out.substr(0, end) + "' instead of its address");
    }
    url_ = out.substr(at + kBanner.size(), end - at - kBanner.size());
    return Status();
  }

  const std::string& url() const override { return url_; }
  const std::string& token() const override { return token_; }

 private:
  std::unique_ptr<ChildProcess> child_;
  std::string token_;
  fs::path token_file_;
  std::string url_;
  std::thread drain_;
  std::mutex mutex_;
  std::string stderr_tail_;
};

}  // namespace

Result<std::unique_ptr<EmbeddedToolServer>> EmbeddedToolServer::Start(
    const fs::path& workspace_root, const std::string& plugins_file) {
  SEXTANT_ASSIGN_OR_RETURN(std::string token, RandomToken());
  SEXTANT_ASSIGN_OR_RETURN(fs::path token_file, WriteTokenFile(token));
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fs::remove(token_file, ec);
    return Status(StatusCode::kUnavailable, "cannot find this program's path: " + ec.message());
  }
  std::vector<std::string> argv = {
      self.string(),       "toolserver",        "--listen",         "127.0.0.1:0",
      "--token-file",      token_file.string(), "--workspace-root", workspace_root.string(),
      "--exit-with-parent"};
  if (!plugins_file.empty()) {
    argv.emplace_back("--plugins");
    argv.push_back(plugins_file);
  }
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn(argv, {});
  if (!child.ok()) {
    fs::remove(token_file, ec);
    return child.status();
  }
  auto server = std::make_unique<ChildToolServer>(std::move(*child), token, token_file);
  SEXTANT_RETURN_IF_ERROR(server->AwaitBanner());
  return std::unique_ptr<EmbeddedToolServer>(std::move(server));
}

}  // namespace sextant::cli
