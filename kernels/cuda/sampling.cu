// Greedy sampling: one block per row scans the logits with strided loads,
// keeping the largest value and its lowest index; a warp shuffle and then a
// shared-memory pass over the warps pick the row's winner.
#include "kernels/cuda/sampling.cuh"

#include <climits>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::kWarpSize;

constexpr int kBlock = 1024;
constexpr int kWarps = kBlock / kWarpSize;
constexpr int32_t kNoIndex = INT32_MAX;

struct Best {
  float value;
  int32_t index;
};

// Larger value wins; equal values go to the lower index; NaN never wins.
__device__ __forceinline__ Best Better(Best a, Best b) {
  if (b.value > a.value || (b.value == a.value && b.index < a.index)) return b;
  return a;
}

__device__ __forceinline__ Best WarpBest(Best v) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    Best other;
    other.value = __shfl_xor_sync(0xffffffffu, v.value, offset);
    other.index = __shfl_xor_sync(0xffffffffu, v.index, offset);
    v = Better(v, other);
  }
  return v;
}

// logits: (rows, n); ids: (rows)
__global__ void __launch_bounds__(kBlock)
    ArgmaxKernel(const float* __restrict__ logits, int64_t n, int32_t* __restrict__ ids) {
  const float* row = logits + static_cast<int64_t>(blockIdx.x) * n;
  Best best{-INFINITY, kNoIndex};
  for (int64_t i = threadIdx.x; i < n; i += kBlock) {
    best = Better(best, Best{__ldg(row + i), static_cast<int32_t>(i)});
  }
  best = WarpBest(best);
  __shared__ Best per_warp[kWarps];
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  if (lane == 0) per_warp[warp] = best;
  __syncthreads();
  if (warp == 0) {
    best = lane < kWarps ? per_warp[lane] : Best{-INFINITY, kNoIndex};
    best = WarpBest(best);
    if (lane == 0) ids[blockIdx.x] = best.index == kNoIndex ? 0 : best.index;
  }
}

}  // namespace

namespace internal {

Status LaunchArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids,
                        cudaStream_t stream) {
  ArgmaxKernel<<<static_cast<unsigned int>(rows), kBlock, 0, stream>>>(logits, n, ids);
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

}  // namespace internal

Status ArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids, Stream stream) {
  if (logits == nullptr || ids == nullptr) return InvalidArgumentError("ArgmaxRows: null pointer");
  constexpr int64_t kMaxRows = int64_t{1} << 31;
  if (rows < 0 || rows >= kMaxRows || n <= 0 || n > INT32_MAX) {
    return InvalidArgumentError("ArgmaxRows: bad shape");
  }
  if (rows == 0) return Status::Ok();
  return internal::LaunchArgmaxRows(logits, rows, n, ids, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
