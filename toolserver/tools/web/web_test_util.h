// Test helper: serves a directory of real files from a LoopbackHttpServer,
// as a static web site would (readability's pages, the sqlite3-doc site).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"

namespace sextant::toolserver::web::testing {

// The Content-Type a static server would send for `path`'s extension.
inline std::string ContentTypeFor(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".html" || ext == ".htm") return "text/html";
  if (ext == ".txt" || ext == ".md") return "text/plain";
  if (ext == ".css") return "text/css";
  if (ext == ".js") return "application/javascript";
  if (ext == ".json") return "application/json";
  if (ext == ".pdf") return "application/pdf";
  if (ext == ".png") return "image/png";
  if (ext == ".gif") return "image/gif";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  return "application/octet-stream";
}

// Routes every regular file under `dir` to `url_prefix` + its relative path
// ("/doc" + "/wal.html"), read now, with ContentTypeFor's type. Returns the
// number of files routed.
inline std::size_t ServeDirectory(sextant::testing::LoopbackHttpServer& server,
                                  std::string_view url_prefix, const std::filesystem::path& dir) {
  std::size_t count = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = std::filesystem::relative(entry.path(), dir).generic_string();
    server.On(
        std::string(url_prefix) + "/" + relative,
        sextant::testing::ScriptedReply::Full(200, sextant::testing::ReadFile(entry.path()),
                                              {{"Content-Type", ContentTypeFor(entry.path())}}));
    ++count;
  }
  return count;
}

}  // namespace sextant::toolserver::web::testing
