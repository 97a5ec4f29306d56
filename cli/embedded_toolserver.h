// `sextant run`'s own ToolServer: this binary's `toolserver` subcommand in a
// child process, on a free loopback port, with a fresh random token.
//
// Ownership: the object owns the child and its token file; the destructor
// stops the child (SIGTERM, then SIGKILL after a grace period) and removes
// the file. Errors: a child that cannot start, or exits before it listens, is
// unavailable with the tail of its stderr.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"

namespace sextant::cli {

class EmbeddedToolServer {
 public:
  // Starts `sextant toolserver` with workspaces under `workspace_root` and,
  // when not empty, the plugins of `plugins_file`.
  static Result<std::unique_ptr<EmbeddedToolServer>> Start(
      const std::filesystem::path& workspace_root, const std::string& plugins_file);
  virtual ~EmbeddedToolServer() = default;

  virtual const std::string& url() const = 0;  // "http://127.0.0.1:PORT"
  virtual const std::string& token() const = 0;
};

}  // namespace sextant::cli
