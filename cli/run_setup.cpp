#include "cli/run_setup.h"

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "cli/model_util.h"
#include "llm/backend_config.h"
#include "llm/openai/openai_chat_model.h"
#include "llm/runtime/runtime_chat_model.h"
#include "llm/scripted/scripted_chat_model.h"

namespace sextant::cli {

namespace fs = std::filesystem;

fs::path RunStorePath(const std::string& flag, const Config& config) {
  if (!flag.empty()) return flag;
  if (const std::string& key = config.GetString("agent.run_store"); !key.empty()) return key;
  const char* data = std::getenv("XDG_DATA_HOME");
  if (data != nullptr && *data != '\0') return fs::path(data) / "sextant" / "runs.sqlite";
  const char* home = std::getenv("HOME");
  const fs::path base =
      home != nullptr && *home != '\0' ? fs::path(home) : fs::temp_directory_path();
  return base / ".local" / "share" / "sextant" / "runs.sqlite";
}

fs::path WorkspaceRoot(const fs::path& store_path) {
  return store_path.parent_path() / "workspaces";
}

void AddBackendFlags(CLI::App& cmd, BackendFlags& flags) {
  cmd.add_option("--backend", flags.backend, "runtime, openai or scripted (default: llm.backend)")
      ->check(CLI::IsMember({"runtime", "openai", "scripted"}));
  cmd.add_option("--model", flags.model, "The model file (GGUF or safetensors) for the runtime");
  cmd.add_option("--script", flags.script, "A scripted transcript (JSON) for --backend scripted");
  cmd.add_option("--device", flags.device, "auto, cuda or cpu (default: llm.device)")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}));
  cmd.add_option("--context", flags.context, "Context length in tokens (default: llm.context)");
}

Result<std::unique_ptr<llm::ChatModel>> MakeChatBackend(const BackendFlags& flags,
                                                        const Config& config,
                                                        std::size_t scripted_skip, bool quiet) {
  std::string backend = flags.backend;
  if (backend.empty()) {
    backend = !flags.script.empty()  ? "scripted"
              : !flags.model.empty() ? "runtime"
                                     : config.GetString("llm.backend");
  }
  if (backend == "scripted") {
    const std::string file =
        flags.script.empty() ? config.GetString("llm.scripted.file") : flags.script;
    if (file.empty()) {
      return InvalidArgumentError("--backend scripted needs --script FILE (or llm.scripted.file)");
    }
    llm::ScriptedOptions options;
    options.start_index = scripted_skip;
    return llm::LoadScriptedChatModel(file, options);
  }
  if (backend == "openai") {
    return llm::MakeOpenAiChatModel(llm::OpenAiOptionsFromConfig(config));
  }
  if (flags.model.empty()) {
    return InvalidArgumentError(
        "no model: give --model FILE for the embedded runtime, --backend openai (llm.openai.*), "
        "or --backend scripted --script FILE");
  }
  ModelFlags model_flags;
  model_flags.file = flags.model;
  model_flags.device = flags.device;
  model_flags.context = flags.context;
  SEXTANT_ASSIGN_OR_RETURN(std::unique_ptr<llm::Model> model,
                           LoadModelVerbose(model_flags, config, quiet));
  SEXTANT_ASSIGN_OR_RETURN(llm::ChatTemplateKind kind,
                           llm::ChooseChatTemplate(model->tokenizer(), ""));
  return llm::MakeRuntimeChatModel(std::move(model), kind);
}

}  // namespace sextant::cli
