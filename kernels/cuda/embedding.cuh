// Embedding gather: launcher behind EmbeddingGather (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::internal {

// Launches one thread per output element; p is already validated.
Status LaunchEmbeddingGather(const EmbeddingParams& p, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
