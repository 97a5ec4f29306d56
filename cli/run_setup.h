// What `sextant run` and `sextant runs` share: where the run store is, and
// how the chat backend is chosen (llm.backend, or the flags).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "agent/run_store.h"
#include "common/config.h"
#include "common/status.h"
#include "llm/chat_model.h"

namespace CLI {
class App;
}

namespace sextant::cli {

// --store FILE, else agent.run_store, else $XDG_DATA_HOME/sextant/runs.sqlite
// (~/.local/share/sextant/runs.sqlite).
std::filesystem::path RunStorePath(const std::string& flag, const Config& config);
// A directory beside the run store for the embedded ToolServer's workspaces.
std::filesystem::path WorkspaceRoot(const std::filesystem::path& store_path);

struct BackendFlags {
  std::string backend;  // runtime, openai or scripted; empty: llm.backend
  std::string model;    // runtime: the model file
  std::string script;   // scripted: the transcript file
  std::string device;   // runtime: auto, cuda or cpu
  std::int64_t context = 0;
};
void AddBackendFlags(CLI::App& cmd, BackendFlags& flags);

// The chosen backend. A scripted model skips its first `scripted_skip`
// responses (the model calls a resumed run already made).
Result<std::unique_ptr<llm::ChatModel>> MakeChatBackend(const BackendFlags& flags,
                                                        const Config& config,
                                                        std::size_t scripted_skip, bool quiet);

}  // namespace sextant::cli
