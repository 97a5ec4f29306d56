#include "cli/model_util.h"

#include <cstdio>
#include <random>

#include <CLI/CLI.hpp>

#include "llm/runtime/runtime_config.h"

namespace sextant::cli {

void AddModelFlags(CLI::App& cmd, ModelFlags& flags) {
  cmd.add_option("FILE", flags.file, "GGUF file or safetensors model folder")->required();
  cmd.add_option("--threads", flags.threads, "CPU threads (default: llm.threads, 0 = all cores)");
  cmd.add_option("--device", flags.device,
                 "auto (CUDA when a GPU is visible), cuda or cpu (default: llm.device)")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}));
  cmd.add_option("--context", flags.context,
                 "Positions per sequence (default: llm.context, 0 = min(model's, 4096))");
}

int PrintError(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

Result<std::unique_ptr<llm::Model>> LoadModelVerbose(const ModelFlags& flags, const Config& config,
                                                     bool quiet) {
  llm::LoadOptions options = llm::LoadOptionsFromConfig(config);
  if (flags.threads > 0) options.threads = flags.threads;
  if (flags.context > 0) options.context = flags.context;
  if (!flags.device.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(options.device, llm::ParseDevice(flags.device));
  }
  options.on_device_plan = [quiet](const std::string& plan) {
    if (!quiet) std::fprintf(stderr, "memory: %s\n", plan.c_str());
  };
  auto model = llm::Model::Load(flags.file, options, [&](const llm::MemoryEstimate& m) {
    if (!quiet) std::fprintf(stderr, "memory: %s\n", m.ToString().c_str());
  });
  if (model.ok() && !quiet) {
    const bool gpu = (*model)->device() == llm::Device::kCuda;
    std::fprintf(stderr, "device: %s\n", gpu ? "cuda" : "cpu");
  }
  return model;
}

Json ModelInfoJson(const llm::Model& model) {
  const llm::ModelConfig& c = model.config();
  const llm::MemoryEstimate& m = model.memory();
  Json types = Json::object();
  for (const auto& [type, count] : model.summary().tensor_types) types[type] = count;
  static constexpr const char* kScaling[] = {"none", "linear", "llama3"};
  return {
      {"file", model.path().string()},
      {"format", model.format() == llm::ModelFormat::kGguf ? "gguf" : "safetensors"},
      {"architecture", std::string(llm::ArchName(c.arch))},
      {"name", c.name},
      {"parameters", model.summary().n_params},
      {"tensor_types", types},
      {"context_length", c.context_length},
      {"vocab_size", c.n_vocab},
      {"embedding_length", c.n_embd},
      {"layers", c.n_layer},
      {"heads", c.n_head},
      {"kv_heads", c.n_head_kv},
      {"head_dim", c.head_dim},
      {"feed_forward_length", c.n_ff},
      {"rope",
       {{"theta", c.rope.theta},
        {"scaling", kScaling[static_cast<int>(c.rope.scaling)]},
        {"factor", c.rope.factor}}},
      {"tied_embeddings", c.tied_embeddings},
      {"tokenizer",
       {{"vocab_size", model.tokenizer().vocab_size()},
        {"pre", model.tokenizer().pre_type()},
        {"has_chat_template", !model.tokenizer().chat_template().empty()}}},
      {"memory",
       {{"weights_bytes", m.weight_bytes},
        {"kv_cache_bytes", m.kv_cache_bytes},
        {"scratch_bytes", m.scratch_bytes},
        {"context", m.context},
        {"total_bytes", m.total()},
        {"summary", m.ToString()}}},
  };
}

void PrintModelInfo(const Json& info) {
  auto line = [](const char* label, const std::string& value) {
    std::printf("%-16s %s\n", label, value.c_str());
  };
  auto num = [](const Json& j) { return j.dump(); };
  line("file", info["file"].get<std::string>());
  line("format", info["format"].get<std::string>());
  line("architecture", info["architecture"].get<std::string>());
  line("name", info["name"].get<std::string>());
  const auto params = info["parameters"].get<int64_t>();
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld (%.2f M)", static_cast<long long>(params),
                static_cast<double>(params) / 1e6);
  line("parameters", buf);
  std::string types;
  for (const auto& [type, count] : info["tensor_types"].items()) {
    types += (types.empty() ? "" : ", ") + type + " x" + num(count);
  }
  line("tensor types", types);
  line("context length", num(info["context_length"]));
  line("vocabulary", num(info["vocab_size"]));
  line("shape", "embd " + num(info["embedding_length"]) + ", layers " + num(info["layers"]) +
                    ", heads " + num(info["heads"]) + "/" + num(info["kv_heads"]) +
                    " (kv), head dim " + num(info["head_dim"]) + ", ffn " +
                    num(info["feed_forward_length"]));
  line("rope", "theta " + num(info["rope"]["theta"]) + ", scaling " +
                   info["rope"]["scaling"].get<std::string>());
  line("tokenizer", num(info["tokenizer"]["vocab_size"]) + " tokens, pre " +
                        info["tokenizer"]["pre"].get<std::string>());
  line("memory", info["memory"]["summary"].get<std::string>());
}

