// Hyper-parameters of a decoder-only transformer, read from GGUF metadata or
// from a Hugging Face config.json, and checked for consistency.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "kernels/cpu/ops.h"

namespace sextant::llm {

class GgufFile;

enum class Arch { kLlama, kQwen2, kQwen3, kMistral };
std::string_view ArchName(Arch arch);

enum class RopeScaling { kNone, kLinear, kLlama3 };

struct RopeConfig {
  float theta = 10000.0f;
  int64_t dim = 0;  // rotated dims per head (== head_dim for every supported family)
  RopeScaling scaling = RopeScaling::kNone;
  float factor = 1.0f;
  float low_freq_factor = 1.0f;     // llama3
  float high_freq_factor = 4.0f;    // llama3
  int64_t original_context = 8192;  // llama3
  kernels::cpu::RopeLayout layout = kernels::cpu::RopeLayout::kSplitHalf;
};

struct ModelConfig {
  Arch arch = Arch::kLlama;
  std::string name;
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ff = 0;
  int64_t context_length = 0;  // the model's trained maximum
  float rms_eps = 1e-6f;
  RopeConfig rope;
  bool tied_embeddings = false;
  bool qkv_bias = false;  // qwen2
  bool qk_norm = false;   // qwen3

  int64_t q_dim() const { return n_head * head_dim; }
  int64_t kv_dim() const { return n_head_kv * head_dim; }
};

// Reads {arch}.* keys. GGUF llama files carry Q/K rows permuted for the
// interleaved rope layout, so llama and mistral get kInterleaved here.
Result<ModelConfig> ModelConfigFromGguf(const GgufFile& gguf);

// Reads a transformers config.json (model_type llama, mistral, qwen2, qwen3;
// rope_parameters or the older rope_theta + rope_scaling).
Result<ModelConfig> ModelConfigFromHf(const Json& config);

// Rejects zero or inconsistent sizes (heads not dividing, etc.).
Status ValidateModelConfig(const ModelConfig& config);

// The per-pair inverse frequencies (rope.dim / 2 of them), with scaling
// folded in, computed in float32 as transformers does. `freq_factors`, when
// not empty, divides each frequency (GGUF rope_freqs.weight) and replaces the
// llama3 formula.
std::vector<float> RopeInverseFrequencies(const RopeConfig& rope,
                                          const std::vector<float>& freq_factors);

}  // namespace sextant::llm
