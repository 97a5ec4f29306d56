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

namespace sextant::kernels::cuda {
namespace {

using internal::GemvLayout;
using internal::kFullMask;
using internal::kWarpSize;

constexpr int kBlockQ = static_cast<int>(kQuantizedXBlock);
constexpr int kQuantizeThreads = 256;

__device__ __forceinline__ const float2* ScalesOf(const uint8_t* row, int64_t cols) {
  return reinterpret_cast<const float2*>(row + cols);
}

// One warp per block of 32 values; each lane quantizes one.
__global__ void QuantizeXKernel(const float* __restrict__ x, int64_t batch, int64_t cols,
                                uint8_t* __restrict__ xq, int64_t row_bytes) {
  const int64_t block = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t blocks_per_row = cols / kBlockQ;
  if (block >= batch * blocks_per_row) return;  // whole warps leave together
  const int64_t b = block / blocks_per_row;
  const int64_t k = (block % blocks_per_row) * kBlockQ + lane;
  const float v = x[b * cols + k];
  float amax = fabsf(v);
  float sum = v;
  bool finite = isfinite(v);
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    amax = fmaxf(amax, __shfl_xor_sync(kFullMask, amax, offset));
    sum += __shfl_xor_sync(kFullMask, sum, offset);
  }
  finite = __all_sync(kFullMask, finite);
  const float d = finite ? amax / 127.0f : __int_as_float(0x7fc00000);
  const int q = finite && amax > 0.0f ? __float2int_rn(v * (127.0f / amax)) : 0;
  uint8_t* row = xq + b * row_bytes;
  row[k] = static_cast<uint8_t>(static_cast<int8_t>(max(-127, min(127, q))));
  if (lane == 0) {
    reinterpret_cast<float2*>(row + cols)[k / kBlockQ] = make_float2(d, sum);
  }
}

// Rows per warp: 4 at batch 1, where the loads of 4 rows keep enough bytes in
// flight; 2 above, for registers.
constexpr int RowsPerWarp(int batch) { return batch == 1 ? 4 : 2; }
constexpr int kMaxWarps = 4;
// A warp should get at least this many steps of a row.
constexpr int64_t kMinStepsPerWarp = 32;

__device__ __forceinline__ int4 LoadX16(const uint8_t* p) {
  return __ldg(reinterpret_cast<const int4*>(p));
}

// The (d, s) pairs of blocks i and i + 1 (i even).
__device__ __forceinline__ float4 LoadScales2(const uint8_t* xrow, int64_t cols, int64_t i) {
  return __ldg(reinterpret_cast<const float4*>(ScalesOf(xrow, cols) + i));
}

// Each step type gives, for one step c of a row (kElems weights): Load (the
// raw bytes), Prepare (the quants as int8x4 words and the float factors),
// LoadX (the matching activations of one batch row) and Dot (their product).

// Q8_0 and Q4_0 (repacked, read through Q8Traits and Q4Traits): a step is
// one block of 32 weights sharing an fp16 d, the same columns as one block
// of the activations. Q8_0 quants are int8 (two of Q8Traits' 16-byte steps);
// Q4_0 quants q are nibbles (low: elements 0..15, high: 16..31) worth q - 8,
// so a block's sum is d * (d_x * sum(q * q_x) - 8 * s).
template <bool kQ4>
struct Block32Step {
  static constexpr int kElems = 32;
  using Traits = std::conditional_t<kQ4, internal::Q4Traits, internal::Q8Traits>;
  struct Raw {
    uint4 q0;
    uint4 q1;  // Q8_0 only
    float d;
  };
  struct Prepared {
    int q[8];
    float d;
  };
  struct X {
    int q[8];
    float2 ds;
  };
  Traits traits;
  Block32Step() = default;
  __device__ Block32Step(const uint8_t* w, const GemvLayout& l, int64_t r)
      : traits(w, l, r, kQ4 ? 2 * l.quant_bytes_per_row : l.quant_bytes_per_row) {}
  __device__ Raw Load(int64_t c) const {
    if (kQ4) {
      const typename Traits::Raw raw = traits.Load(c);
      return {raw.q, {}, raw.d};
    }
    const typename Traits::Raw lo = traits.Load(2 * c);
    return {lo.q, traits.Load(2 * c + 1).q, lo.d};
  }
  __device__ static Prepared Prepare(const Raw& raw, int64_t) {
    Prepared p;
    const uint32_t w0[4] = {raw.q0.x, raw.q0.y, raw.q0.z, raw.q0.w};
    const uint32_t w1[4] = {raw.q1.x, raw.q1.y, raw.q1.z, raw.q1.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      p.q[i] = static_cast<int>(kQ4 ? w0[i] & 0x0F0F0F0Fu : w0[i]);
      p.q[4 + i] = static_cast<int>(kQ4 ? (w0[i] >> 4) & 0x0F0F0F0Fu : w1[i]);
    }
    p.d = raw.d;
    return p;
  }
  __device__ static X LoadX(const uint8_t* xrow, int64_t cols, int64_t c) {
    const int4 x0 = LoadX16(xrow + 32 * c);
    const int4 x1 = LoadX16(xrow + 32 * c + 16);
    return {{x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w}, __ldg(ScalesOf(xrow, cols) + c)};
  }
  __device__ static float Dot(const Prepared& p, const X& x) {
    int dot = 0;
#pragma unroll
    for (int i = 0; i < 8; ++i) dot = __dp4a(p.q[i], x.q[i], dot);
    const float sum = x.ds.x * static_cast<float>(dot);
    return p.d * (kQ4 ? sum - 8.0f * x.ds.y : sum);
  }
};

// Q4_K (GGUF layout): a step is one 32-byte chunk j of a super-block's qs,
// 64 weights: low nibbles are sub-block 2j, high nibbles 2j + 1.
struct Q4KStep {
  static constexpr int kElems = 64;
  struct Raw {
    uint4 head;  // d, dmin (fp16 bits), then the 12 bytes of packed scales
    uint4 q0;    // bytes 0..15 of the chunk
    uint4 q1;    // bytes 16..31
  };
  struct Prepared {
    int lo[8];
    int hi[8];
    float dsc0, dsc1;  // d * scale of sub-blocks 2j and 2j + 1
    float dm0, dm1;    // dmin * min
  };
  struct X {
    int lo[8];
    int hi[8];
    float4 ds;  // (d, s) of sub-block 2j's activations, then 2j + 1's
  };
  const uint8_t* row = nullptr;
  Q4KStep() = default;
  __device__ Q4KStep(const uint8_t* w, const GemvLayout& l, int64_t r)
      : row(w + r * l.quant_bytes_per_row) {}
  __device__ Raw Load(int64_t c) const {
    const uint8_t* block = row + (c / 4) * 144;
    const int j = static_cast<int>(c % 4);
    return {internal::Load16(block), internal::Load16(block + 16 + 32 * j),
            internal::Load16(block + 32 + 32 * j)};
  }
  __device__ static Prepared Prepare(const Raw& raw, int64_t c) {
    Prepared p;
    const uint32_t words[8] = {raw.q0.x, raw.q0.y, raw.q0.z, raw.q0.w,
                               raw.q1.x, raw.q1.y, raw.q1.z, raw.q1.w};
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      p.lo[i] = static_cast<int>(words[i] & 0x0F0F0F0Fu);
      p.hi[i] = static_cast<int>((words[i] >> 4) & 0x0F0F0F0Fu);
    }
    const uint32_t scales[3] = {raw.head.y, raw.head.z, raw.head.w};
    const int sub = 2 * static_cast<int>(c % 4);
    int sc0 = 0;
    int m0 = 0;
    int sc1 = 0;
    int m1 = 0;
    internal::Q4KTraits::ScaleMin(scales, sub, &sc0, &m0);
    internal::Q4KTraits::ScaleMin(scales, sub + 1, &sc1, &m1);
    const float d = internal::HalfBitsToFloat(static_cast<uint16_t>(raw.head.x & 0xffffu));
    const float dmin = internal::HalfBitsToFloat(static_cast<uint16_t>(raw.head.x >> 16));
    p.dsc0 = d * static_cast<float>(sc0);
    p.dsc1 = d * static_cast<float>(sc1);
    p.dm0 = dmin * static_cast<float>(m0);
    p.dm1 = dmin * static_cast<float>(m1);
    return p;
  }
  __device__ static X LoadX(const uint8_t* xrow, int64_t cols, int64_t c) {
    const int64_t k = c * kElems;
    const int4 x0 = LoadX16(xrow + k);
    const int4 x1 = LoadX16(xrow + k + 16);
    const int4 x2 = LoadX16(xrow + k + 32);
    const int4 x3 = LoadX16(xrow + k + 48);
    return {{x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w},
            {x2.x, x2.y, x2.z, x2.w, x3.x, x3.y, x3.z, x3.w},
            LoadScales2(xrow, cols, k / kBlockQ)};
  }
  __device__ static float Dot(const Prepared& p, const X& x) {
    int dot0 = 0;
    int dot1 = 0;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      dot0 = __dp4a(p.lo[i], x.lo[i], dot0);
      dot1 = __dp4a(p.hi[i], x.hi[i], dot1);
    }
    return p.dsc0 * x.ds.x * static_cast<float>(dot0) - p.dm0 * x.ds.y +
           p.dsc1 * x.ds.z * static_cast<float>(dot1) - p.dm1 * x.ds.w;
  }
};

