// The file tools (file_read, file_write, file_list, file_edit) and the
// workspace file operations behind them, which the server's upload and
// download routes share. Every path is confined by workspace_path.h.
//
// Thread safety: the tools are stateless and may be called concurrently.
// Errors: invalid_argument for bad arguments, permission_denied for an
// escape, not_found for a missing file, resource_exhausted over a limit,
// already_exists for file_write mode "create" on an existing file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::tools {

struct FileLimits {
  static constexpr std::size_t kMiB = 1024 * 1024;

  std::size_t max_read_bytes = 1 * kMiB;    // file_read's largest limit; downloads' largest file
  std::size_t max_write_bytes = 16 * kMiB;  // file_write content and uploads
  std::size_t max_edit_bytes = 8 * kMiB;    // files file_edit will load
  int max_list_depth = 8;                   // file_list depth is capped to this
  std::size_t max_list_entries = 1000;      // then file_list reports truncated
};

enum class WriteMode { kOverwrite, kAppend, kCreate };

// Reads up to `limit` bytes of a regular file from `offset`. `eof` tells
// whether the read reached the end of the file.
struct FileChunk {
  std::string bytes;
  std::int64_t size = 0;  // the whole file's size
  bool eof = false;
};
Result<FileChunk> ReadWorkspaceFile(const std::filesystem::path& workspace, std::string_view path,
                                    std::int64_t offset, std::size_t limit);

// Writes `content`, creating missing parent directories. Returns the file's
// size afterwards.
Result<std::int64_t> WriteWorkspaceFile(const std::filesystem::path& workspace,
                                        std::string_view path, std::string_view content,
                                        WriteMode mode);

// The built-in file tools, configured with `limits`.
std::vector<std::unique_ptr<Tool>> MakeFileTools(const FileLimits& limits);

}  // namespace sextant::toolserver::tools
