// Quantized GEMV launcher behind GemvRun (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::internal {

// A block of 4 warps per 2 or 4 output rows, split over the columns; the
// batch is rounded up to 1, 2, 4 or 8 for the template. p is validated.
// ps[0..count) share type, columns, input and batch (validated).
Status LaunchGemv(const GemvParams* ps, int count, cudaStream_t stream);

// The int8 path (gemv_int8.cu) for xq set and GemvTakesQuantizedX.
Status LaunchGemvInt8(const GemvParams* ps, int count, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
