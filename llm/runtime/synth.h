// Writes GGUF models with random weights and real shapes, for benchmarks.
// Quantized tensors get random blocks with sane scales; norms are ones. The
// vocabulary is the 256 byte tokens plus filler and special tokens, so the
// file loads and runs like a real model of that shape.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"
#include "llm/runtime/model_config.h"

namespace sextant::llm {

struct SynthOptions {
  Arch arch = Arch::kLlama;
  // "llama3-8b", "qwen2.5-7b", "qwen2.5-0.5b", or a JSON object with
  // vocab, embd, layers, heads, kv_heads, ff (and optionally head_dim,
  // context, tied).
  std::string shape = "qwen2.5-0.5b";
  // bf16, f16, f32, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q6_k, or q4_k_m
  // (Q4_K with Q6_K for output, and attn_v/ffn_down in some layers).
  std::string type = "bf16";
  uint64_t seed = 1;
};

// The shape preset or JSON as a config for `arch` (rope, eps and bias as
// that family's real models have them).
Result<ModelConfig> SynthConfig(const SynthOptions& options);

// Writes the model; returns the number of bytes written.
Result<int64_t> SynthesizeModel(const SynthOptions& options, const std::filesystem::path& out);

}  // namespace sextant::llm