// Q6_K (repacked, gemv_layout.h): a step is Q6KTraits' 64 weights, four runs
// of 16, run p at columns RunStart(c, p) with its own int8 scale.
struct Q6KStep {
  static constexpr int kElems = 64;
  using Raw = internal::Q6KTraits::Raw;
  struct Prepared {
    int q[4][4];   // run p: 16 quants minus 32, as int8x4 words
    float dsc[4];  // d * scale of run p
  };
  struct X {
    int q[4][4];
    float d[4];
  };
  internal::Q6KTraits traits;
  Q6KStep() = default;
  __device__ Q6KStep(const uint8_t* w, const GemvLayout& l, int64_t r)
      : traits(w, l, r, l.quant_bytes_per_row / internal::kQ6KPackedQuantBytes * 256) {}
  __device__ Raw Load(int64_t c) const { return traits.Load(c); }
  __device__ static Prepared Prepare(const Raw& raw, int64_t c) {
    Prepared p;
    const uint32_t low[2][4] = {{raw.ql0.x, raw.ql0.y, raw.ql0.z, raw.ql0.w},
                                {raw.ql1.x, raw.ql1.y, raw.ql1.z, raw.ql1.w}};
    const uint32_t high[4] = {raw.qh.x, raw.qh.y, raw.qh.z, raw.qh.w};
#pragma unroll
    for (int run = 0; run < 4; ++run) {
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const uint32_t l4 = (run < 2 ? low[run % 2][i] : low[run % 2][i] >> 4) & 0x0F0F0F0Fu;
        const uint32_t h2 = (high[i] >> (2 * run)) & 0x03030303u;
        // q - 32 in each byte: the high bit set first stops borrows between bytes.
        p.q[run][i] =
            static_cast<int>((((l4 | (h2 << 4)) | 0x80808080u) - 0x20202020u) ^ 0x80808080u);
      }
      const int s = static_cast<int>(c % 2) + 2 * run;
      const uint32_t word = s < 4 ? raw.sc.x : raw.sc.y;
      p.dsc[run] = raw.d * static_cast<float>(static_cast<int8_t>(word >> (8 * (s % 4))));
    }
    return p;
  }
  __device__ static X LoadX(const uint8_t* xrow, int64_t cols, int64_t c) {
    X x;
    const int64_t k = internal::Q6KTraits::RunStart(c, 0);
#pragma unroll
    for (int run = 0; run < 4; ++run) {
      const int4 v = LoadX16(xrow + k + 32 * run);
      x.q[run][0] = v.x;
      x.q[run][1] = v.y;
      x.q[run][2] = v.z;
      x.q[run][3] = v.w;
    }
    // Runs start 32 apart, so run p lies in block k / 32 + p.
    const float4 d01 = LoadScales2(xrow, cols, k / kBlockQ);
    const float4 d23 = LoadScales2(xrow, cols, k / kBlockQ + 2);
    x.d[0] = d01.x;
    x.d[1] = d01.z;
    x.d[2] = d23.x;
    x.d[3] = d23.z;
    return x;
  }
  __device__ static float Dot(const Prepared& p, const X& x) {
    float sum = 0.0f;
#pragma unroll
    for (int run = 0; run < 4; ++run) {
      int dot = 0;
#pragma unroll
      for (int i = 0; i < 4; ++i) dot = __dp4a(p.q[run][i], x.q[run][i], dot);
      sum += p.dsc[run] * x.d[run] * static_cast<float>(dot);
    }
    return sum;
  }
};

