// RMSNorm launchers behind AddRmsNorm and HeadRmsNorm (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::internal {

// One block per row; a single warp when rows are short. p is validated.
Status LaunchAddRmsNorm(const AddRmsNormParams& p, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
