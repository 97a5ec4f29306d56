// Element-wise launchers behind SwiGlu and BiasAdd (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"

namespace sextant::kernels::cuda::internal {

// out (n) = silu(gate) * up.
Status LaunchSwiGlu(const float* gate, const float* up, float* out, int64_t n, cudaStream_t stream);
// x (rows, n) += bias (n).
Status LaunchBiasAdd(float* x, const float* bias, int64_t rows, int64_t n, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
