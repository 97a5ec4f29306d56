// Namespace plumbing shared by Create (probes) and Run: a raw clone3, the
// uid/gid map writes, and the user namespace behind idmapped workspaces.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "common/status.h"

namespace sextant::toolserver::sandbox::internal {

// The host uid and gid a root caller maps the sandbox user to ("nobody").
inline constexpr std::uint32_t kUnprivilegedHostId = 65534;

// clone3 with `flags` and exit signal SIGCHLD, fork-like (no CLONE_VM, same
// stack). Returns the child's pid in the parent (and a pidfd in *pidfd when
// it is not null), 0 in the child, -1 with errno on failure.
long Clone3(std::uint64_t flags, int* pidfd);

// Maps `inside` to `outside` (one id) for uid and gid of process `pid`.
// Writes "deny" to setgroups first when `deny_setgroups`.
Status WriteIdMaps(pid_t pid, std::uint32_t inside, std::uint32_t outside, bool deny_setgroups);

// Makes a throwaway child in every namespace a run uses. Errors:
// failed_precondition naming the refused flags.
Status ProbeNamespaces();

// A user namespace mapping 0 to `host_id` (uid and gid), as an O_CLOEXEC
// fd, for idmapped mounts: files owned by root on disk appear owned by
// `host_id`. Errors: failed_precondition.
Result<int> MakeIdmapUserNamespace(std::uint32_t host_id);

// An idmapped, detached clone of `dir` (nosuid, nodev) through `userns_fd`,
// as an O_CLOEXEC fd for move_mount. Errors: failed_precondition.
Result<int> MakeIdmappedTree(const char* dir, int userns_fd);

}  // namespace sextant::toolserver::sandbox::internal