void AddGenerationFlags(CLI::App& cmd, GenerationFlags& f) {
  cmd.add_option("--max-tokens", f.max_tokens, "Tokens to generate at most")->capture_default_str();
  cmd.add_option("--temperature", f.temperature, "0 is greedy")->capture_default_str();
  cmd.add_option("--top-k", f.top_k, "0 disables")->capture_default_str();
  cmd.add_option("--top-p", f.top_p, "1 disables")->capture_default_str();
  cmd.add_option("--min-p", f.min_p, "0 disables")->capture_default_str();
  cmd.add_option("--repeat-penalty", f.repeat_penalty, "1 disables")->capture_default_str();
  cmd.add_option("--presence-penalty", f.presence_penalty, "OpenAI semantics")
      ->capture_default_str();
  cmd.add_option("--frequency-penalty", f.frequency_penalty, "OpenAI semantics")
      ->capture_default_str();
  cmd.add_option("--seed", f.seed, "Random seed (the same seed gives the same output)");
  cmd.add_option("--stop", f.stop, "Stop string (repeatable)");
}

Result<llm::GenerateOptions> GenerationFlags::ToGenerateOptions() const {
  llm::GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling.temperature = temperature;
  o.sampling.top_k = top_k;
  o.sampling.top_p = top_p;
  o.sampling.min_p = min_p;
  o.sampling.repeat_penalty = repeat_penalty;
  o.sampling.presence_penalty = presence_penalty;
  o.sampling.frequency_penalty = frequency_penalty;
  o.sampling.seed = seed ? *seed : std::random_device{}();
  o.stop = stop;
  SEXTANT_RETURN_IF_ERROR(llm::ValidateSamplingParams(o.sampling));
  if (max_tokens < 0) return Status(StatusCode::kInvalidArgument, "--max-tokens must be >= 0");
  return o;
}

void PrintGenerateStats(const llm::GenerateResult& r) {
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  const double prefilled = static_cast<double>(r.prompt_tokens - r.reused_tokens);
  const auto generated = static_cast<double>(r.tokens.size());
  std::fprintf(stderr,
               "prompt: %lld tokens (%lld cached) in %.3f s (%.1f tok/s); generated %lld tokens in "
               "%.3f s (%.1f tok/s); finish: %s\n",
               static_cast<long long>(r.prompt_tokens), static_cast<long long>(r.reused_tokens),
               r.prompt_seconds, rate(prefilled, r.prompt_seconds),
               static_cast<long long>(r.tokens.size()), r.generation_seconds,
               rate(generated, r.generation_seconds),
               std::string(llm::FinishReasonName(r.finish)).c_str());
}

int ChatLoop(llm::ChatModel& chat, const ChatFlags& flags, std::istream& in) {
  auto options = flags.gen.ToGenerateOptions();
  if (!options.ok()) return PrintError(options.status());
  llm::ChatOptions chat_options;
  chat_options.max_tokens = options->max_tokens;
  chat_options.sampling = options->sampling;
  chat_options.stop = options->stop;
  std::vector<llm::Message> history;
  auto reset = [&] {
    history.clear();
    if (!flags.system.empty()) history.push_back({llm::Role::kSystem, flags.system, {}, {}, {}});
  };
  reset();
  std::fprintf(stderr, "%s\ntype a message; /reset starts over, /exit quits\n",
               chat.Describe().c_str());
  std::string line;
  while (true) {
    std::fprintf(stderr, "> ");
    if (!std::getline(in, line) || line == "/exit") break;
    if (line == "/reset") {
      reset();
      continue;
    }
    if (line.empty()) continue;
    history.push_back({llm::Role::kUser, line, {}, {}, {}});
    auto reply = chat.Chat(history, {}, chat_options, [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    std::printf("\n");
    if (!reply.ok()) {
      history.pop_back();
      PrintError(reply.status());
      continue;
    }
    history.push_back({llm::Role::kAssistant, reply->text, {}, {}, {}});
    std::fprintf(
        stderr, "[%lld prompt + %lld generated tokens, %.1f tok/s]\n",
        static_cast<long long>(reply->usage.prompt_tokens),
        static_cast<long long>(reply->usage.completion_tokens),
        reply->usage.generation_seconds > 0
            ? static_cast<double>(reply->usage.completion_tokens) / reply->usage.generation_seconds
            : 0.0);
  }
  return 0;
}

}  // namespace sextant::cli
