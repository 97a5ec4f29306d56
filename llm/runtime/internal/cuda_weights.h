// A decoder's weights on the GPU: matrices in the GEMV layout, the embedding
// table in its row layout, and float32 vectors. Types the GPU kernels lack
// are converted on upload (see cuda_model.h).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"
#include "llm/runtime/model_config.h"
#include "llm/runtime/weights.h"

namespace sextant::llm::internal {

struct DeviceMatrix {
  kernels::cuda::GemvWeights w;
  kernels::cuda::DeviceBuffer buffer;
};

struct DeviceLayer {
  DeviceMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
  kernels::cuda::DeviceBuffer attn_norm, ffn_norm;  // (n_embd)
  kernels::cuda::DeviceBuffer bq, bk, bv;           // empty without qkv bias
  kernels::cuda::DeviceBuffer q_norm, k_norm;       // (head_dim), qwen3 only
};

struct DeviceEmbedding {
  kernels::cuda::EmbeddingParams params;  // type, table, rows, cols, row_bytes
  kernels::cuda::DeviceBuffer table;
};

struct DeviceWeights {
  DeviceEmbedding embedding;
  DeviceMatrix output;
  kernels::cuda::DeviceBuffer output_norm;  // (n_embd)
  kernels::cuda::DeviceBuffer inv_freq;     // (rope.dim / 2)
  std::vector<DeviceLayer> layers;
};

// Bytes UploadWeights will allocate, or unimplemented for a matrix the GPU
// cannot hold even after conversion.
Result<int64_t> DeviceWeightBytes(const ModelConfig& config, const ModelWeights& weights);

Result<DeviceWeights> UploadWeights(const ModelConfig& config, const ModelWeights& weights);

}  // namespace sextant::llm::internal
