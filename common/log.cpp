#include "common/log.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/config.h"
#include "common/redact.h"

namespace sextant {
namespace {

constexpr int kMillisPerSecond = 1000;
constexpr int kTmBaseYear = 1900;

class FdSink final : public LogSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  void Write(std::string_view line) override {
    while (!line.empty()) {
      const ssize_t n = ::write(fd_, line.data(), line.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      line.remove_prefix(static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
};

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / kMillisPerSecond);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + kTmBaseYear,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % kMillisPerSecond));
  return buf;
}

// Cuts `text` to at most `max` bytes at a UTF-8 character boundary, noting the cut.
std::string Truncate(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  const std::size_t dropped = text.size() - cut;
  text.resize(cut);
  return text + "...(" + std::to_string(dropped) + " bytes more)";
}

// Escapes control characters so that an entry stays on one line.
std::string EscapeControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

// The field's value redacted and cut; strings stay strings.
Json FieldValue(const LogField& field, std::size_t max_bytes) {
  Json wrapped = Json::object();
  wrapped[field.key] = field.value;
  Json value = RedactJson(wrapped)[field.key];
  if (value.is_string()) return Truncate(value.get<std::string>(), max_bytes);
  return value;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "unknown";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "warning") return LogLevel::kWarn;
  for (LogLevel level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                         LogLevel::kError, LogLevel::kOff}) {
    if (lower == LogLevelName(level)) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "text") return LogFormat::kText;
  if (lower == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::unique_ptr<LogSink> MakeFdLogSink(int fd) { return std::make_unique<FdSink>(fd); }

Logger::Logger(std::unique_ptr<LogSink> sink, LogOptions options)
    : level_(options.level),
      format_(options.format),
      max_value_bytes_(options.max_value_bytes),
      sink_(sink ? std::move(sink) : MakeFdLogSink(STDERR_FILENO)) {}

Logger::~Logger() = default;

void Logger::SetLevel(LogLevel level) { level_.store(level, std::memory_order_relaxed); }

void Logger::SetFormat(LogFormat format) { format_.store(format, std::memory_order_relaxed); }

void Logger::SetSink(std::unique_ptr<LogSink> sink) {
  std::lock_guard lock(mu_);
  sink_ = sink ? std::move(sink) : MakeFdLogSink(STDERR_FILENO);
}

void Logger::Configure(const Config& config) {
  if (auto level = ParseLogLevel(config.GetString("log.level"))) SetLevel(*level);
  if (auto format = ParseLogFormat(config.GetString("log.format"))) SetFormat(*format);
}

void Logger::Log(LogLevel level, std::string_view component, std::string_view message,
                 std::initializer_list<LogField> fields) {
  Log(level, component, message, std::span<const LogField>(fields.begin(), fields.size()));
}

void Logger::Log(LogLevel level, std::string_view component, std::string_view message,
                 std::span<const LogField> fields) {
  if (!Enabled(level)) return;
  const std::string line = Format(level, component, message, fields);
  std::lock_guard lock(mu_);
  sink_->Write(line);
}

std::string Logger::Format(LogLevel level, std::string_view component, std::string_view message,
                           std::span<const LogField> fields) const {
  const std::string msg = Truncate(RedactText(message), max_value_bytes_);
  if (format_.load(std::memory_order_relaxed) == LogFormat::kJson) {
    Json object = Json::object();
    for (const LogField& field : fields) object[field.key] = FieldValue(field, max_value_bytes_);
    std::string line = "{\"ts\":\"" + Timestamp() + "\",\"level\":\"";
    line += LogLevelName(level);
    line += "\",\"component\":" + DumpJson(Json(std::string(component)));
    line += ",\"msg\":" + DumpJson(Json(msg));
    line += ",\"fields\":" + DumpJson(object) + "}\n";
    return line;
  }
  std::string level_name(LogLevelName(level));
  for (char& c : level_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  level_name.resize(5, ' ');
  std::string line = Timestamp() + " " + level_name + " ";
  if (!component.empty()) line += "[" + EscapeControls(component) + "] ";
  line += EscapeControls(msg);
  for (const LogField& field : fields) {
    const Json value = FieldValue(field, max_value_bytes_);
    std::string text = value.is_string() ? value.get<std::string>() : DumpJson(value);
    line += " " + EscapeControls(field.key) + "=";
    line += value.is_string() && NeedsQuotes(text) ? DumpJson(Json(text)) : EscapeControls(text);
  }
  line += '\n';
  return line;
}

Logger& DefaultLogger() {
  static Logger logger;
  return logger;
}

void ConfigureLogging(const Config& config) {
  AddRedactedValues(config.SecretValues());
  DefaultLogger().Configure(config);
}

void LogTrace(std::string_view component, std::string_view message,
              std::initializer_list<LogField> fields) {
  DefaultLogger().Log(LogLevel::kTrace, component, message, fields);
}
void LogDebug(std::string_view component, std::string_view message,
              std::initializer_list<LogField> fields) {
  DefaultLogger().Log(LogLevel::kDebug, component, message, fields);
}
void LogInfo(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields) {
  DefaultLogger().Log(LogLevel::kInfo, component, message, fields);
}
void LogWarn(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields) {
  DefaultLogger().Log(LogLevel::kWarn, component, message, fields);
}
void LogError(std::string_view component, std::string_view message,
              std::initializer_list<LogField> fields) {
  DefaultLogger().Log(LogLevel::kError, component, message, fields);
}

}  // namespace sextant
