// RoPE launcher behind Rope (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::internal {

// One thread per (token, head, pair); p is validated.
Status LaunchRope(const RopeParams& p, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
