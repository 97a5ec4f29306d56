// The command tools: shell_run (/bin/sh -c) and python_run (the system
// python3, code on stdin), each run in the sandbox of the call's context.
//
// The result's content is sandbox::Describe's line, then stdout and stderr;
// its data holds exit_code, termination, stdout, stderr and the truncation
// flags. A command that exits (with any status) or dies of its own signal is
// a successful call; a timeout is deadline_exceeded, and a CPU or memory
// limit is resource_exhausted, each with the description and the start of
// the output in the message.
//
// Thread safety: the tools are stateless and may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "toolserver/sandbox/sandbox.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::tools {

struct ExecOptions {
  sandbox::Limits limits;                          // wall_timeout is the default timeout
  std::chrono::milliseconds max_timeout{300'000};  // timeout_s is capped to this
};

std::vector<std::unique_ptr<Tool>> MakeExecTools(const ExecOptions& options);

}  // namespace sextant::toolserver::tools
