// SwiGLU and bias add: one thread per element, grid-stride.
#include "kernels/cuda/elementwise.cuh"

#include <algorithm>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/int8_steps.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

constexpr int kBlock = 256;
constexpr int64_t kMaxBlocks = 65536;

// gate, up, out: (rows, cols) as n values. With out_q set, cols % 32 == 0,
// so each warp's 32 values are one block of out_q's quantization.
__global__ void SwiGluKernel(const float* gate, const float* up, float* out, int64_t n,
                             int64_t cols, uint8_t* __restrict__ out_q, int64_t q_row_bytes) {
  internal::EnterKernel();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * kBlock;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x; i < n; i += stride) {
    const float g = gate[i];
    const float v = g / (1.0f + expf(-g)) * up[i];
    out[i] = v;
    if (out_q != nullptr) {
      internal::WarpQuantize32(v, out_q + i / cols * q_row_bytes, i % cols, cols);
    }
  }
}

// x: (rows, n); bias: (n)
__global__ void BiasAddKernel(float* __restrict__ x, const float* __restrict__ bias, int64_t total,
                              int64_t n) {
  internal::EnterKernel();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * kBlock;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x; i < total;
       i += stride) {
    x[i] += bias[i % n];
  }
}

unsigned int Blocks(int64_t n) {
  return static_cast<unsigned int>(std::min(kMaxBlocks, (n + kBlock - 1) / kBlock));
}

}  // namespace

namespace internal {

Status LaunchSwiGlu(const float* gate, const float* up, float* out, int64_t n,
                    cudaStream_t stream) {
  CUDA_CHECK(internal::Launch(SwiGluKernel, Blocks(n), kBlock, 0, stream, gate, up, out, n, n,
                              nullptr, int64_t{0}));
  return Status::Ok();
}

Status LaunchBiasAdd(float* x, const float* bias, int64_t rows, int64_t n, cudaStream_t stream) {
  CUDA_CHECK(
      internal::Launch(BiasAddKernel, Blocks(rows * n), kBlock, 0, stream, x, bias, rows * n, n));
  return Status::Ok();
}

}  // namespace internal

Status SwiGlu(const float* gate, const float* up, float* out, int64_t n, Stream stream) {
  if (gate == nullptr || up == nullptr || out == nullptr) {
    return InvalidArgumentError("SwiGlu: null pointer");
  }
  if (n < 0) return InvalidArgumentError("SwiGlu: negative size");
  if (n == 0) return Status::Ok();
  return internal::LaunchSwiGlu(gate, up, out, n, internal::ToCuda(stream));
}

Status SwiGluQuantized(const float* gate, const float* up, float* out, int64_t rows, int64_t cols,
                       void* out_q, Stream stream) {
  if (gate == nullptr || up == nullptr || out == nullptr || out_q == nullptr) {
    return InvalidArgumentError("SwiGluQuantized: null pointer");
  }
  if (rows < 0 || cols <= 0 || cols % kQuantizedXBlock != 0 ||
      reinterpret_cast<uintptr_t>(out_q) % 16 != 0) {
    return InvalidArgumentError(
        "SwiGluQuantized: need cols a positive multiple of 32 and out_q 16-byte aligned");
  }
  if (rows == 0) return Status::Ok();
  const int64_t n = rows * cols;
  CUDA_CHECK(internal::Launch(SwiGluKernel, Blocks(n), kBlock, 0, internal::ToCuda(stream), gate,
                              up, out, n, cols, static_cast<uint8_t*>(out_q),
                              QuantizedXRowBytes(cols)));
  return Status::Ok();
}

Status BiasAdd(float* x, const float* bias, int64_t rows, int64_t n, Stream stream) {
  if (x == nullptr || bias == nullptr) return InvalidArgumentError("BiasAdd: null pointer");
  if (rows < 0 || n <= 0) return InvalidArgumentError("BiasAdd: bad shape");
  if (rows == 0) return Status::Ok();
  return internal::LaunchBiasAdd(x, bias, rows, n, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
