#include "toolserver/sandbox/internal/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace sextant::toolserver::sandbox::internal {
namespace {

namespace fs = std::filesystem;

constexpr int kRemoveAttempts = 200;  // rmdir retries while the kernel tears the group down
constexpr std::chrono::milliseconds kRemoveBackoff{2};

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Status WriteFile(const fs::path& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return InternalError("open " + path.string() + ": " + std::strerror(errno));
  ssize_t n = write(fd, content.data(), content.size());
  int error = errno;
  close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    return InternalError("write " + path.string() + ": " + std::strerror(error));
  }
  return Status::Ok();
}

Status MakeDir(const fs::path& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return InternalError("mkdir " + path.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

void RemoveDir(const fs::path& path) {
  for (int attempt = 0; attempt < kRemoveAttempts; ++attempt) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    std::this_thread::sleep_for(kRemoveBackoff);
  }
}

struct Mount {
  fs::path dir;
  std::string type;
  std::string options;
};

std::vector<Mount> CgroupMounts() {
  std::vector<Mount> mounts;
  std::istringstream lines(ReadFile("/proc/self/mounts").value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string device;
    Mount mount;
    std::string dir;
    fields >> device >> dir >> mount.type >> mount.options;
    mount.dir = dir;
    if (mount.type == "cgroup" || mount.type == "cgroup2") mounts.push_back(mount);
  }
  return mounts;
}

bool HasOption(const std::string& options, const std::string& name) {
  std::istringstream parts(options);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (part == name) return true;
  }
  return false;
}

// This process's path in the hierarchy holding `controller` ("" for v2).
std::optional<std::string> OwnCgroupPath(const std::string& controller) {
  std::istringstream lines(ReadFile("/proc/self/cgroup").value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    size_t first = line.find(':');
    size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    if (controller.empty() ? controllers.empty() : HasOption(controllers, controller)) {
      return line.substr(second + 1);
    }
  }
  return std::nullopt;
}

