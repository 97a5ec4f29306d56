// Launcher behind ArgmaxRows (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"

namespace sextant::kernels::cuda::internal {

// ids (rows) = argmax over each row of logits (rows, n).
Status LaunchArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids,
                        cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