// w: GEMV layout; xq: (batch, row_bytes); y: (batch, rows).
template <class Step, int kB>
__global__ void __launch_bounds__(kMaxWarps* kWarpSize, 4)
    GemvInt8Kernel(const uint8_t* __restrict__ w, GemvLayout layout, int64_t rows, int64_t cols,
                   const uint8_t* __restrict__ xq, int64_t row_bytes, float* __restrict__ y,
                   int batch) {
  constexpr int kR = RowsPerWarp(kB);
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kR;
  // Rows past the end repeat the last row and are not written.
  Step step[kR];
#pragma unroll
  for (int r = 0; r < kR; ++r) step[r] = Step(w, layout, row0 + r < rows ? row0 + r : rows - 1);
  float acc[kR][kB] = {};
  const int64_t steps = cols / Step::kElems;
  for (int64_t c = threadIdx.x; c < steps; c += blockDim.x) {
    typename Step::Raw raw[kR];
#pragma unroll
    for (int r = 0; r < kR; ++r) raw[r] = step[r].Load(c);
    typename Step::Prepared prep[kR];
#pragma unroll
    for (int r = 0; r < kR; ++r) prep[r] = Step::Prepare(raw[r], c);
#pragma unroll
    for (int b = 0; b < kB; ++b) {
      if (b < batch) {
        const typename Step::X x = Step::LoadX(xq + b * row_bytes, cols, c);
#pragma unroll
        for (int r = 0; r < kR; ++r) acc[r][b] += Step::Dot(prep[r], x);
      }
    }
  }
  internal::StoreBlockSums<kMaxWarps>(acc, row0, rows, batch, y);
}