bool IsUnder(const fs::path& path, const fs::path& dir) {
  auto rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

std::string InstanceName() {
  static std::atomic<int> counter{0};
  return "sextant-sandbox-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

std::optional<std::uint64_t> ReadKey(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string name;
  std::uint64_t value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return std::nullopt;
}

}  // namespace

RunCgroup::~RunCgroup() {
  for (const fs::path& dir : dirs_) RemoveDir(dir);
}

Status RunCgroup::Attach(pid_t pid) const {
  for (const fs::path& dir : dirs_) {
    SEXTANT_RETURN_IF_ERROR(WriteFile(dir / "cgroup.procs", std::to_string(pid)));
  }
  return Status::Ok();
}

bool RunCgroup::OomKilled() const {
  auto text = ReadFile(oom_file_);
  return text && ReadKey(*text, "oom_kill").value_or(0) > 0;
}

std::unique_ptr<CgroupManager> CgroupManager::Create(const fs::path& parent, std::string* note) {
  std::vector<Mount> mounts = CgroupMounts();
  const Mount* v2 = nullptr;
  const Mount* memory = nullptr;
  const Mount* pids = nullptr;
  for (const Mount& mount : mounts) {
    if (mount.type == "cgroup2") {
      auto controllers = ReadFile(mount.dir / "cgroup.controllers").value_or("");
      bool usable = controllers.find("memory") != std::string::npos &&
                    controllers.find("pids") != std::string::npos;
      if (usable && (parent.empty() || IsUnder(parent, mount.dir) || parent == mount.dir)) {
        v2 = &mount;
      }
    } else if (HasOption(mount.options, "memory")) {
      memory = &mount;
    } else if (HasOption(mount.options, "pids")) {
      pids = &mount;
    }
  }

  std::string name = InstanceName();
  if (v2 != nullptr) {
    fs::path base = parent.empty()
                        ? v2->dir / fs::path(OwnCgroupPath("").value_or("/")).relative_path()
                        : parent;
    fs::path dir = base / name;
    Status status = WriteFile(base / "cgroup.subtree_control", "+memory +pids");
    if (status.ok()) status = MakeDir(dir);
    if (status.ok()) status = WriteFile(dir / "cgroup.subtree_control", "+memory +pids");
    if (!status.ok()) {
      rmdir(dir.c_str());
      *note = "cgroup v2 at " + base.string() + " is not usable: " + status.message();
      return nullptr;
    }
    *note = "cgroup v2: " + dir.string();
    return std::unique_ptr<CgroupManager>(new CgroupManager(true, dir, {}));
  }
  if (memory == nullptr || pids == nullptr) {
    *note = "no cgroup hierarchy with the memory and pids controllers is mounted";
    return nullptr;
  }
  fs::path memory_base;
  fs::path pids_base;
  if (parent.empty()) {
    memory_base = memory->dir / fs::path(OwnCgroupPath("memory").value_or("/")).relative_path();
    pids_base = pids->dir / fs::path(OwnCgroupPath("pids").value_or("/")).relative_path();
  } else if (IsUnder(parent, memory->dir) || parent == memory->dir) {
    memory_base = parent;
    pids_base = pids->dir / parent.lexically_relative(memory->dir);
  } else {
    *note = "cgroup_parent " + parent.string() + " is in no usable cgroup hierarchy";
    return nullptr;
  }
  fs::path memory_dir = memory_base / name;
  fs::path pids_dir = pids_base / name;
  Status status = MakeDir(memory_dir);
  if (status.ok()) status = MakeDir(pids_dir);
  if (!status.ok()) {
    rmdir(memory_dir.c_str());
    *note = "cgroup v1 is not writable: " + status.message();
    return nullptr;
  }
  *note = "cgroup v1: memory " + memory_dir.string() + ", pids " + pids_dir.string();
  return std::unique_ptr<CgroupManager>(new CgroupManager(false, memory_dir, pids_dir));
}

CgroupManager::~CgroupManager() {
  RemoveDir(memory_dir_);
  if (!v2_) RemoveDir(pids_dir_);
}

Result<std::unique_ptr<RunCgroup>> CgroupManager::CreateRun(std::int64_t memory_bytes,
                                                            int max_pids) {
  std::string name = "run-" + std::to_string(next_run_++);
  std::vector<fs::path> dirs;
  fs::path memory_dir = memory_dir_ / name;
  dirs.push_back(memory_dir);
  if (!v2_) dirs.push_back(pids_dir_ / name);
  fs::path oom_file = memory_dir / (v2_ ? "memory.events" : "memory.oom_control");
  std::vector<fs::path> made;
  for (const fs::path& dir : dirs) {
    Status status = MakeDir(dir);
    if (!status.ok()) {
      for (const fs::path& done : made) RemoveDir(done);
      return status;
    }
    made.push_back(dir);
  }
  auto run = std::make_unique<RunCgroup>(dirs, oom_file);
  std::string memory = std::to_string(memory_bytes);
  std::string pids = std::to_string(max_pids);
  if (v2_) {
    SEXTANT_RETURN_IF_ERROR(WriteFile(memory_dir / "memory.max", memory));
    WriteFile(memory_dir / "memory.swap.max", "0").IgnoreError();  // absent without swap
    SEXTANT_RETURN_IF_ERROR(WriteFile(memory_dir / "pids.max", pids));
  } else {
    SEXTANT_RETURN_IF_ERROR(WriteFile(memory_dir / "memory.limit_in_bytes", memory));
    // memory+swap, where swap accounting exists; must not be below the limit.
    WriteFile(memory_dir / "memory.memsw.limit_in_bytes", memory).IgnoreError();
    SEXTANT_RETURN_IF_ERROR(WriteFile(dirs[1] / "pids.max", pids));
  }
  return run;
}

}  // namespace sextant::toolserver::sandbox::internal
