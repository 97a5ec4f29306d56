// Manifest tools: a JSON file names a tool, its parameters schema, and a
// command that runs in the sandbox.
//
//   {"name": "word_count", "description": "...", "parameters": {<JSON Schema>},
//    "command": ["python3", "/opt/tools/wc.py"], "timeout_s": 10, "network": false}
//
// A call runs `command` with one more argv element, the arguments as compact
// JSON, and writes the same JSON (plus "\n") to its stdin; no shell is ever
// involved, so no argument byte is interpreted. Exit status 0 gives
// ToolOutput{content = stdout, data = {"exit_code", "stderr", "duration_ms",
// "stdout_truncated", "stderr_truncated", "json" (stdout parsed, when it is
// JSON)}}. A non-zero exit or a signal is failed_precondition, the wall
// timeout deadline_exceeded, a CPU or memory limit resource_exhausted.
//
// Thread safety: the tool's Call is thread-safe. Errors: LoadManifest gives
// invalid_argument naming the file and the field.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::plugins {

inline constexpr std::chrono::milliseconds kDefaultManifestTimeout{30'000};
inline constexpr double kMaxManifestTimeoutSeconds = 3600;

struct Manifest {
  ToolSpec spec;
  std::vector<std::string> command;  // argv; command[0] is looked up on PATH in the sandbox
  std::chrono::milliseconds timeout = kDefaultManifestTimeout;
  bool network = false;  // needs the network; refused when the session forbids it
  std::filesystem::path source;
};

// Validates a manifest strictly (unknown fields are errors); `source` names
// the file in messages.
Result<Manifest> ParseManifest(const Json& json, const std::filesystem::path& source);
// Reads and parses a manifest file.
Result<Manifest> LoadManifest(const std::filesystem::path& path);

std::unique_ptr<Tool> MakeManifestTool(Manifest manifest);

}  // namespace sextant::toolserver::plugins