template <class Step, int kB>
void LaunchBatch(const GemvParams& p, cudaStream_t stream) {
  const unsigned int grid = internal::GridFor(p.w.rows, RowsPerWarp(kB));
  const int threads =
      internal::GemvWarps(p.w.cols / Step::kElems, kMaxWarps, kMinStepsPerWarp) * kWarpSize;
  const GemvLayout layout = internal::MakeGemvLayout(p.w.type, p.w.rows, p.w.cols);
  GemvInt8Kernel<Step, kB>
      <<<grid, threads, 0, stream>>>(static_cast<const uint8_t*>(p.w.data), layout, p.w.rows,
                                     p.w.cols, static_cast<const uint8_t*>(p.xq),
                                     QuantizedXRowBytes(p.w.cols), p.y, static_cast<int>(p.batch));
}

template <class Step>
void LaunchFor(const GemvParams& p, cudaStream_t stream) {
  internal::ForGemvBatch(p.batch,
                         [&](auto kb) { LaunchBatch<Step, decltype(kb)::value>(p, stream); });
}

}  // namespace

int64_t QuantizedXRowBytes(int64_t cols) {
  return internal::AlignUp(cols + cols / kQuantizedXBlock * 8, 16);
}

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
  QuantizeXKernel<<<internal::GridFor(threads, kQuantizeThreads), kQuantizeThreads, 0,
                    internal::ToCuda(stream)>>>(x, batch, cols, static_cast<uint8_t*>(xq),
                                                QuantizedXRowBytes(cols));
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

namespace internal {

Status LaunchGemvInt8(const GemvParams& p, cudaStream_t stream) {
  if (!GemvTakesQuantizedX(p.w.type)) {
    return UnimplementedError("GEMV: no int8 path for " + std::string(DTypeName(p.w.type)));
  }
  if (reinterpret_cast<uintptr_t>(p.xq) % 16 != 0) {
    return InvalidArgumentError("GEMV: xq must be 16-byte aligned");
  }
  switch (p.w.type) {
    case DType::kQ8_0:
      LaunchFor<Block32Step<false>>(p, stream);
      break;
    case DType::kQ4_0:
      LaunchFor<Block32Step<true>>(p, stream);
      break;
    case DType::kQ4_K:
      LaunchFor<Q4KStep>(p, stream);
      break;
    default:
      LaunchFor<Q6KStep>(p, stream);
      break;
  }
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

}  // namespace internal
}  // namespace sextant::kernels::cuda
