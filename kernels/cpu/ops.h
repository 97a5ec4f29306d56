// Float32 tensor ops for the CPU reference path. Each op reads and writes
// caller-owned buffers; none allocates except MatMul's per-thread scratch.
#pragma once

#include <cstdint>

#include "kernels/cpu/thread_pool.h"
#include "kernels/dtype.h"

namespace sextant::kernels::cpu {

// A row-major weight matrix in any DType: `rows` rows of `cols` elements,
// row r starting at data + r * row_bytes.
struct MatrixView {
  DType type = DType::kF32;
  const void* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t row_bytes = 0;
};

// y[b, r] = sum_k w[r, k] * x[b, k] for b < batch.
// x: (batch, w.cols) float32; y: (batch, w.rows) float32.
// Rows are spread over the pool (null: all on the caller); a quantized row is
// dequantized once into thread-local scratch and reused for every batch row
// when batch > 1. With batch == 1, y[r] equals DotRow of row r exactly.
void MatMul(const MatrixView& w, const float* x, int64_t batch, float* y, ThreadPool* pool);

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]; weight may be null.
// out may alias x.
void RmsNorm(const float* x, const float* weight, float* out, int64_t n, float eps);

// How rotary pairs are laid out within a head.
enum class RopeLayout {
  kInterleaved,  // pairs (2i, 2i+1): GGUF llama (Q/K rows permuted by the converter)
  kSplitHalf,    // pairs (i, i + rope_dim/2): HF llama, qwen2, qwen3 (NEOX)
};

// Rotates the first rope_dim dims of each of n_heads heads of head_dim in
// place, at position pos, with angle pos * inv_freq[i] for pair i
// (inv_freq has rope_dim / 2 entries; scaling is folded in by the caller).
// The angle and its cos/sin are computed in float32, as transformers does.
void Rope(float* x, int64_t n_heads, int64_t head_dim, int64_t rope_dim, int64_t pos,
          const float* inv_freq, RopeLayout layout);

// In-place softmax of x[0, n).
void Softmax(float* x, int64_t n);

// out[i] = silu(gate[i]) * up[i], silu(v) = v / (1 + exp(-v)). out may alias gate.
void SwiGlu(const float* gate, const float* up, float* out, int64_t n);

// y[i] += x[i].
void AddInPlace(float* y, const float* x, int64_t n);

// Dot product of two float32 vectors (vectorized).
float DotF32(const float* a, const float* b, int64_t n);

// y[i] += a * x[i] (vectorized).
void Axpy(float a, const float* x, float* y, int64_t n);

}  // namespace sextant::kernels::cpu
