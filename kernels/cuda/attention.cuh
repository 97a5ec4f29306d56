// Launchers behind KvAppend and Attention (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::internal {

// One thread per cached element; p is validated.
Status LaunchKvAppend(const KvAppendParams& p, cudaStream_t stream);

// Blocks of (kv head, token, split), then a merge of the splits; p is
// validated except for head_dim, which picks the kernel.
Status LaunchAttention(const AttentionParams& p, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
