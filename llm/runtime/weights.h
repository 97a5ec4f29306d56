// The weights of a decoder as views into a mapped model file. 2-D weights
// stay in their stored type (BF16, Q4_K, ...) and are read in place; 1-D
// tensors (norms, biases, rope factors) are converted to float32 copies.
// Every tensor's presence, type and shape is checked against the config.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "kernels/cpu/ops.h"
#include "llm/runtime/model_config.h"

namespace sextant::llm {

class GgufFile;
class SafetensorsModel;

struct LayerWeights {
  std::vector<float> attn_norm;     // (n_embd)
  kernels::cpu::MatrixView wq;      // (q_dim, n_embd)
  kernels::cpu::MatrixView wk;      // (kv_dim, n_embd)
  kernels::cpu::MatrixView wv;      // (kv_dim, n_embd)
  kernels::cpu::MatrixView wo;      // (n_embd, q_dim)
  std::vector<float> bq;            // (q_dim), empty without qkv bias
  std::vector<float> bk;            // (kv_dim)
  std::vector<float> bv;            // (kv_dim)
  std::vector<float> q_norm;        // (head_dim), qwen3 only
  std::vector<float> k_norm;        // (head_dim), qwen3 only
  std::vector<float> ffn_norm;      // (n_embd)
  kernels::cpu::MatrixView w_gate;  // (n_ff, n_embd)
  kernels::cpu::MatrixView w_up;    // (n_ff, n_embd)
  kernels::cpu::MatrixView w_down;  // (n_embd, n_ff)
};

struct ModelWeights {
  kernels::cpu::MatrixView token_embd;   // (n_vocab, n_embd)
  std::vector<float> output_norm;        // (n_embd)
  kernels::cpu::MatrixView output;       // (n_vocab, n_embd); token_embd when tied
  std::vector<float> rope_freq_factors;  // (rope.dim / 2), GGUF rope_freqs.weight, may be empty
  std::vector<LayerWeights> layers;
  int64_t matrix_bytes = 0;  // bytes of all 2-D weights, read once per token
};

// Both keep views into the file objects, which must outlive the weights.
Result<ModelWeights> LoadWeightsFromGguf(const GgufFile& gguf, const ModelConfig& config);
Result<ModelWeights> LoadWeightsFromSafetensors(const SafetensorsModel& model,
                                                const ModelConfig& config);

}  // namespace sextant::llm
