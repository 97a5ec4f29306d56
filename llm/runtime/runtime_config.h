// Config keys of the embedded runtime (llm.*) and the load options they
// give. Command-line flags override them.
#pragma once

#include "common/config.h"
#include "llm/runtime/model.h"

namespace sextant::llm {

// Declares llm.threads, llm.context, llm.batch, llm.max_memory_mb,
// llm.device, llm.gpu_slots, llm.gpu_batch, llm.gpu_int8_gemv and llm.gpu_int8_gemm. A registry
// may receive them once.
void DeclareLlmConfig(ConfigRegistry& registry);

// The load options those keys set.
LoadOptions LoadOptionsFromConfig(const Config& config);

}  // namespace sextant::llm
