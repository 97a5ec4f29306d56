// Reads a file line by line with a bound on line length, without holding
// more than one line (plus a fixed buffer) in memory. Strips "\n" and
// "\r\n" line ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"

namespace sextant::knowledge::internal {

class LineReader {
 public:
  static Result<std::unique_ptr<LineReader>> Open(const std::filesystem::path& path,
                                                  std::size_t max_line_bytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  enum class Outcome { kLine, kTooLong, kEnd };
  // Reads the next line into `line`. kTooLong: the line was longer than the
  // limit and has been skipped (`line` is left empty). Read errors are
  // unavailable.
  Result<Outcome> Next(std::string& line);
  // 1-based number of the line last returned.
  std::int64_t line_number() const { return line_number_; }

 private:
  LineReader(std::FILE* file, std::size_t max_line_bytes);
  Result<bool> Fill();

  std::FILE* file_;
  std::size_t max_line_bytes_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::int64_t line_number_ = 0;
  std::string path_;
};

}  // namespace sextant::knowledge::internal
