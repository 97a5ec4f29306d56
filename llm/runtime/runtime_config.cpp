#include "llm/runtime/runtime_config.h"

#include <cstdio>
#include <cstdlib>

namespace sextant::llm {
namespace {

constexpr int64_t kMaxThreads = 1024;
constexpr int64_t kMaxContext = int64_t{1} << 24;
constexpr int64_t kMaxBatch = 1 << 16;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kMaxMemoryMb = int64_t{1} << 30;
constexpr int64_t kMaxGpuSlots = 1024;

}  // namespace

void DeclareLlmConfig(ConfigRegistry& registry) {
  const ConfigKey keys[] = {
      ConfigKey::Int("llm.threads", 0, "Embedded runtime: CPU threads (0: all cores)")
          .Range(0, kMaxThreads),
      ConfigKey::Int("llm.context", 0,
                     "Embedded runtime: positions per sequence (0: min(model's, 4096))")
          .Range(0, kMaxContext),
      ConfigKey::Int("llm.batch", LoadOptions{}.n_batch,
                     "Embedded runtime: tokens per forward step during prefill")
          .Range(1, kMaxBatch),
      ConfigKey::Int("llm.max_memory_mb", 0,
                     "Embedded runtime: refuse to load a model needing more (0: no limit)")
          .Range(0, kMaxMemoryMb),
      ConfigKey::String("llm.device", "auto",
                        "Embedded runtime: auto (CUDA when a GPU is visible), cuda or cpu")
          .OneOf({"auto", "cuda", "cpu"}),
      ConfigKey::Int("llm.gpu_slots", LoadOptions{}.gpu_slots,
                     "Embedded runtime: sequences the GPU KV cache holds at once")
          .Range(1, kMaxGpuSlots),
      ConfigKey::Int("llm.gpu_batch", LoadOptions{}.gpu_batch,
                     "Embedded runtime: tokens per GPU forward step (prefill chunk)")
          .Range(1, kMaxBatch),
      ConfigKey::Bool("llm.gpu_int8_gemv", LoadOptions{}.gpu_int8_gemv,
                      "Embedded runtime: GPU GEMV of quantized weights with int8 activations "
                      "(dp4a) instead of float32"),
      ConfigKey::Bool("llm.gpu_int8_gemm", LoadOptions{}.gpu_int8_gemm,
                      "Embedded runtime: GPU products of quantized weights over more than 8 "
                      "tokens on int8 tensor cores instead of fp16 cuBLAS"),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) {
      std::fprintf(stderr, "config declaration error: %s\n", st.message().c_str());
      std::abort();
    }
  }
}

LoadOptions LoadOptionsFromConfig(const Config& config) {
  LoadOptions o;
  o.threads = static_cast<int>(config.GetInt("llm.threads"));
  o.context = config.GetInt("llm.context");
  o.n_batch = config.GetInt("llm.batch");
  o.max_memory_bytes = config.GetInt("llm.max_memory_mb") * kMiB;
  o.device = ParseDevice(config.GetString("llm.device")).value_or(Device::kAuto);
  o.gpu_slots = config.GetInt("llm.gpu_slots");
  o.gpu_batch = config.GetInt("llm.gpu_batch");
  o.gpu_int8_gemv = config.GetBool("llm.gpu_int8_gemv");
  o.gpu_int8_gemm = config.GetBool("llm.gpu_int8_gemm");
  return o;
}

}  // namespace sextant::llm
