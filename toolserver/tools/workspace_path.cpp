#include "toolserver/tools/workspace_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

namespace sextant::toolserver::tools {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxSymlinkHops = 40;
constexpr std::size_t kMaxPathBytes = 4096;
constexpr mode_t kDirMode = 0755;

void SplitInto(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

// For an absolute path: the part below the workspace, or nullopt when it is
// outside.
std::optional<std::string_view> StripWorkspacePrefix(std::string_view path,
                                                     const std::string& host_root) {
  const std::string_view host = host_root;
  for (std::string_view prefix : {kSandboxWorkspace, host}) {
    if (prefix.empty() || !path.starts_with(prefix)) continue;
    std::string_view rest = path.substr(prefix.size());
    if (rest.empty() || rest.front() == '/') return rest;
  }
  return std::nullopt;
}

std::string Join(const std::vector<std::string>& names, std::string_view last) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "/") + n;
  if (!last.empty() && last != ".") out += (out.empty() ? "" : "/") + std::string(last);
  return out;
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Status ErrnoStatus(int err, std::string_view what) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
    case ELOOP:
    case EROFS:
      return PermissionDeniedError(std::move(message));
    case EEXIST:
      return AlreadyExistsError(std::move(message));
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case ENXIO:
    case EINVAL:
      return InvalidArgumentError(std::move(message));
    case EFBIG:
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
      return ResourceExhaustedError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

std::string ShownPath(const WorkspacePath& resolved) {
  return resolved.relative.empty() ? "." : resolved.relative;
}

Result<WorkspacePath> ResolveWorkspacePath(const fs::path& workspace, std::string_view path,
                                           MissingParents parents) {
  if (path.empty()) return InvalidArgumentError("path is empty");
  if (path.size() > kMaxPathBytes) return InvalidArgumentError("path is too long");
  if (path.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("path holds a NUL byte");
  }
  const std::string host_root = workspace.lexically_normal().string();
  std::deque<std::string> queue;
  if (path.front() == '/') {
    auto rest = StripWorkspacePrefix(path, host_root);
    if (!rest) {
      return PermissionDeniedError("path '" + std::string(path) +
                                   "' is outside the workspace (use a relative path or one "
                                   "under /workspace)");
    }
    SplitInto(*rest, queue, false);
  } else {
    SplitInto(path, queue, false);
  }

  std::vector<UniqueFd> dirs;
  std::vector<std::string> names;
  {
    const int root = ::open(workspace.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return ErrnoStatus(errno, "open workspace " + workspace.string());
    dirs.emplace_back(root);
  }
  int hops = 0;
  auto follow = [&](const std::string& comp) -> Status {
    if (++hops > kMaxSymlinkHops) {
      return PermissionDeniedError("path '" + std::string(path) + "': too many symlinks");
    }
    char buf[kMaxPathBytes];
    const ssize_t n = ::readlinkat(dirs.back().get(), comp.c_str(), buf, sizeof(buf));
    if (n < 0) return ErrnoStatus(errno, "readlink " + Join(names, comp));
    const std::string_view target(buf, static_cast<std::size_t>(n));
    if (!target.empty() && target.front() == '/') {
      auto rest = StripWorkspacePrefix(target, host_root);
      if (!rest) {
        return PermissionDeniedError("path '" + std::string(path) + "': symlink '" +
                                     Join(names, comp) + "' points outside the workspace");
      }
      dirs.resize(1);
      names.clear();
      SplitInto(*rest, queue, true);
    } else {
      SplitInto(target, queue, true);
    }
    return Status::Ok();
  };

  while (!queue.empty()) {
    const std::string comp = std::move(queue.front());
    queue.pop_front();
    if (comp == ".") continue;
    if (comp == "..") {
      if (names.empty()) {
        return PermissionDeniedError("path '" + std::string(path) +
                                     "' climbs above the workspace root");
      }
      names.pop_back();
      dirs.pop_back();
      continue;
    }
    if (queue.empty()) {
      struct stat st {};
      if (::fstatat(dirs.back().get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        SEXTANT_RETURN_IF_ERROR(follow(comp));
        continue;
      }
      const int parent = ::dup(dirs.back().get());
      if (parent < 0) return ErrnoStatus(errno, "dup");
      return WorkspacePath{UniqueFd(parent), comp, Join(names, comp)};
    }
    int fd =
        ::openat(dirs.back().get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && parents == MissingParents::kCreate) {
      if (::mkdirat(dirs.back().get(), comp.c_str(), kDirMode) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "create directory " + Join(names, comp));
      }
      fd = ::openat(dirs.back().get(), comp.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      const int err = errno;
      struct stat st {};
      if ((err == ELOOP || err == ENOTDIR) &&
          ::fstatat(dirs.back().get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        SEXTANT_RETURN_IF_ERROR(follow(comp));
        continue;
      }
      return ErrnoStatus(err, "path '" + std::string(path) + "': " + Join(names, comp));
    }
    dirs.emplace_back(fd);
    names.push_back(comp);
  }
  const int self = ::dup(dirs.back().get());
  if (self < 0) return ErrnoStatus(errno, "dup");
  return WorkspacePath{UniqueFd(self), ".", Join(names, "")};
}

Result<UniqueFd> OpenResolved(const WorkspacePath& resolved, int flags, mode_t mode,
                              std::string_view shown_path) {
  const int fd =
      ::openat(resolved.parent.get(), resolved.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus(errno, shown_path);
  return UniqueFd(fd);
}

}  // namespace sextant::toolserver::tools
