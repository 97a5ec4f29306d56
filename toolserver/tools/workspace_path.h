// Confines workspace paths: resolves a path given by a model or a client to a
// directory descriptor inside the session's workspace plus a final name,
// refusing anything that would leave the workspace.
//
// Paths may be relative to the workspace, or absolute under "/workspace" (the
// sandbox's mount point) or under the host path of the workspace. Resolution
// walks one component at a time with openat(O_NOFOLLOW): ".." may not climb
// above the workspace root, and a symlink is followed only when its target
// stays inside the workspace (absolute targets are read as above). Callers
// open the final name with O_NOFOLLOW relative to the returned directory, so a
// component swapped for a symlink after resolution makes the open fail instead
// of escaping.
//
// Thread safety: free functions; safe to call concurrently. Errors:
// invalid_argument for an empty path, a NUL byte or a non-directory in the
// middle; permission_denied for an escape; not_found for a missing directory.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sextant::toolserver::tools {

// Where the workspace appears inside the sandbox.
inline constexpr std::string_view kSandboxWorkspace = "/workspace";

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

enum class MissingParents {
  kFail,    // a missing directory on the way is not_found
  kCreate,  // missing directories on the way are created (mode 0755)
};

struct WorkspacePath {
  UniqueFd parent;  // the directory that holds `name`
  std::string
      name;  // the final component, never a symlink at resolution time; "." for a directory itself
  std::string relative;  // the resolved path from the workspace root, "" for the root
};

// Resolves `path` inside `workspace` (see the file comment). The final
// component need not exist.
Result<WorkspacePath> ResolveWorkspacePath(const std::filesystem::path& workspace,
                                           std::string_view path,
                                           MissingParents parents = MissingParents::kFail);

// openat(resolved.parent, resolved.name, flags | O_NOFOLLOW | O_CLOEXEC, mode).
// Errors name `shown_path`: not_found, permission_denied (also for a symlink
// that appeared after resolution), already_exists (O_EXCL), invalid_argument.
Result<UniqueFd> OpenResolved(const WorkspacePath& resolved, int flags, mode_t mode,
                              std::string_view shown_path);

// "relative" for messages: the resolved path, or "." for the root.
std::string ShownPath(const WorkspacePath& resolved);

// A Status for a failed system call on `what`, chosen by errno.
Status ErrnoStatus(int err, std::string_view what);

}  // namespace sextant::toolserver::tools
