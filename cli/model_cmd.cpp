// `sextant model info|tokenize|generate|chat`: the embedded runtime from the
// command line. Generated text goes to stdout; statistics and the memory
// estimate go to stderr.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/model_util.h"
#include "common/json.h"
#include "llm/runtime/generator.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/model.h"
#include "llm/runtime/runtime_chat_model.h"
#include "llm/runtime/synth.h"
#include "llm/runtime/tokenizer.h"

namespace sextant::cli {
namespace {

namespace fs = std::filesystem;

Result<std::unique_ptr<llm::Tokenizer>> LoadTokenizerOnly(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return llm::Tokenizer::FromModelDir(path);
  if (path.extension() == ".json") return llm::Tokenizer::FromTokenizerJsonFile(path);
  SEXTANT_ASSIGN_OR_RETURN(auto gguf, llm::GgufFile::Open(path));
  return llm::Tokenizer::FromGguf(*gguf);
}

struct TokenizeFlags {
  std::string file;
  std::string text;
  bool json = false;
  bool bos = false;
  bool no_special = false;
};

int RunTokenize(const TokenizeFlags& f) {
  auto tok = LoadTokenizerOnly(f.file);
  if (!tok.ok()) return PrintError(tok.status());
  llm::EncodeOptions options;
  options.add_bos = f.bos;
  options.parse_special = !f.no_special;
  auto ids = (*tok)->Encode(f.text, options);
  if (!ids.ok()) return PrintError(ids.status());
  if (f.json) {
    Json out = Json::array();
    for (int32_t id : *ids) {
      out.push_back(
          {{"id", id}, {"piece", (*tok)->TokenBytes(id)}, {"text", (*tok)->TokenText(id)}});
    }
    std::printf("%s\n", DumpJson(out).c_str());
    return 0;
  }
  std::string line;
  for (int32_t id : *ids) line += (line.empty() ? "" : " ") + std::to_string(id);
  std::printf("%s\n", line.c_str());
  return 0;
}

int RunInfo(const ModelFlags& f, const Config& config, bool json) {
  // Describing a model runs no forward pass: never upload it to a GPU.
  ModelFlags cpu = f;
  cpu.device = "cpu";
  auto model = LoadModelVerbose(cpu, config, /*quiet=*/true);
  if (!model.ok()) return PrintError(model.status());
  const Json info = ModelInfoJson(**model);
  if (json) {
    std::printf("%s\n", info.dump(2).c_str());
  } else {
    PrintModelInfo(info);
  }
  return 0;
}

struct GenerateFlags {
  std::string prompt;
  GenerationFlags gen;
  bool ids = false;
  bool no_bos = false;
};

int RunGenerate(const ModelFlags& mf, const Config& config, const GenerateFlags& f) {
  auto model = LoadModelVerbose(mf, config, /*quiet=*/false);
  if (!model.ok()) return PrintError(model.status());
  const llm::Tokenizer& tok = (*model)->tokenizer();
  llm::EncodeOptions enc;
  enc.add_bos = !f.no_bos && tok.add_bos_default();
  auto prompt = tok.Encode(f.prompt, enc);
  if (!prompt.ok()) return PrintError(prompt.status());
  auto options = f.gen.ToGenerateOptions();
  if (!options.ok()) return PrintError(options.status());
  llm::Session session(**model);
  bool first = true;
  auto result = session.Generate(*prompt, *options, [&](int32_t id, std::string_view text) {
    if (f.ids) {
      if (id >= 0) std::printf(first ? "%d" : " %d", id);
      first = false;
    } else {
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::fflush(stdout);
    return true;
  });
  std::printf("\n");
  if (!result.ok()) return PrintError(result.status());
  PrintGenerateStats(*result);
  return 0;
}

int RunChat(const ModelFlags& mf, const Config& config, const ChatFlags& f) {
  auto model = LoadModelVerbose(mf, config, /*quiet=*/false);
  if (!model.ok()) return PrintError(model.status());
  auto kind = llm::ChooseChatTemplate((*model)->tokenizer(), f.template_name);
  if (!kind.ok()) return PrintError(kind.status());
  auto chat = llm::MakeRuntimeChatModel(std::move(*model), *kind);
  if (!chat.ok()) return PrintError(chat.status());
  return ChatLoop(**chat, f, std::cin);
}

struct SynthFlags {
  std::string arch = "llama";
  llm::SynthOptions options;
  std::string out;
};

int RunSynth(SynthFlags f) {
  static const std::pair<const char*, llm::Arch> kArchs[] = {
      {"llama", llm::Arch::kLlama}, {"qwen2", llm::Arch::kQwen2}, {"qwen3", llm::Arch::kQwen3}};
  bool known = false;
  for (const auto& [name, arch] : kArchs) {
    if (f.arch == name) {
      f.options.arch = arch;
      known = true;
    }
  }
  if (!known) {
    return PrintError(Status(StatusCode::kInvalidArgument, "--arch must be llama, qwen2 or qwen3"));
  }
  auto bytes = llm::SynthesizeModel(f.options, f.out);
  if (!bytes.ok()) return PrintError(bytes.status());
  std::fprintf(stderr, "wrote %s (%s)\n", f.out.c_str(), llm::FormatBytes(*bytes).c_str());
  return 0;
}

}  // namespace

void AddModelCommand(CLI::App& app, Context& ctx) {
  auto* model = app.add_subcommand("model", "Inspect and run local models (GGUF or safetensors)");
  model->require_subcommand(1);

  auto* info = model->add_subcommand("info", "Print architecture, parameters, types, memory needs");
  auto info_flags = std::make_shared<ModelFlags>();
  auto info_json = std::make_shared<bool>(false);
  AddModelFlags(*info, *info_flags);
  info->add_flag("--json", *info_json, "Print JSON");
  info->callback([&ctx, info_flags, info_json] {
    ctx.exit_code = RunInfo(*info_flags, *ctx.config, *info_json);
  });

  auto* tokenize = model->add_subcommand("tokenize", "Print the token ids of a text");
  auto tf = std::make_shared<TokenizeFlags>();
  tokenize->add_option("FILE", tf->file, "GGUF file, model folder or tokenizer.json")->required();
  tokenize->add_option("--text", tf->text, "Text to encode")->required();
  tokenize->add_flag("--json", tf->json, "Print id, bytes and vocabulary text per token");
  tokenize->add_flag("--bos", tf->bos, "Prepend the BOS token");
  tokenize->add_flag("--no-special", tf->no_special, "Treat special-token text as plain text");
  tokenize->callback([&ctx, tf] { ctx.exit_code = RunTokenize(*tf); });

  auto* generate = model->add_subcommand("generate", "Stream a completion of --prompt");
  auto gmf = std::make_shared<ModelFlags>();
  auto gf = std::make_shared<GenerateFlags>();
  AddModelFlags(*generate, *gmf);
  generate->add_option("--prompt", gf->prompt, "Prompt text")->required();
  AddGenerationFlags(*generate, gf->gen);
  generate->add_flag("--ids", gf->ids, "Print generated token ids instead of text");
  generate->add_flag("--no-bos", gf->no_bos, "Do not prepend BOS even if the model asks for it");
  generate->callback([&ctx, gmf, gf] { ctx.exit_code = RunGenerate(*gmf, *ctx.config, *gf); });

  auto* chat = model->add_subcommand("chat", "Interactive multi-turn chat (/reset, /exit)");
  auto cmf = std::make_shared<ModelFlags>();
  auto cf = std::make_shared<ChatFlags>();
  AddModelFlags(*chat, *cmf);
  AddGenerationFlags(*chat, cf->gen);
  chat->add_option("--template", cf->template_name, "chatml, llama3 or mistral (default: detect)");
  chat->add_option("--system", cf->system, "System prompt");
  chat->callback([&ctx, cmf, cf] { ctx.exit_code = RunChat(*cmf, *ctx.config, *cf); });

  auto* synth = model->add_subcommand("synth", "Write a random-weight GGUF with a real shape");
  auto sf = std::make_shared<SynthFlags>();
  synth->add_option("--arch", sf->arch, "llama, qwen2 or qwen3")->capture_default_str();
  synth
      ->add_option("--shape", sf->options.shape,
                   "llama3-8b, qwen2.5-7b, qwen2.5-0.5b or JSON {vocab, embd, layers, heads, "
                   "kv_heads, ff, head_dim, context, tied}")
      ->capture_default_str();
  synth
      ->add_option("--type", sf->options.type,
                   "bf16, f16, f32, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q6_k, q4_k_m")
      ->capture_default_str();
  synth->add_option("--seed", sf->options.seed, "Random seed")->capture_default_str();
  synth->add_option("OUT", sf->out, "Output .gguf file")->required();
  synth->callback([&ctx, sf] { ctx.exit_code = RunSynth(*sf); });
}

}  // namespace sextant::cli
