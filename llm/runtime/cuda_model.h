// The CUDA forward pass of a llama-family decoder (llama, mistral, qwen2,
// qwen3), built only when the CUDA toolkit is found (SEXTANT_HAVE_CUDA).
//
// Weights are uploaded once: Q8_0, Q4_0, Q4_K, Q6_K, BF16 and F16 matrices
// in the GEMV layout; Q5_0 becomes Q8_0 (exact); F32, Q4_1 and Q5_1 become
// F16 (round to nearest even; a relative error of at most 2^-11 per weight).
// The KV cache is bf16 and holds n_slots sequences of n_ctx positions; each
// sequence lives in one slot. Activations and accumulation are float32,
// except in the prefill GEMM, whose operands are bf16.
//
// Ownership: owns every device buffer; keeps no reference to the host
// weights after Create. Thread safety: one call at a time per instance.
// Errors: Create returns resource_exhausted, naming what was asked and what
// is free, when the plan does not fit the device; unimplemented for a head
// size or grouping the attention kernel lacks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "llm/runtime/cpu_model.h"
#include "llm/runtime/model_config.h"
#include "llm/runtime/weights.h"

namespace sextant::llm {

struct CudaModelOptions {
  int64_t n_ctx = 4096;     // positions per slot
  int64_t n_slots = 1;      // sequences cached at once
  int64_t n_batch = 512;    // tokens per forward step (prefill chunk, decode batch)
  bool cuda_graphs = true;  // replay each decode step's batch size as one graph
  // Matrix products over this many tokens or more go to the tensor-core GEMM
  // (bf16 operands); fewer go to the GEMV.
  int64_t gemm_min_tokens = 32;
  // The GEMV of Q8_0, Q4_0, Q4_K and Q6_K matrices quantizes its input to
  // int8 per block of 32 (cuda::QuantizeX) and uses dp4a; off, it reads
  // float32. On: 1.2x at batch 1 (q4_k_m) and 2.4x at batch 8 on an H100,
  // for logits within about 4% of the largest instead of 1%
  // (bench/llm_gpu/NOTES.md §4, §7).
  bool int8_gemv = true;
  // Matrix products over more than kMaxGemvBatch and at most
  // int8_gemm_max_tokens tokens with Q8_0, Q4_0, Q4_K or Q6_K weights go to
  // cuda::Int8Gemm (int8 tensor cores, the input quantized as above) instead
  // of the GEMV or the fp16 GEMM: 4.5x at batch 32 on an H100. Longer
  // prefill chunks stay on cuBLAS, which is faster there (NOTES.md §5).
  bool int8_gemm = true;
  int64_t int8_gemm_max_tokens = 32;
  // Kernels start while the one before finishes, a GEMV reading its first
  // weights then (cuda::DependentLaunchScope). The logits are the same.
  bool dependent_launch = true;
};

// Device memory the model will take, computed before any allocation.
struct CudaMemoryPlan {
  int64_t weight_bytes = 0;
  int64_t kv_cache_bytes = 0;
  int64_t scratch_bytes = 0;
  int64_t free_bytes = 0;  // free on the device when planned
  int64_t total() const { return weight_bytes + kv_cache_bytes + scratch_bytes; }
  // "GPU: weights 4.6 GiB + KV cache 512 MiB (1 x 4096 positions) + scratch 90 MiB
  //  = 5.2 GiB of 139.2 GiB free"
  std::string ToString(const CudaModelOptions& options) const;
};

class CudaModel {
 public:
  // Computes the plan (reads free device memory), calls on_plan when set,
  // then fails if it does not fit, or uploads the weights and allocates.
  static Result<std::unique_ptr<CudaModel>> Create(
      const ModelConfig& config, const ModelWeights& weights, const CudaModelOptions& options,
      const std::function<void(const CudaMemoryPlan&)>& on_plan = {});
  static Result<CudaMemoryPlan> Plan(const ModelConfig& config, const ModelWeights& weights,
                                     const CudaModelOptions& options);
  ~CudaModel();
  CudaModel(const CudaModel&) = delete;
  CudaModel& operator=(const CudaModel&) = delete;

  // Runs `tokens` of the sequence in `slot` at positions n_past onward, as
  // CpuModel::Forward does, writing their keys and values into the slot.
  // out_of_range past n_ctx or for a bad slot; invalid_argument for a token
  // outside the vocabulary.
  Status Forward(std::span<const int32_t> tokens, int64_t slot, int64_t n_past, LogitsMode mode,
                 std::vector<float>* logits);

  // One decode step for several sequences: token i goes to slots[i] at
  // positions[i]. logits gets (n, n_vocab), or is left alone when ids is set:
  // then ids gets the greedy token of each row, computed on the GPU.
  Status Decode(std::span<const int32_t> tokens, std::span<const int32_t> slots,
                std::span<const int32_t> positions, std::vector<float>* logits,
                std::vector<int32_t>* ids = nullptr);

  // Turns decode-step graphs on or off from the next step on.
  void SetCudaGraphs(bool on);
  // Turns the int8 GEMV (CudaModelOptions::int8_gemv) on or off from the
  // next step on; captured decode graphs are dropped.
  void SetInt8Gemv(bool on);
  // The same for CudaModelOptions::int8_gemm and int8_gemm_max_tokens.
  void SetInt8Gemm(bool on, int64_t max_tokens = CudaModelOptions{}.int8_gemm_max_tokens);
  // The same for CudaModelOptions::dependent_launch.
  void SetDependentLaunch(bool on);

  const CudaModelOptions& options() const;
  const CudaMemoryPlan& plan() const;

  struct Impl;

 private:
  explicit CudaModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::llm
