// A loaded model: the mapped file, its config, weights, tokenizer and the
// CPU forward pass. Load accepts a .gguf file or a Hugging Face safetensors
// folder (config.json, tokenizer.json, model.safetensors or shards).
//
// Thread safety: the model is immutable after Load, except for the forward
// pass, which runs one call at a time (see CpuModel).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "llm/runtime/cpu_model.h"
#include "llm/runtime/kv_cache.h"
#include "llm/runtime/model_config.h"
#include "llm/runtime/tokenizer.h"
#include "llm/runtime/weights.h"

namespace sextant::llm {

enum class ModelFormat { kGguf, kSafetensors };

// Where the forward pass runs. kAuto picks CUDA when this build has it and a
// GPU is visible, else the CPU.
enum class Device { kAuto, kCpu, kCuda };

// "auto", "cpu" or "cuda"; invalid_argument for anything else.
Result<Device> ParseDevice(std::string_view name);

struct LoadOptions {
  int64_t context = 0;           // positions per sequence; 0 = min(model's, kDefaultContext)
  int threads = 0;               // CPU threads; 0 = all cores
  int64_t n_batch = 64;          // tokens per forward step during prefill
  int64_t max_memory_bytes = 0;  // refuse to load past this; 0 = no limit
  Device device = Device::kAuto;
  int64_t gpu_slots = 4;      // sequences the GPU cache holds at once (Sessions alive)
  int64_t gpu_batch = 512;    // tokens per GPU forward step
  bool gpu_int8_gemv = true;  // CudaModelOptions::int8_gemv (llm.gpu_int8_gemv)
  bool gpu_int8_gemm = true;  // CudaModelOptions::int8_gemm (llm.gpu_int8_gemm)
  // Called with the GPU memory plan before the GPU allocates anything.
  std::function<void(const std::string&)> on_device_plan;
  static constexpr int64_t kDefaultContext = 4096;
};

// What a model will need, computed before anything large is allocated.
struct MemoryEstimate {
  int64_t weight_bytes = 0;    // mapped from the file, read once per token
  int64_t kv_cache_bytes = 0;  // one sequence at the configured context
  int64_t scratch_bytes = 0;   // activations
  int64_t context = 0;
  int64_t total() const { return weight_bytes + kv_cache_bytes + scratch_bytes; }
  // "weights 3.3 MiB + KV cache 4.0 MiB (512 positions) + scratch 1.1 MiB = 8.4 MiB"
  std::string ToString() const;
};

struct ModelSummary {
  int64_t n_params = 0;
  std::map<std::string, int64_t> tensor_types;  // type name -> tensor count
  int64_t file_bytes = 0;
};

class Model {
 public:
  using EstimateCallback = std::function<void(const MemoryEstimate&)>;

  // Reads the config and tokenizer, calls on_estimate (when set) before the
  // KV cache and scratch are allocated, then builds the weights. Errors:
  // not_found, unimplemented (architecture/type), invalid_argument (bad
  // shapes or a context above the model's), resource_exhausted (over
  // max_memory_bytes).
  static Result<std::unique_ptr<Model>> Load(const std::filesystem::path& path,
                                             const LoadOptions& options = {},
                                             const EstimateCallback& on_estimate = {});
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  ModelFormat format() const;
  const std::filesystem::path& path() const;
  const ModelConfig& config() const;
  const ModelWeights& weights() const;
  const Tokenizer& tokenizer() const;
  const MemoryEstimate& memory() const;
  const ModelSummary& summary() const;
  int64_t context() const;  // the configured positions per sequence
  CpuModel& cpu();
  Device device() const;  // kCpu or kCuda: where Forward runs
  // A cache for one sequence on the model's device. On the GPU it leases a
  // slot; when all llm.gpu_slots are leased, Forward on it fails with
  // resource_exhausted.
  std::unique_ptr<KvCache> NewCache();

  // Runs `tokens` after the cache's n_past positions on the model's device
  // (see CpuModel::Forward) and advances the cache.
  Status Forward(std::span<const int32_t> tokens, KvCache& cache, LogitsMode mode,
                 std::vector<float>* logits);

  struct Impl;  // opaque

 private:
  Model();
  std::unique_ptr<Impl> impl_;
};

// Bytes as "1.5 GiB", "3.2 MiB", "512 B".
std::string FormatBytes(int64_t bytes);

}  // namespace sextant::llm
