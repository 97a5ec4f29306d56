#include "toolserver/sandbox/internal/plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sextant::toolserver::sandbox::internal {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
constexpr std::int64_t kRootTmpfsBytes = 1024 * 1024;  // /etc files and mount points only

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "sandbox:x:1000:1000:sandbox:/workspace:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr const char* kGroup =
    "root:x:0:\n"
    "sandbox:x:1000:\n"
    "nogroup:x:65534:\n";
constexpr const char* kHosts =
    "127.0.0.1\tlocalhost sandbox\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n";
constexpr const char* kNsswitch =
    "passwd: files\n"
    "group: files\n"
    "hosts: files dns\n";

Entry MakeEntry(EntryKind kind, std::string path, std::string source, std::string content = {}) {
  Entry entry;
  entry.kind = kind;
  entry.path = std::move(path);
  entry.source = std::move(source);
  entry.content = std::move(content);
  return entry;
}

bool HasNul(const std::string& text) { return text.find('\0') != std::string::npos; }

}  // namespace

Result<std::vector<Entry>> BuildBaseEntries(const std::vector<fs::path>& read_only_paths) {
  std::vector<Entry> entries;
  for (const fs::path& raw : read_only_paths) {
    fs::path path = raw.lexically_normal();
    if (!path.is_absolute() || path == "/" || path.string().find("/..") != std::string::npos) {
      return InvalidArgumentError("read_only_paths: '" + raw.string() +
                                  "' must be an absolute path below /");
    }
    std::string clean = path.string();
    if (clean.size() > 1 && clean.back() == '/') clean.pop_back();
    auto under = [&clean](const std::string& dir) {
      return clean == dir || clean.starts_with(dir + "/");
    };
    if (under("/workspace") || under("/proc") || clean == "/tmp" || clean == "/dev" ||
        clean == "/etc") {
      return InvalidArgumentError("read_only_paths: '" + clean + "' is reserved by the sandbox");
    }
    std::error_code error;
    fs::file_status status = fs::symlink_status(path, error);
    if (error || status.type() == fs::file_type::not_found) continue;
    if (status.type() == fs::file_type::symlink) {
      fs::path target = fs::read_symlink(path, error);
      if (!error) entries.push_back(MakeEntry(EntryKind::kSymlink, clean, target.string()));
    } else if (status.type() == fs::file_type::directory) {
      entries.push_back(MakeEntry(EntryKind::kDirBind, clean, clean));
    }
  }
  for (const char* node : {"null", "zero", "random", "urandom"}) {
    std::string path = std::string("/dev/") + node;
    entries.push_back(MakeEntry(EntryKind::kFileBind, path, path));
  }
  entries.push_back(MakeEntry(EntryKind::kSymlink, "/dev/fd", "/proc/self/fd"));
  entries.push_back(MakeEntry(EntryKind::kSymlink, "/dev/stdin", "/proc/self/fd/0"));
  entries.push_back(MakeEntry(EntryKind::kSymlink, "/dev/stdout", "/proc/self/fd/1"));
  entries.push_back(MakeEntry(EntryKind::kSymlink, "/dev/stderr", "/proc/self/fd/2"));
  entries.push_back(MakeEntry(EntryKind::kFile, "/etc/passwd", "", kPasswd));
  entries.push_back(MakeEntry(EntryKind::kFile, "/etc/group", "", kGroup));
  entries.push_back(MakeEntry(EntryKind::kFile, "/etc/hosts", "", kHosts));
  entries.push_back(MakeEntry(EntryKind::kFile, "/etc/hostname", "", "sandbox\n"));
  entries.push_back(MakeEntry(EntryKind::kFile, "/etc/nsswitch.conf", "", kNsswitch));
  // The dynamic loader's cache of the host libraries: without it every
  // program probes many directories for each library.
  std::ifstream cache("/etc/ld.so.cache", std::ios::binary);
  if (cache) {
    std::stringstream bytes;
    bytes << cache.rdbuf();
    entries.push_back(MakeEntry(EntryKind::kFile, "/etc/ld.so.cache", "", bytes.str()));
  }
  return entries;
}

std::vector<Entry> BuildNetworkEntries() {
  std::vector<Entry> entries;
  std::ifstream in("/etc/resolv.conf");
  std::stringstream resolv;
  if (in) resolv << in.rdbuf();
  entries.push_back(MakeEntry(EntryKind::kFile, "/etc/resolv.conf", "", resolv.str()));
  for (const char* dir : {"/etc/ssl", "/etc/ca-certificates"}) {
    std::error_code error;
    if (fs::is_directory(dir, error)) entries.push_back(MakeEntry(EntryKind::kDirBind, dir, dir));
  }
  return entries;
}

Status FillCommand(const Spec& spec, ChildPlan& plan) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return InvalidArgumentError("argv: the command is empty");
  }
  for (const std::string& arg : spec.argv) {
    if (HasNul(arg)) return InvalidArgumentError("argv: an argument contains a NUL byte");
  }
  const Limits& limits = spec.limits;
  if (limits.wall_timeout.count() <= 0 || limits.cpu_seconds <= 0 ||
      limits.address_space_bytes <= 0 || limits.max_processes <= 0 ||
      limits.max_file_size_bytes <= 0 || limits.max_open_files <= 0 || limits.memory_bytes <= 0 ||
      limits.max_pids <= 0 || limits.tmp_bytes <= 0) {
    return InvalidArgumentError("limits: every limit must be positive");
  }

  std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", kDefaultPath}, {"HOME", "/workspace"}, {"LANG", "C.UTF-8"}, {"TMPDIR", "/tmp"}};
  for (const auto& [key, value] : spec.env) {
    if (key.empty() || key.find('=') != std::string::npos || HasNul(key) || HasNul(value)) {
      return InvalidArgumentError("env: bad variable name '" + key + "'");
    }
    bool replaced = false;
    for (auto& existing : env) {
      if (existing.first == key) {
        existing.second = value;
        replaced = true;
      }
    }
    if (!replaced) env.emplace_back(key, value);
  }
  std::string path_value;
  plan.env_storage.clear();
  for (const auto& [key, value] : env) {
    if (key == "PATH") path_value = value;
    plan.env_storage.push_back(key + "=" + value);
  }

  plan.argv_storage = spec.argv;
  const std::string& command = spec.argv[0];
  plan.exec_candidates.clear();
  if (command.find('/') != std::string::npos) {
    plan.exec_candidates.push_back(command);
  } else {
    std::istringstream dirs(path_value);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty()) plan.exec_candidates.push_back(dir + "/" + command);
    }
  }

  auto value = [](std::int64_t v) { return static_cast<rlim_t>(v); };
  plan.rlimits = {
      {RLIMIT_CPU, value(limits.cpu_seconds), value(limits.cpu_seconds) + 1},
      {RLIMIT_AS, value(limits.address_space_bytes), value(limits.address_space_bytes)},
      {RLIMIT_NPROC, value(limits.max_processes), value(limits.max_processes)},
      {RLIMIT_FSIZE, value(limits.max_file_size_bytes), value(limits.max_file_size_bytes)},
      {RLIMIT_NOFILE, value(limits.max_open_files), value(limits.max_open_files)},
      {RLIMIT_CORE, 0, 0},
  };
  plan.root_options = "mode=0755,size=" + std::to_string(kRootTmpfsBytes);
  plan.tmp_options = "mode=1777,size=" + std::to_string(limits.tmp_bytes);
  return Status::Ok();
}

}  // namespace sextant::toolserver::sandbox::internal
