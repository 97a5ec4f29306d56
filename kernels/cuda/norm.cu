// RMSNorm fused with the residual add, and per-head RMSNorm (the same kernel
// over rows of head_dim).
#include "kernels/cuda/norm.cuh"

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/int8_steps.cuh"

namespace sextant::kernels::cuda {
namespace {

constexpr int kWideBlock = 256;
// Rows up to this long get one warp each.
constexpr int64_t kShortRow = 256;
constexpr int64_t kMaxGridX = 2147483647;

// grid (rows); x, delta, out: (rows, n); out_q: null or (rows, q_row_bytes).
// A warp's lanes take 32 consecutive values, one block of the quantization.
__global__ void AddRmsNormKernel(float* x, const float* __restrict__ delta,
                                 const float* __restrict__ weight, float* out, int64_t n, float eps,
                                 uint8_t* __restrict__ out_q, int64_t q_row_bytes) {
  __shared__ float scratch[internal::kWarpSize];
  const int64_t row = blockIdx.x;
  float* xr = x + row * n;
  float* outr = out + row * n;
  float sum_sq = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    float v = xr[i];
    if (delta != nullptr) {
      v += delta[row * n + i];
      xr[i] = v;
    }
    sum_sq += v * v;
  }
  sum_sq = internal::BlockSum(sum_sq, scratch);
  const float inv_rms = 1.0f / sqrtf(sum_sq / static_cast<float>(n) + eps);
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float normed = xr[i] * inv_rms;
    const float v = weight != nullptr ? weight[i] * normed : normed;
    outr[i] = v;
    if (out_q != nullptr) internal::WarpQuantize32(v, out_q + row * q_row_bytes, i, n);
  }
}

}  // namespace

namespace internal {

Status LaunchAddRmsNorm(const AddRmsNormParams& p, cudaStream_t stream) {
  const int block = p.n <= kShortRow ? kWarpSize : kWideBlock;
  AddRmsNormKernel<<<static_cast<unsigned int>(p.rows), block, 0, stream>>>(
      p.x, p.delta, p.weight, p.out, p.n, p.eps, static_cast<uint8_t*>(p.out_q),
      QuantizedXRowBytes(p.n));
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

}  // namespace internal

Status AddRmsNorm(const AddRmsNormParams& p, Stream stream) {
  if (p.x == nullptr || p.out == nullptr) return InvalidArgumentError("AddRmsNorm: null pointer");
  if (p.rows < 0 || p.rows > kMaxGridX || p.n <= 0) {
    return InvalidArgumentError("AddRmsNorm: bad shape");
  }
  if (!(p.eps >= 0.0f)) return InvalidArgumentError("AddRmsNorm: eps must be >= 0");
  if (p.out_q != nullptr &&
      (p.n % kQuantizedXBlock != 0 || reinterpret_cast<uintptr_t>(p.out_q) % 16 != 0)) {
    return InvalidArgumentError(
        "AddRmsNorm: a quantized output needs n a multiple of 32 and 16-byte alignment");
  }
  if (p.rows == 0) return Status::Ok();
  return internal::LaunchAddRmsNorm(p, internal::ToCuda(stream));
}

Status HeadRmsNorm(const HeadRmsNormParams& p, Stream stream) {
  if (p.n_tokens < 0 || p.n_heads <= 0 || p.head_dim <= 0) {
    return InvalidArgumentError("HeadRmsNorm: bad shape");
  }
  AddRmsNormParams rows;
  rows.x = p.x;
  rows.weight = p.weight;
  rows.out = p.x;
  rows.rows = p.n_tokens * p.n_heads;
  rows.n = p.head_dim;
  rows.eps = p.eps;
  return AddRmsNorm(rows, stream);
}

}  // namespace sextant::kernels::cuda
