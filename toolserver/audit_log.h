// The ToolServer's audit log: one JSON object per line for every tool call,
//   {"time":"2026-11-28T10:30:00.123Z","session":"...","tool":"shell_run",
//    "arguments":{...},"duration_ms":12,"outcome":"ok"}
// with "outcome":"error" and "error":"<code>" for a failed call. Arguments
// pass through RedactJson (and a Redactor's registered values) first.
//
// Ownership: owns the file descriptor. Thread safety: Record may be called
// from any thread; each line is one write(2) on an O_APPEND descriptor.
// Errors: Open fails with the errno's status; a line that cannot be written
// is counted in write_failures() and otherwise dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/json.h"
#include "common/redact.h"
#include "common/status.h"

namespace sextant::toolserver {

struct AuditRecord {
  std::string session;
  std::string tool;
  Json arguments;
  std::int64_t duration_ms = 0;
  std::string error_code;  // empty: the call succeeded
};

class AuditLog {
 public:
  static Result<std::unique_ptr<AuditLog>> Open(const std::filesystem::path& path,
                                                Redactor redactor);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void Record(const AuditRecord& record);
  std::int64_t write_failures() const { return write_failures_.load(); }

 private:
  AuditLog(int fd, Redactor redactor) : fd_(fd), redactor_(std::move(redactor)) {}

  int fd_;
  Redactor redactor_;
  std::atomic<std::int64_t> write_failures_{0};
};

// "2026-11-28T10:30:00.123Z" for now.
std::string UtcTimestamp();

}  // namespace sextant::toolserver
