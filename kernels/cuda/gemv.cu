// Quantized GEMV for batch 1..8. A block computes kR output rows (2 or 4);
// its threads stride over the rows in steps of 16 aligned bytes per row, so a
// thread holds kR independent 16-byte loads in flight per step (two steps
// unrolled) and reuses every activation it loads for kR rows; warp sums then
// a shared-memory sum over the block's warps give the outputs. Quants become floats by the 2^23
// trick (a byte permute and one add, no int-to-float conversion); accumulation is float32 against
// float32 activations.
#include "kernels/cuda/gemv.cuh"

#include <string>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/gemv_layout.h"
#include "kernels/cuda/internal/gemv_traits.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::GemvLayout;
using internal::HalfTraits;
using internal::kWarpSize;
using internal::Q4KTraits;
using internal::Q4Traits;
using internal::Q6KTraits;
using internal::Q8Traits;
using internal::Run;

// Warps per block: up to 4, fewer for short rows so that threads are not
// left idle (see GemvWarps).
constexpr int kGemvWarps = 4;
constexpr int kGemvThreads = kGemvWarps * kWarpSize;
// A warp should get at least this many 16-byte steps of a row.
constexpr int64_t kMinStepsPerWarp = 64;
// Caps registers at 128 per thread, for at least 16 warps per multiprocessor.
constexpr int kGemvMinBlocks = 4;

// Rows per warp: more rows share each activation load; fewer keep the
// accumulators (rows x batch) and Q6_K's larger loads within 128 registers.
template <class Traits>
__host__ __device__ constexpr int RowsPerWarp(int batch) {
  return batch == 1 && Traits::kElems <= 32 ? 4 : 2;
}

// Each target: device layout (gemv_layout.h), y (batch, rows); x: (batch, cols).
template <class Traits, int kB>
__global__ void __launch_bounds__(kGemvThreads, kGemvMinBlocks)
    GemvKernel(internal::GemvTargets targets, int64_t cols, const float* __restrict__ x,
               int batch) {
  constexpr int kR = RowsPerWarp<Traits>(kB);
  constexpr int kRun = Traits::kRun;
  constexpr int kRuns = Traits::kElems / kRun;
  // Two steps in flight, except where Q6_K's wide steps would spill.
  constexpr int kUnroll = Traits::kElems >= 64 && kB >= 4 ? 1 : 2;
  const internal::GemvTarget t = internal::ResolveTarget(targets, kR);
  const int64_t row0 = t.row0;
  const int64_t rows = t.rows;
  // Rows past the end repeat the last row and are not written.
  Traits tr[kR];
#pragma unroll
  for (int r = 0; r < kR; ++r)
    tr[r] = Traits(t.w, t.layout, row0 + r < rows ? row0 + r : rows - 1, cols);
  float acc[kR][kB] = {};
  const int64_t steps = cols / Traits::kElems;
  const auto threads = static_cast<int64_t>(blockDim.x);
  const auto c0 = static_cast<int64_t>(threadIdx.x);
  typename Traits::Raw raw[kR];
  if (c0 < steps) internal::LoadRows(tr, c0, raw);  // before the wait
  internal::EnterKernel();
#pragma unroll kUnroll
  for (int64_t c = c0; c < steps; c += threads) {
    if (c != c0) internal::LoadRows(tr, c, raw);
#pragma unroll
    for (int part = 0; part < kRuns; ++part) {
      Run<kRun> run[kR];
#pragma unroll
      for (int r = 0; r < kR; ++r) Traits::Dequant(raw[r], c, part, &run[r]);
      const int64_t k = Traits::RunStart(c, part);
#pragma unroll
      for (int b = 0; b < kB; ++b) {
        if (b < batch) {
          float xv[kRun];
          const float4* xp = reinterpret_cast<const float4*>(x + b * cols + k);
#pragma unroll
          for (int i = 0; i < kRun / 4; ++i) {
            const float4 v = __ldg(xp + i);
            xv[4 * i] = v.x;
            xv[4 * i + 1] = v.y;
            xv[4 * i + 2] = v.z;
            xv[4 * i + 3] = v.w;
          }
          float xsum = 0.0f;
          if (Traits::kHasMin) {
#pragma unroll
            for (int i = 0; i < kRun; ++i) xsum += xv[i];
          }
#pragma unroll
          for (int r = 0; r < kR; ++r) {
            float dot = 0.0f;
#pragma unroll
            for (int i = 0; i < kRun; ++i) dot = fmaf(run[r].w[i], xv[i], dot);
            acc[r][b] += run[r].scale * dot - (Traits::kHasMin ? run[r].min * xsum : 0.0f);
          }
        }
      }
    }
  }
  internal::StoreBlockSums<kGemvWarps>(acc, row0, rows, batch, t.y);
}

