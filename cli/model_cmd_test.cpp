// Runs `sextant model ...` on the tiny reference models and checks what a
// user sees: ids and text on stdout, statistics and errors on stderr.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/runtime/reference_test_util.h"

namespace sextant {
namespace {

namespace fs = std::filesystem;
using ::sextant::testing::Contains;

Json Reference(const fs::path& dir) {
  return llm::testing::ReadReferenceJson(dir / "reference.json");
}

std::string JoinIds(const Json& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : " ") + std::to_string(id.get<int>());
  return s;
}

TEST_F(CliTest, TokenizePrintsReferenceIdsForEveryTokenizerSource) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
  const Json ref = Reference(dir);
  const Json& prompt = ref["prompts"][0];
  for (const fs::path& source :
       {dir / "tokenizer.json", fs::path(dir), dir / "tiny-llama-Q8_0.gguf"}) {
    RunResult r =
        Run({"model", "tokenize", source.string(), "--text", prompt["text"].get<std::string>()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, JoinIds(prompt["ids"]) + "\n") << source;
  }
  RunResult json =
      Run({"model", "tokenize", (dir / "tokenizer.json").string(), "--text", "hi there", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = ParseJson(json.out);
  ASSERT_TRUE(parsed.ok());
  std::string joined;
  for (const auto& t : *parsed) joined += t["piece"].get<std::string>();
  EXPECT_EQ(joined, "hi there");
}

TEST_F(CliTest, GenerateGreedyIdsMatchTheReference) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-qwen2");
  const Json ref = Reference(dir);
  const Json& pp = ref["variants"]["gguf-Q4_K"]["per_prompt"][0];
  const std::string text = ref["prompts"][pp["prompt_index"].get<int>()]["text"];
  RunResult r =
      Run({"model", "generate", (dir / "tiny-qwen2-Q4_K.gguf").string(), "--prompt", text,
           "--temperature", "0", "--max-tokens", "16", "--ids", "--no-bos", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The greedy continuation has no end token, so all 16 ids are printed.
  EXPECT_EQ(r.out, JoinIds(pp["greedy"]["tokens"]) + "\n");
  EXPECT_TRUE(Contains(r.err, "memory: weights")) << r.err;
  EXPECT_TRUE(Contains(r.err, "tok/s")) << r.err;

  RunResult st = Run({"model", "generate", dir.string(), "--prompt", text, "--temperature", "0",
                      "--max-tokens", "16", "--no-bos"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const std::string greedy_text =
      ref["variants"]["safetensors-bf16"]["per_prompt"][0]["greedy_text"];
  EXPECT_EQ(st.out, greedy_text + "\n");
}

TEST_F(CliTest, InfoDescribesTheModel) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
  RunResult r = Run({"model", "info", (dir / "tiny-llama-Q4_K.gguf").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto info = ParseJson(r.out);
  ASSERT_TRUE(info.ok()) << r.out;
  const Json ref = Reference(dir);
  EXPECT_EQ((*info)["architecture"], "llama");
  EXPECT_EQ((*info)["parameters"].get<int64_t>(), ref["n_params"].get<int64_t>());
  int q4k = 0;
  for (const auto& [name, type] : ref["variants"]["gguf-Q4_K"]["gguf"]["tensor_types"].items()) {
    q4k += type == "Q4_K" ? 1 : 0;
  }
  EXPECT_EQ((*info)["tensor_types"]["Q4_K"].get<int>(), q4k);
  EXPECT_GT((*info)["memory"]["total_bytes"].get<int64_t>(), 0);
  RunResult text = Run({"model", "info", dir.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(Contains(text.out, "architecture     llama")) << text.out;
  EXPECT_TRUE(Contains(text.out, "BF16")) << text.out;
}

TEST_F(CliTest, SynthThenGenerate) {
  const std::string out = Path("synth.gguf").string();
  RunResult s = Run({"model", "synth", "--arch", "qwen3", "--shape",
                     R"({"vocab": 300, "embd": 256, "layers": 2, "heads": 4, "ff": 512})", "--type",
                     "q4_k_m", out});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  RunResult g = Run(
      {"model", "generate", out, "--prompt", "hello", "--max-tokens", "4", "--ids", "--seed", "3"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  std::istringstream ids(g.out);
  int n = 0;
  for (int id = 0; ids >> id;) ++n;
  EXPECT_GE(n, 1);
  EXPECT_LE(n, 4);
}

TEST_F(CliTest, ModelErrorsAreClear) {
  RunResult missing = Run({"model", "info", Path("nope.gguf").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "error: model not found")) << missing.err;
  ::sextant::testing::WriteFile(Path("bad.gguf"), "GGUF\x03");
  RunResult bad = Run({"model", "generate", Path("bad.gguf").string(), "--prompt", "x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(Contains(bad.err, "error: ")) << bad.err;
  SEXTANT_TESTDATA_OR_SKIP(dir, "models/tiny-llama");
  RunResult ctx = Run({"model", "generate", dir.string(), "--prompt", "x", "--context", "100000"});
  EXPECT_EQ(ctx.exit_code, 1);
  EXPECT_TRUE(Contains(ctx.err, "exceeds the model's context length 512")) << ctx.err;
  RunResult by_config = Run({"--set", "llm.context=100000", "model", "info", dir.string()});
  EXPECT_EQ(by_config.exit_code, 1);
  EXPECT_TRUE(Contains(by_config.err, "requested context 100000")) << by_config.err;
  RunResult by_memory = Run({"--set", "llm.max_memory_mb=1", "model", "info", dir.string()});
  EXPECT_EQ(by_memory.exit_code, 1);
  EXPECT_TRUE(Contains(by_memory.err, "over the limit of 1.0 MiB")) << by_memory.err;
  RunResult sampling = Run({"model", "generate", dir.string(), "--prompt", "x", "--top-p", "2"});
  EXPECT_EQ(sampling.exit_code, 1);
  EXPECT_TRUE(Contains(sampling.err, "top_p")) << sampling.err;
}

}  // namespace
}  // namespace sextant
