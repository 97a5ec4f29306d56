// The float32 CPU forward pass of a llama-family decoder (llama, mistral,
// qwen2, qwen3). It is the reference the CUDA path is checked against.
// Thread safety: one Forward at a time per instance (it owns scratch).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "kernels/cpu/thread_pool.h"
#include "llm/runtime/kv_cache.h"
#include "llm/runtime/model_config.h"
#include "llm/runtime/weights.h"

namespace sextant::llm {

enum class LogitsMode { kLast, kAll };

class CpuModel {
 public:
  // Keeps references to config, weights and pool, which must outlive it.
  // n_batch bounds how many tokens one internal step processes (memory).
  CpuModel(const ModelConfig& config, const ModelWeights& weights, kernels::cpu::ThreadPool* pool,
           int64_t n_batch = 64);

  // Runs `tokens` at positions cache.n_past() onward and appends them to the
  // cache. `logits` gets (n_vocab) for the last token, or (n_tokens, n_vocab)
  // for kAll. out_of_range when the cache cannot hold the tokens;
  // invalid_argument for a token id outside the vocabulary.
  Status Forward(std::span<const int32_t> tokens, KvCache& cache, LogitsMode mode,
                 std::vector<float>* logits);

  // Bytes of activation scratch for n_batch tokens and n_ctx positions.
  static int64_t ScratchBytes(const ModelConfig& config, int64_t n_batch, int64_t n_ctx);

  const ModelConfig& config() const { return config_; }

 private:
  void RunBatch(std::span<const int32_t> tokens, KvCache& cache);
  void Attention(int64_t layer, int64_t n_tokens, KvCache& cache);
  void FeedForward(const LayerWeights& w, int64_t n_tokens);

  const ModelConfig& config_;
  const ModelWeights& weights_;
  kernels::cpu::ThreadPool* pool_;
  int64_t n_batch_;
  std::vector<float> inv_freq_;  // (rope.dim / 2)

  std::vector<float> x_;     // (n_batch, n_embd) residual stream
  std::vector<float> xn_;    // (n_batch, n_embd) normed
  std::vector<float> q_;     // (n_batch, q_dim)
  std::vector<float> k_;     // (n_batch, kv_dim)
  std::vector<float> v_;     // (n_batch, kv_dim)
  std::vector<float> attn_;  // (n_batch, q_dim)
  std::vector<float> proj_;  // (n_batch, n_embd)
  std::vector<float> gate_;  // (n_batch, n_ff)
  std::vector<float> up_;    // (n_batch, n_ff)
};

}  // namespace sextant::llm
