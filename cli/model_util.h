// Shared pieces of the `sextant model` subcommands: flags, loading with the
// memory estimate, model info, generation statistics and the chat loop.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"
#include "llm/runtime/generator.h"
#include "llm/runtime/model.h"

namespace CLI {
class App;
}

namespace sextant::cli {

struct ModelFlags {
  std::string file;
  int threads = 0;
  std::string device;  // auto, cuda or cpu; empty: llm.device
  int64_t context = 0;
};
void AddModelFlags(CLI::App& cmd, ModelFlags& flags);

// Loads the model with the llm.* config keys, overridden by the flags that
// were given; unless quiet, prints the memory estimate to stderr before the
// large allocations.
Result<std::unique_ptr<llm::Model>> LoadModelVerbose(const ModelFlags& flags, const Config& config,
                                                     bool quiet);

// Prints "error: <message>" to stderr and returns exit code 1.
int PrintError(const Status& status);

Json ModelInfoJson(const llm::Model& model);
void PrintModelInfo(const Json& info);

struct GenerationFlags {
  int64_t max_tokens = 256;
  float temperature = 0.8f;
  int32_t top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::optional<uint64_t> seed;  // random when absent
  std::vector<std::string> stop;
  Result<llm::GenerateOptions> ToGenerateOptions() const;
};
void AddGenerationFlags(CLI::App& cmd, GenerationFlags& flags);

// "prompt: 12 tokens in 0.01 s (1200 tok/s); generated 16 tokens in 0.1 s (160 tok/s)".
void PrintGenerateStats(const llm::GenerateResult& result);

struct ChatFlags {
  GenerationFlags gen;
  std::string template_name;
  std::string system;
};

// Reads user turns from `in` until EOF or /exit; /reset starts over.
int ChatLoop(llm::ChatModel& chat, const ChatFlags& flags, std::istream& in);

}  // namespace sextant::cli
