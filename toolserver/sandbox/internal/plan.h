// Builds the ChildPlan of a run from a Spec: the file view's entries (read-
// only system directories, /dev nodes, a fresh minimal /etc), argv, the
// environment, the PATH candidates and the rlimits.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "toolserver/sandbox/internal/child.h"
#include "toolserver/sandbox/sandbox.h"

namespace sextant::toolserver::sandbox::internal {

// The entries every run shares, from the host as it is now: each of
// `read_only_paths` that is a directory becomes a read-only bind, each that
// is a symlink (a merged-/usr /bin) the same symlink; absent ones are
// skipped. Errors: invalid_argument for a relative path, "/", or a path
// the sandbox reserves (/tmp, /dev, /etc, and /workspace or /proc or below).
Result<std::vector<Entry>> BuildBaseEntries(
    const std::vector<std::filesystem::path>& read_only_paths);

// Extra entries when the network is on: the host's resolv.conf and TLS
// certificate directories.
std::vector<Entry> BuildNetworkEntries();

// Checks `spec` and fills argv, envp, exec candidates, rlimits and tmpfs
// options of `plan`. Errors: invalid_argument naming the bad field.
Status FillCommand(const Spec& spec, ChildPlan& plan);

}  // namespace sextant::toolserver::sandbox::internal
