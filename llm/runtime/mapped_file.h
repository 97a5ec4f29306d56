// A read-only memory mapping of a whole file (RAII).
// Thread safety: immutable after Open; safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "common/status.h"

namespace sextant::llm {

class MappedFile {
 public:
  // Maps `path` read-only. Errors: not_found, permission_denied,
  // invalid_argument (a directory or not a regular file), internal (mmap).
  // An empty file maps to size() == 0 and data() == nullptr.
  static Result<std::unique_ptr<MappedFile>> Open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::filesystem::path path_;
};

}  // namespace sextant::llm
