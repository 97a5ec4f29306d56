// The toolserver.* config keys and the ToolServerOptions they give.
#pragma once

#include <string>

#include "common/config.h"
#include "toolserver/server.h"
#include "toolserver/tools/kb.h"

namespace sextant::toolserver {

// Declares toolserver.* (listen, token_file, workspace_root, max_sessions,
// idle_timeout_ms, max_concurrent_calls_per_session, max_body_bytes,
// max_file_bytes, default_call_timeout_ms, max_call_timeout_ms,
// max_output_bytes, allow_network, audit_log, plugins_file, worker_threads,
// io_threads, sandbox limits, kb_path, kb_allow_add, kb_max_results). A
// registry may receive them once.
void DeclareToolServerConfig(ConfigRegistry& registry);

// The options those keys set. The bearer token and the listen address are
// left to the caller (see ParseListenAddress).
ToolServerOptions ToolServerOptionsFromConfig(const Config& config);

// The knowledge-base tools' options (toolserver.kb_allow_add,
// toolserver.kb_max_results). The file is toolserver.kb_path ("": no tools).
tools::KbToolOptions KbToolOptionsFromConfig(const Config& config);

// "127.0.0.1:8765" or "[::1]:0" into host and port. invalid_argument
// otherwise.
[[nodiscard]] Status ParseListenAddress(const std::string& text, ServerOptions& options);

}  // namespace sextant::toolserver
