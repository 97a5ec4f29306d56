#include "knowledge/internal/line_reader.h"

#include <cerrno>
#include <cstring>

namespace sextant::knowledge::internal {
namespace {
constexpr std::size_t kBufferBytes = std::size_t{1} << 16;
}  // namespace

LineReader::LineReader(std::FILE* file, std::size_t max_line_bytes)
    : file_(file), max_line_bytes_(max_line_bytes), buffer_(kBufferBytes, '\0') {}

LineReader::~LineReader() { std::fclose(file_); }

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::filesystem::path& path,
                                                     std::size_t max_line_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgumentError("open " + path.string() + ": is a directory");
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int err = errno;
    std::string message = "open " + path.string() + ": " + std::strerror(err);
    if (err == ENOENT) return NotFoundError(message);
    if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
    return UnavailableError(message);
  }
  auto reader = std::unique_ptr<LineReader>(new LineReader(file, max_line_bytes));
  reader->path_ = path.string();
  return reader;
}

Result<bool> LineReader::Fill() {
  pos_ = 0;
  end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (end_ == 0 && std::ferror(file_) != 0) {
    return UnavailableError("read " + path_ + ": " + std::strerror(errno));
  }
  return end_ > 0;
}

Result<LineReader::Outcome> LineReader::Next(std::string& line) {
  line.clear();
  bool too_long = false;
  bool any = false;
  for (;;) {
    if (pos_ == end_) {
      SEXTANT_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) {
        if (!any) return Outcome::kEnd;
        break;
      }
    }
    any = true;
    const char* start = buffer_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
    const std::size_t take = nl != nullptr ? static_cast<std::size_t>(nl - start) : end_ - pos_;
    if (!too_long) {
      if (line.size() + take > max_line_bytes_ + 1) {  // +1: a '\r' may still go
        too_long = true;
        line.clear();
      } else {
        line.append(start, take);
      }
    }
    pos_ += take;
    if (nl != nullptr) {
      ++pos_;
      break;
    }
  }
  ++line_number_;
  if (!too_long && !line.empty() && line.back() == '\r') line.pop_back();
  if (too_long || line.size() > max_line_bytes_) {
    line.clear();
    return Outcome::kTooLong;
  }
  return Outcome::kLine;
}

}  // namespace sextant::knowledge::internal
