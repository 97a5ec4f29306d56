// Per-run cgroups that bound a sandbox's memory and process count.
//
// A CgroupManager owns one directory per Sandbox in a writable hierarchy (v2,
// or the v1 memory and pids hierarchies); each run gets a child group there,
// removed when its RunCgroup is destroyed. Thread safety: CreateRun may be
// called from many threads at once; a RunCgroup belongs to one run.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace sextant::toolserver::sandbox::internal {

class RunCgroup {
 public:
  RunCgroup(std::vector<std::filesystem::path> dirs, std::filesystem::path oom_file)
      : dirs_(std::move(dirs)), oom_file_(std::move(oom_file)) {}
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;
  // Removes the groups; they must hold no live process by then.
  ~RunCgroup();

  // Moves `pid` (and so its future descendants) into the groups.
  Status Attach(pid_t pid) const;
  // True when the kernel's OOM killer killed a process of this group.
  bool OomKilled() const;

 private:
  std::vector<std::filesystem::path> dirs_;
  std::filesystem::path oom_file_;  // memory.events (v2) or memory.oom_control (v1)
};

class CgroupManager {
 public:
  // Finds a writable hierarchy, under `parent` when it is not empty, else
  // under this process's own cgroups, and makes this manager's directory.
  // Returns null and sets *note to the reason when none can be used; else
  // *note says which hierarchy is used.
  static std::unique_ptr<CgroupManager> Create(const std::filesystem::path& parent,
                                               std::string* note);
  ~CgroupManager();

  // The directory holding the per-run groups (the memory one on v1).
  const std::filesystem::path& dir() const { return memory_dir_; }

  // A new group with memory and pids limits. Errors: internal.
  Result<std::unique_ptr<RunCgroup>> CreateRun(std::int64_t memory_bytes, int max_pids);

 private:
  CgroupManager(bool v2, std::filesystem::path memory_dir, std::filesystem::path pids_dir)
      : v2_(v2), memory_dir_(std::move(memory_dir)), pids_dir_(std::move(pids_dir)) {}

  bool v2_;
  std::filesystem::path memory_dir_;  // this manager's directory (v2: the only one)
  std::filesystem::path pids_dir_;    // v1 only
  std::atomic<std::uint64_t> next_run_{0};
};

}  // namespace sextant::toolserver::sandbox::internal
