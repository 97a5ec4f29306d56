// Structured logging: a message plus key/value fields, as text or JSON lines,
// with secrets redacted (common/redact.h) before anything is written.
//
// Text:  2026-11-28T10:30:00.123Z INFO  [http] request done path=/v1/tools bytes=512
// JSON:  {"ts":"2026-11-28T10:30:00.123Z","level":"info","component":"http",
//         "msg":"request done","fields":{"bytes":512,"path":"/v1/tools"}}
// Each entry is exactly one line. Text mode escapes control characters in the
// message and quotes (JSON-style) field values that hold blanks, quotes, '='
// or control characters; JSON mode is valid JSON even for invalid UTF-8
// (replaced by U+FFFD). Field values named like secrets read ***; strings are
// passed through RedactText, nested JSON through RedactJson. The message and
// each string field are cut to LogOptions::max_value_bytes after redaction.
//
// Usage:
//   LogInfo("http", "request done", {{"path", path}, {"bytes", n}});
//   SEXTANT_LOG(LogLevel::kDebug, "llm", "sampled", {{"token", Expensive()}});
// The macro does not evaluate its arguments when the level is disabled; the
// functions check the level before any formatting.
#pragma once

#include <atomic>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/json.h"

namespace sextant {

class Config;

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat { kText, kJson };

// "trace", "debug", "info", "warn", "error", "off".
std::string_view LogLevelName(LogLevel level);
// Accepts those names in any case (and "warning"); nullopt otherwise.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
// "text" or "json", any case.
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// One structured field: {"path", p}, {"bytes", n}, {"ok", true}, {"args", json}.
struct LogField {
  std::string key;
  Json value;
};

// Where lines go.
//
// Ownership: owned by the Logger it is given to.
// Thread safety: the Logger calls Write under its lock, one whole line
// (ending in '\n') per call, so a sink needs no locking of its own.
// Errors: a sink cannot report failure; a line it cannot write is lost.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes each line to `fd` (not owned, e.g. STDERR_FILENO) with write(2),
// retrying short writes and EINTR.
std::unique_ptr<LogSink> MakeFdLogSink(int fd);

struct LogOptions {
  static constexpr std::size_t kDefaultMaxValueBytes = 16 * 1024;

  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  // The message and each string field value are cut to this many bytes
  // (at a UTF-8 character boundary), with a note of how much was dropped.
  std::size_t max_value_bytes = kDefaultMaxValueBytes;
};

// A logger with a level, a format and a sink.
//
// Ownership: owns its sink.
// Thread safety: every method may be called from any thread; each entry is
// written whole, with no interleaving of lines.
// Errors: none are reported; logging never fails its caller.
class Logger {
 public:
  // A null sink means standard error.
  explicit Logger(std::unique_ptr<LogSink> sink = nullptr, LogOptions options = {});
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(LogLevel level) const {
    return level != LogLevel::kOff && level >= level_.load(std::memory_order_relaxed);
  }
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }
  void SetLevel(LogLevel level);
  void SetFormat(LogFormat format);
  // A null sink means standard error.
  void SetSink(std::unique_ptr<LogSink> sink);
  // Applies log.level and log.format (declared by DeclareCommonConfig).
  void Configure(const Config& config);

  void Log(LogLevel level, std::string_view component, std::string_view message,
           std::initializer_list<LogField> fields = {});
  void Log(LogLevel level, std::string_view component, std::string_view message,
           std::span<const LogField> fields);

 private:
  std::string Format(LogLevel level, std::string_view component, std::string_view message,
                     std::span<const LogField> fields) const;

  std::atomic<LogLevel> level_;
  std::atomic<LogFormat> format_;
  const std::size_t max_value_bytes_;
  std::mutex mu_;
  std::unique_ptr<LogSink> sink_;  // guarded by mu_
};

// The process-wide logger (standard error, info, text until configured).
Logger& DefaultLogger();

// Configures the process-wide logger from `config` and adds the config's
// secret values to the process-wide redaction list.
void ConfigureLogging(const Config& config);

// Log to the process-wide logger.
void LogTrace(std::string_view component, std::string_view message,
              std::initializer_list<LogField> fields = {});
void LogDebug(std::string_view component, std::string_view message,
              std::initializer_list<LogField> fields = {});
void LogInfo(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {});
void LogWarn(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {});
void LogError(std::string_view component, std::string_view message,
              std::initializer_list<LogField> fields = {});

}  // namespace sextant

// SEXTANT_LOG(level, component, message[, {fields...}]) on the process-wide
// logger; evaluates nothing but `level` when that level is disabled.
#define SEXTANT_LOG(level, ...)                                                  \
  do {                                                                           \
    ::sextant::Logger& sextant_logger_ = ::sextant::DefaultLogger();             \
    if (sextant_logger_.Enabled(level)) sextant_logger_.Log(level, __VA_ARGS__); \
  } while (0)
