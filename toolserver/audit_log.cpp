#include "toolserver/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace sextant::toolserver {
namespace {

constexpr mode_t kAuditMode = 0600;
constexpr int kMsPerSecond = 1000;

}  // namespace

std::string UtcTimestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / kMsPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % kMsPerSecond));
  return buf;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::filesystem::path& path,
                                                 Redactor redactor) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kAuditMode);
  if (fd < 0) {
    return PermissionDeniedError("open audit log " + path.string() + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(fd, std::move(redactor)));
}

AuditLog::~AuditLog() { ::close(fd_); }

void AuditLog::Record(const AuditRecord& record) {
  Json line = {{"time", UtcTimestamp()},
               {"session", record.session},
               {"tool", record.tool},
               {"arguments", redactor_.RedactJson(RedactJson(record.arguments))},
               {"duration_ms", record.duration_ms},
               {"outcome", record.error_code.empty() ? "ok" : "error"}};
  if (!record.error_code.empty()) line["error"] = record.error_code;
  const std::string text = DumpJson(line) + "\n";
  const ssize_t n = ::write(fd_, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) write_failures_.fetch_add(1);
}

}  // namespace sextant::toolserver