template <class Traits, int kB>
void LaunchBatch(const GemvParams* ps, int count, cudaStream_t stream) {
  const GemvParams& p = ps[0];
  const internal::GemvLaunch l = internal::MakeGemvLaunch(
      ps, count, RowsPerWarp<Traits>(kB), p.w.cols / Traits::kElems, kGemvWarps, kMinStepsPerWarp);
  // An error stays for the caller's cudaGetLastError.
  static_cast<void>(internal::Launch(GemvKernel<Traits, kB>, l.grid, l.threads, 0, stream,
                                     l.targets, p.w.cols, p.x, static_cast<int>(p.batch)));
}

template <class Traits>
Status LaunchFor(const GemvParams* ps, int count, cudaStream_t stream) {
  internal::ForGemvBatch(
      ps[0].batch, [&](auto kb) { LaunchBatch<Traits, decltype(kb)::value>(ps, count, stream); });
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

}  // namespace

namespace internal {

Status LaunchGemv(const GemvParams* ps, int count, cudaStream_t stream) {
  switch (ps[0].w.type) {
    case DType::kF16:
      return LaunchFor<HalfTraits<false>>(ps, count, stream);
    case DType::kBF16:
      return LaunchFor<HalfTraits<true>>(ps, count, stream);
    case DType::kQ8_0:
      return LaunchFor<Q8Traits>(ps, count, stream);
    case DType::kQ4_0:
      return LaunchFor<Q4Traits>(ps, count, stream);
    case DType::kQ4_K:
      return LaunchFor<Q4KTraits>(ps, count, stream);
    case DType::kQ6_K:
      return LaunchFor<Q6KTraits>(ps, count, stream);
    default:
      return UnimplementedError("GEMV: no CUDA path for " + std::string(DTypeName(ps[0].w.type)));
  }
}

}  // namespace internal

namespace {

Status CheckGemv(const GemvParams& p) {
  SEXTANT_RETURN_IF_ERROR(GemvLayoutBytes(p.w.type, p.w.rows, p.w.cols).status());
  if (p.w.data == nullptr || p.x == nullptr || p.y == nullptr) {
    return InvalidArgumentError("GEMV: null pointer");
  }
  if (p.batch < 1 || p.batch > kMaxGemvBatch) {
    return InvalidArgumentError("GEMV: batch " + std::to_string(p.batch) + " is outside 1.." +
                                std::to_string(kMaxGemvBatch));
  }
  if (reinterpret_cast<uintptr_t>(p.w.data) % internal::kGemvRegionAlign != 0 ||
      reinterpret_cast<uintptr_t>(p.x) % 16 != 0) {
    return InvalidArgumentError("GEMV: weights must be 256-byte and x 16-byte aligned");
  }
  if (p.xq != nullptr && GemvTakesQuantizedX(p.w.type) &&
      reinterpret_cast<uintptr_t>(p.xq) % 16 != 0) {
    return InvalidArgumentError("GEMV: xq must be 16-byte aligned");
  }
  return Status::Ok();
}

}  // namespace

Status GemvRunGroup(const GemvParams* ps, int count, Stream stream) {
  if (ps == nullptr || count < 1 || count > kMaxGemvGroup) {
    return InvalidArgumentError("GEMV group: 1.." + std::to_string(kMaxGemvGroup) + " GEMVs");
  }
  int64_t rows = 0;
  for (int m = 0; m < count; ++m) {
    const GemvParams& p = ps[m];
    SEXTANT_RETURN_IF_ERROR(CheckGemv(p));
    if (p.w.type != ps[0].w.type || p.w.cols != ps[0].w.cols || p.x != ps[0].x ||
        p.xq != ps[0].xq || p.batch != ps[0].batch) {
      return InvalidArgumentError("GEMV group: every GEMV needs the same type, columns and input");
    }
    rows += p.w.rows;
  }
  constexpr int64_t kMaxGrid = 2147483647;  // blocks of 2 rows at the least
  if (rows / 2 >= kMaxGrid) return InvalidArgumentError("GEMV: too many rows");
  if (ps[0].xq != nullptr && GemvTakesQuantizedX(ps[0].w.type)) {
    return internal::LaunchGemvInt8(ps, count, internal::ToCuda(stream));
  }
  return internal::LaunchGemv(ps, count, internal::ToCuda(stream));
}

Status GemvRun(const GemvParams& p, Stream stream) { return GemvRunGroup(&p, 1, stream); }

}  // namespace sextant::kernels::cuda
