// RMSNorm fused with the residual add, and per-head RMSNorm (the same kernel
// over rows of head_dim).
#include "kernels/cuda/norm.cuh"

#include <algorithm>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/int8_steps.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

constexpr int kWideBlock = 256;
constexpr int kMaxBlock = 1024;
// Rows up to this long get one warp each.
constexpr int64_t kShortRow = 256;
// Rows up to kMaxPerThread * kMaxBlock values stay in registers.
constexpr int kMaxPerThread = 8;
constexpr int64_t kMaxGridX = 2147483647;

// grid (rows); x, delta, out: (rows, n); out_q: null or (rows, q_row_bytes).
// Thread t holds values t, t + T, ... (T = blockDim.x, a multiple of 32), at
// most kPer of them, in registers: every load of the row is in flight at
// once, and x is read once. So a warp's lanes hold 32 consecutive values, one
// block of the quantization.
template <int kPer>
__global__ void AddRmsNormKernel(float* x, const float* delta, const float* __restrict__ weight,
                                 float* out, int64_t n, float eps, uint8_t* __restrict__ out_q,
                                 int64_t q_row_bytes) {
  __shared__ float scratch[internal::kWarpSize];
  const int64_t row = blockIdx.x;
  const int64_t stride = blockDim.x;
  float w[kPer];
#pragma unroll
  for (int j = 0; j < kPer; ++j) {  // weights first: no kernel writes them
    const int64_t i = threadIdx.x + j * stride;
    w[j] = i < n && weight != nullptr ? weight[i] : 1.0f;
  }
  internal::EnterKernel();
  float* xr = x + row * n;
  float v[kPer];
  float d[kPer];
#pragma unroll
  for (int j = 0; j < kPer; ++j) {
    const int64_t i = threadIdx.x + j * stride;
    v[j] = i < n ? xr[i] : 0.0f;
    d[j] = i < n && delta != nullptr ? delta[row * n + i] : 0.0f;
  }
  float sum_sq = 0.0f;
#pragma unroll
  for (int j = 0; j < kPer; ++j) {
    if (delta != nullptr) v[j] += d[j];
    sum_sq += v[j] * v[j];
  }
  sum_sq = internal::BlockSum(sum_sq, scratch);
  const float inv_rms = 1.0f / sqrtf(sum_sq / static_cast<float>(n) + eps);
  float* outr = out + row * n;
#pragma unroll
  for (int j = 0; j < kPer; ++j) {
    const int64_t i = threadIdx.x + j * stride;
    if (i >= n) break;  // the same for a whole warp when n % 32 == 0
    if (delta != nullptr) xr[i] = v[j];
    const float o = weight != nullptr ? w[j] * (v[j] * inv_rms) : v[j] * inv_rms;
    outr[i] = o;
    if (out_q != nullptr) internal::WarpQuantize32(o, out_q + row * q_row_bytes, i, n);
  }
}

// Rows too long for registers: two passes over x.
__global__ void AddRmsNormLoopKernel(float* x, const float* __restrict__ delta,
                                     const float* __restrict__ weight, float* out, int64_t n,
                                     float eps, uint8_t* __restrict__ out_q, int64_t q_row_bytes) {
  __shared__ float scratch[internal::kWarpSize];
  internal::EnterKernel();
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

template <int kPer>
cudaError_t LaunchRegisters(const AddRmsNormParams& p, int block, cudaStream_t stream) {
  return internal::Launch(AddRmsNormKernel<kPer>, static_cast<unsigned int>(p.rows), block, 0,
                          stream, p.x, p.delta, p.weight, p.out, p.n, p.eps,
                          static_cast<uint8_t*>(p.out_q), QuantizedXRowBytes(p.n));
}

}  // namespace

namespace internal {

Status LaunchAddRmsNorm(const AddRmsNormParams& p, cudaStream_t stream) {
  // About four values per thread, up to kMaxBlock threads; one warp for short rows.
  const int block =
      p.n <= kShortRow
          ? kWarpSize
          : static_cast<int>(std::min<int64_t>(kMaxBlock, AlignUp(CeilDiv(p.n, 4), kWarpSize)));
  const int64_t per = CeilDiv(p.n, block);
  if (per <= 1) {
    CUDA_CHECK(LaunchRegisters<1>(p, block, stream));
  } else if (per <= 2) {
    CUDA_CHECK(LaunchRegisters<2>(p, block, stream));
  } else if (per <= 4) {
    CUDA_CHECK(LaunchRegisters<4>(p, block, stream));
  } else if (per <= kMaxPerThread) {
    CUDA_CHECK(LaunchRegisters<kMaxPerThread>(p, block, stream));
  } else {
    CUDA_CHECK(internal::Launch(AddRmsNormLoopKernel, static_cast<unsigned int>(p.rows), kWideBlock,
                                0, stream, p.x, p.delta, p.weight, p.out, p.n, p.eps,
                                static_cast<uint8_t*>(p.out_q), QuantizedXRowBytes(p.n)));
  }
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
