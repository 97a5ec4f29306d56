// Launchers behind ArgmaxRows and SampleRows (cuda_ops.h).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::internal {

// ids (rows) = argmax over each row of logits (rows, n).
Status LaunchArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids,
                        cudaStream_t stream);

// ids (rows) sampled from logits (rows, n) with uniforms (rows), as SampleRows
// describes, for validated params with temperature > 0. log_min_p is
// std::log(p.min_p) computed on the host, so the min-p cut matches the CPU.
Status LaunchSampleRows(const float* logits, int64_t rows, int64_t n, const SampleParams& p,
                        float log_min_p, const float* uniforms, int32_t* ids, cudaStream_t stream);

}  // namespace sextant::kernels::cuda::internal
