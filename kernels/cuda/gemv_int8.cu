// The integer GEMV for Q8_0, Q4_0, Q4_K and Q6_K: activations quantized to int8 in
// blocks of 32 (QuantizeX), the weights' quants multiplied with them four at
// a time by dp4a, sums scaled in float32 once per block. Per 64 weights of a
// Q4_K row this takes 16 dp4a and about 16 logic ops plus the scale
// decoding, where the float32 path (gemv.cu) takes about 200 instructions:
// that path is bound by arithmetic, this one should be bound by memory.
#include <string>
#include <type_traits>

#include "kernels/cuda/gemv.cuh"
#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/gemv_layout.h"
#include "kernels/cuda/internal/gemv_traits.cuh"
#include "kernels/cuda/internal/int8_steps.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::kWarpSize;

constexpr int kQuantizeThreads = 256;

// One warp per block of 32 values; each lane quantizes one.
__global__ void QuantizeXKernel(const float* __restrict__ x, int64_t batch, int64_t cols,
                                uint8_t* __restrict__ xq, int64_t row_bytes) {
  internal::EnterKernel();
  const int64_t block = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t blocks_per_row = cols / internal::kXBlock;
  if (block >= batch * blocks_per_row) return;  // whole warps leave together
  const int64_t b = block / blocks_per_row;
  const int64_t k = (block % blocks_per_row) * internal::kXBlock + lane;
  internal::WarpQuantize32(x[b * cols + k], xq + b * row_bytes, k, cols);
}

// Rows per warp: 4 at batch 1, where the loads of 4 rows keep enough bytes in
// flight; 2 above, for registers.
constexpr int RowsPerWarp(int batch) { return batch == 1 ? 4 : 2; }
constexpr int kMaxWarps = 4;
// A warp should get at least this many steps of a row.
constexpr int64_t kMinStepsPerWarp = 32;

// w: GEMV layout; xq: (batch, row_bytes); y: (batch, rows).
template <class Step, int kB>
__global__ void __launch_bounds__(kMaxWarps* kWarpSize, 4)
    GemvInt8Kernel(internal::GemvTargets targets, int64_t cols, const uint8_t* __restrict__ xq,
                   int64_t row_bytes, int batch) {
  constexpr int kR = RowsPerWarp(kB);
  const internal::GemvTarget t = internal::ResolveTarget(targets, kR);
  const int64_t row0 = t.row0;
  const int64_t rows = t.rows;
  // Rows past the end repeat the last row and are not written.
  Step step[kR];
#pragma unroll
  for (int r = 0; r < kR; ++r) {
    step[r] = Step(t.w, t.layout, row0 + r < rows ? row0 + r : rows - 1);
  }
  float acc[kR][kB] = {};
  const int64_t steps = cols / Step::kElems;
  const auto c0 = static_cast<int64_t>(threadIdx.x);
  typename Step::Raw raw[kR];
  if (c0 < steps) internal::LoadRows(step, c0, raw);  // before the wait
  internal::EnterKernel();
  for (int64_t c = c0; c < steps; c += blockDim.x) {
    if (c != c0) internal::LoadRows(step, c, raw);
#pragma unroll
    for (int b = 0; b < kB; ++b) {
      if (b < batch) {
        const typename Step::X x = Step::LoadX(xq + b * row_bytes, cols, c);
#pragma unroll
        for (int r = 0; r < kR; ++r) acc[r][b] += Step::Dot(raw[r], c, x);
      }
    }
  }
  internal::StoreBlockSums<kMaxWarps>(acc, row0, rows, batch, t.y);
}

template <class Step, int kB>
void LaunchBatch(const GemvParams* ps, int count, cudaStream_t stream) {
  const GemvParams& p = ps[0];
  const internal::GemvLaunch l = internal::MakeGemvLaunch(
      ps, count, RowsPerWarp(kB), p.w.cols / Step::kElems, kMaxWarps, kMinStepsPerWarp);
  // An error stays for the caller's cudaGetLastError.
  static_cast<void>(internal::Launch(GemvInt8Kernel<Step, kB>, l.grid, l.threads, 0, stream,
                                     l.targets, p.w.cols, static_cast<const uint8_t*>(p.xq),
                                     QuantizedXRowBytes(p.w.cols), static_cast<int>(p.batch)));
}

template <class Step>
void LaunchFor(const GemvParams* ps, int count, cudaStream_t stream) {
  internal::ForGemvBatch(
      ps[0].batch, [&](auto kb) { LaunchBatch<Step, decltype(kb)::value>(ps, count, stream); });
}

}  // namespace

int64_t QuantizedXRowBytes(int64_t cols) { return internal::QuantizedRowBytes(cols); }

bool GemvTakesQuantizedX(DType t) {
  return t == DType::kQ8_0 || t == DType::kQ4_0 || t == DType::kQ4_K || t == DType::kQ6_K;
}

Status QuantizeX(const float* x, int64_t batch, int64_t cols, void* xq, Stream stream) {
  if (x == nullptr || xq == nullptr) return InvalidArgumentError("QuantizeX: null pointer");
  if (batch < 1 || cols < 1 || cols % kQuantizedXBlock != 0) {
    return InvalidArgumentError(
        "QuantizeX: need batch >= 1 and cols a positive multiple of 32, got " +
        std::to_string(batch) + " x " + std::to_string(cols));
  }
  if (reinterpret_cast<uintptr_t>(x) % 16 != 0 || reinterpret_cast<uintptr_t>(xq) % 16 != 0) {
    return InvalidArgumentError("QuantizeX: x and xq must be 16-byte aligned");
  }
  const int64_t threads = batch * cols;  // one lane per value
  CUDA_CHECK(internal::Launch(QuantizeXKernel, internal::GridFor(threads, kQuantizeThreads),
                              kQuantizeThreads, 0, internal::ToCuda(stream), x, batch, cols,
                              static_cast<uint8_t*>(xq), QuantizedXRowBytes(cols)));
  return Status::Ok();
}

namespace internal {

Status LaunchGemvInt8(const GemvParams* ps, int count, cudaStream_t stream) {
  internal::ForInt8Step(
      ps[0].w.type, [&](auto tag) { LaunchFor<typename decltype(tag)::type>(ps, count, stream); });
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

}  // namespace internal
}  // namespace sextant::kernels::cuda
