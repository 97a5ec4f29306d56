// The weight types of the integer matrix products, each read one step of a
// row at a time: Load (the raw bytes of step c), LoadX and Dot (the GEMV's
// product of those bytes with one row of activations quantized by
// QuantizeX), Prepare (the quants as centred int8x4 words with float
// factors) and a tile interface
// (RunCol, RunQuants, RunScale, RunMin) through which the tensor-core GEMM
// copies a step into shared memory. Shared by gemv_int8.cu and gemm_int8.cu.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/gemv_layout.h"
#include "kernels/cuda/internal/gemv_traits.cuh"

namespace sextant::kernels::cuda::internal {

constexpr int kXBlock = static_cast<int>(kQuantizedXBlock);

// QuantizedXRowBytes, for host and device code.
__host__ __device__ constexpr int64_t QuantizedRowBytes(int64_t cols) {
  return (cols + cols / kXBlock * 8 + 15) / 16 * 16;
}

// Each byte of `bytes` (unsigned, at least the matching byte of `offset`)
// minus that byte of offset, as int8x4: the high bit set first stops
// borrows between bytes.
__device__ __forceinline__ uint32_t SignedBytes(uint32_t bytes, uint32_t offset) {
  return ((bytes | 0x80808080u) - offset) ^ 0x80808080u;
}

// Lane i of a warp holds v, element k (k % 32 == i) of a row of `cols`
// activations: writes its int8 quant into xrow[k] and, from lane 0, the
// block's (d, s) pair, as QuantizeX does. Every lane of the warp must call.
__device__ __forceinline__ void WarpQuantize32(float v, uint8_t* xrow, int64_t k, int64_t cols) {
  float amax = fabsf(v);
  float sum = v;
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    amax = fmaxf(amax, __shfl_xor_sync(kFullMask, amax, offset));
    sum += __shfl_xor_sync(kFullMask, sum, offset);
  }
  const bool finite = __all_sync(kFullMask, isfinite(v));
  const float d = finite ? amax / 127.0f : __int_as_float(0x7fc00000);
  const int q = finite && amax > 0.0f ? __float2int_rn(v * (127.0f / amax)) : 0;
  xrow[k] = static_cast<uint8_t>(static_cast<int8_t>(max(-127, min(127, q))));
  if (k % kXBlock == 0) reinterpret_cast<float2*>(xrow + cols)[k / kXBlock] = make_float2(d, sum);
}

__device__ __forceinline__ const float2* ScalesOf(const uint8_t* row, int64_t cols) {
  return reinterpret_cast<const float2*>(row + cols);
}

__device__ __forceinline__ int4 LoadX16(const uint8_t* p) {
  return __ldg(reinterpret_cast<const int4*>(p));
}

// The (d, s) pairs of blocks i and i + 1 (i even).
__device__ __forceinline__ float4 LoadScales2(const uint8_t* xrow, int64_t cols, int64_t i) {
  return __ldg(reinterpret_cast<const float4*>(ScalesOf(xrow, cols) + i));
}

// The sum of the four int8 lanes of each of n words.
template <int n>
__device__ __forceinline__ int LaneSum(const int* words) {
  constexpr int kOnes = 0x01010101;
  int sum = 0;
#pragma unroll
  for (int i = 0; i < n; ++i) sum = __dp4a(words[i], kOnes, sum);
  return sum;
}

// Each step type gives, for one step c of a row (kElems weights): Load (the
// raw bytes), LoadX (the matching activations of one batch row, with the
// sums of their quants), Dot (the product of the two) and, for the GEMM,
// Prepare (the quants as centred int8x4 words and the float factors).
//
// Dot multiplies the unsigned quants q as they are stored and subtracts the
// offset o times the sum of the activations' quants: the integer sum of
// (q - o) * x exactly, as if the quants had been centred, for fewer
// instructions; the sum is computed once per step and batch row, and serves
// every row of the step.

// Q8_0 and Q4_0 (repacked, read through Q8Traits and Q4Traits): a step is
// one block of 32 weights sharing an fp16 d, the same columns as one block
// of the activations. Q8_0 quants are int8 (two of Q8Traits' 16-byte steps);
// Q4_0 quants q are nibbles (low: elements 0..15, high: 16..31) worth q - 8;
// Prepare makes them signed, so that the int8 activations' rounding errors
// are weighed by q - 8, not by q (a correction by the exact sum s would
// weigh them by q: twice the error on the models' logits).
template <bool kQ4>
struct Block32Step {
  static constexpr int kElems = 32;
  using Traits = std::conditional_t<kQ4, Q4Traits, Q8Traits>;
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
    int sum;  // of q, Q4_0 only
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
      constexpr uint32_t kEights = 0x08080808u;
      p.q[i] = static_cast<int>(kQ4 ? SignedBytes(w0[i] & 0x0F0F0F0Fu, kEights) : w0[i]);
      p.q[4 + i] = static_cast<int>(kQ4 ? SignedBytes((w0[i] >> 4) & 0x0F0F0F0Fu, kEights) : w1[i]);
    }
    p.d = raw.d;
    return p;
  }
  __device__ static X LoadX(const uint8_t* xrow, int64_t cols, int64_t c) {
    const int4 x0 = LoadX16(xrow + 32 * c);
    const int4 x1 = LoadX16(xrow + 32 * c + 16);
    X x{{x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w}, __ldg(ScalesOf(xrow, cols) + c), 0};
    if (kQ4) x.sum = LaneSum<8>(x.q);
    return x;
  }
  __device__ static float Dot(const Raw& raw, int64_t, const X& x) {
    const uint32_t w0[4] = {raw.q0.x, raw.q0.y, raw.q0.z, raw.q0.w};
    const uint32_t w1[4] = {raw.q1.x, raw.q1.y, raw.q1.z, raw.q1.w};
    int dot = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      if (kQ4) {
        dot = __dp4a(static_cast<int>(w0[i] & 0x0F0F0F0Fu), x.q[i], dot);
        dot = __dp4a(static_cast<int>((w0[i] >> 4) & 0x0F0F0F0Fu), x.q[4 + i], dot);
      } else {
        dot = __dp4a(static_cast<int>(w0[i]), x.q[i], dot);
        dot = __dp4a(static_cast<int>(w1[i]), x.q[4 + i], dot);
      }
    }
    if (kQ4) dot -= 8 * x.sum;
    return raw.d * x.ds.x * static_cast<float>(dot);
  }
  // The tile interface of the tensor-core GEMM (gemm_int8.cu): a step is
  // kRuns runs of 16 signed quants, run r at column RunCol(c, r), its value
  // RunScale * q (minus RunMin times the activations' sum for types with a
  // minimum); kScaleCols columns share one scale.
  static constexpr int kRuns = 2;
  static constexpr int kScaleCols = 32;
  static constexpr bool kHasMin = false;
  __device__ static int64_t RunCol(int64_t c, int run) { return 32 * c + 16 * run; }
  __device__ static uint4 RunQuants(const Prepared& p, int run) {
    return make_uint4(static_cast<uint32_t>(p.q[4 * run]), static_cast<uint32_t>(p.q[4 * run + 1]),
                      static_cast<uint32_t>(p.q[4 * run + 2]),
                      static_cast<uint32_t>(p.q[4 * run + 3]));
  }
  __device__ static float RunScale(const Prepared& p, int) { return p.d; }
  __device__ static float RunMin(const Prepared&, int) { return 0.0f; }
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
  // d * scale of sub-blocks 2j and 2j + 1, and dmin * min - 8 * that
  // (the minimum takes the centring's 8).
  struct Factors {
    float dsc0, dsc1, dm0, dm1;
  };
  struct Prepared {
    int lo[8];  // quants - 8
    int hi[8];
    Factors f;
  };
  struct X {
    int lo[8];
    int hi[8];
    float4 ds;  // (d, s) of sub-block 2j's activations, then 2j + 1's
    int sum_lo, sum_hi;
  };
  const uint8_t* row = nullptr;
  Q4KStep() = default;
  __device__ Q4KStep(const uint8_t* w, const GemvLayout& l, int64_t r)
      : row(w + r * l.quant_bytes_per_row) {}
  __device__ Raw Load(int64_t c) const {
    const uint8_t* block = row + (c / 4) * 144;
    const int j = static_cast<int>(c % 4);
    return {Load16(block), Load16(block + 16 + 32 * j), Load16(block + 32 + 32 * j)};
  }
  __device__ static Factors FactorsOf(const uint4& head, int64_t c) {
    const uint32_t scales[3] = {head.y, head.z, head.w};
    const int sub = 2 * static_cast<int>(c % 4);
    int sc0 = 0;
    int m0 = 0;
    int sc1 = 0;
    int m1 = 0;
    Q4KTraits::ScaleMin(scales, sub, &sc0, &m0);
    Q4KTraits::ScaleMin(scales, sub + 1, &sc1, &m1);
    const float d = HalfBitsToFloat(static_cast<uint16_t>(head.x & 0xffffu));
    const float dmin = HalfBitsToFloat(static_cast<uint16_t>(head.x >> 16));
    Factors f;
    f.dsc0 = d * static_cast<float>(sc0);
    f.dsc1 = d * static_cast<float>(sc1);
    f.dm0 = dmin * static_cast<float>(m0) - 8.0f * f.dsc0;
    f.dm1 = dmin * static_cast<float>(m1) - 8.0f * f.dsc1;
    return f;
  }
  __device__ static Prepared Prepare(const Raw& raw, int64_t c) {
    Prepared p;
    const uint32_t words[8] = {raw.q0.x, raw.q0.y, raw.q0.z, raw.q0.w,
                               raw.q1.x, raw.q1.y, raw.q1.z, raw.q1.w};
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      // q - 8, so that activation rounding is weighed by the centred quant
      // (see Block32Step); the minimum absorbs the 8.
      p.lo[i] = static_cast<int>(SignedBytes(words[i] & 0x0F0F0F0Fu, 0x08080808u));
      p.hi[i] = static_cast<int>(SignedBytes((words[i] >> 4) & 0x0F0F0F0Fu, 0x08080808u));
    }
    p.f = FactorsOf(raw.head, c);
    return p;
  }
  __device__ static X LoadX(const uint8_t* xrow, int64_t cols, int64_t c) {
    const int64_t k = c * kElems;
    const int4 x0 = LoadX16(xrow + k);
    const int4 x1 = LoadX16(xrow + k + 16);
    const int4 x2 = LoadX16(xrow + k + 32);
    const int4 x3 = LoadX16(xrow + k + 48);
    X x{{x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w},
        {x2.x, x2.y, x2.z, x2.w, x3.x, x3.y, x3.z, x3.w},
        LoadScales2(xrow, cols, k / kXBlock),
        0,
        0};
    x.sum_lo = LaneSum<8>(x.lo);
    x.sum_hi = LaneSum<8>(x.hi);
    return x;
  }
  __device__ static float Dot(const Raw& raw, int64_t c, const X& x) {
    const uint32_t words[8] = {raw.q0.x, raw.q0.y, raw.q0.z, raw.q0.w,
                               raw.q1.x, raw.q1.y, raw.q1.z, raw.q1.w};
    int dot0 = 0;
    int dot1 = 0;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      dot0 = __dp4a(static_cast<int>(words[i] & 0x0F0F0F0Fu), x.lo[i], dot0);
      dot1 = __dp4a(static_cast<int>((words[i] >> 4) & 0x0F0F0F0Fu), x.hi[i], dot1);
    }
    const Factors f = FactorsOf(raw.head, c);
    return f.dsc0 * x.ds.x * static_cast<float>(dot0 - 8 * x.sum_lo) - f.dm0 * x.ds.y +
           f.dsc1 * x.ds.z * static_cast<float>(dot1 - 8 * x.sum_hi) - f.dm1 * x.ds.w;
  }
  // Tile interface (see Block32Step): runs 0 and 1 are sub-block 2j, 2 and
  // 3 sub-block 2j + 1; centred quants with a minimum.
  static constexpr int kRuns = 4;
  static constexpr int kScaleCols = 32;
  static constexpr bool kHasMin = true;
  __device__ static int64_t RunCol(int64_t c, int run) { return 64 * c + 16 * run; }
  __device__ static uint4 RunQuants(const Prepared& p, int run) {
    const int* q = run < 2 ? p.lo : p.hi;
    const int o = 4 * (run % 2);
    return make_uint4(static_cast<uint32_t>(q[o]), static_cast<uint32_t>(q[o + 1]),
                      static_cast<uint32_t>(q[o + 2]), static_cast<uint32_t>(q[o + 3]));
  }
  __device__ static float RunScale(const Prepared& p, int run) {
    return run < 2 ? p.f.dsc0 : p.f.dsc1;
  }
  __device__ static float RunMin(const Prepared& p, int run) { return run < 2 ? p.f.dm0 : p.f.dm1; }
};

// Q6_K (repacked, gemv_layout.h): a step is Q6KTraits' 64 weights, four runs
// of 16, run p at columns RunStart(c, p) with its own int8 scale.
struct Q6KStep {
  static constexpr int kElems = 64;
  using Raw = Q6KTraits::Raw;
  struct Prepared {
    int q[4][4];   // run p: 16 quants minus 32, as int8x4 words
    float dsc[4];  // d * scale of run p
  };
  struct X {
    int q[4][4];
    float d[4];
    int sum[4];  // of run p's q
  };
  Q6KTraits traits;
  Q6KStep() = default;
  __device__ Q6KStep(const uint8_t* w, const GemvLayout& l, int64_t r)
      : traits(w, l, r, l.quant_bytes_per_row / kQ6KPackedQuantBytes * 256) {}
  __device__ Raw Load(int64_t c) const { return traits.Load(c); }
  // Run p's 16 quants q (0..63, unsigned) as int8x4 words, and its scale.
  __device__ static void RunOf(const Raw& raw, int64_t c, int run, int (&q)[4], float* dsc) {
    const uint4 low = run % 2 == 0 ? raw.ql0 : raw.ql1;
    const uint32_t lw[4] = {low.x, low.y, low.z, low.w};
    const uint32_t hw[4] = {raw.qh.x, raw.qh.y, raw.qh.z, raw.qh.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint32_t l4 = (run < 2 ? lw[i] : lw[i] >> 4) & 0x0F0F0F0Fu;
      const uint32_t h2 = (hw[i] >> (2 * run)) & 0x03030303u;
      q[i] = static_cast<int>(l4 | (h2 << 4));
    }
    const int s = static_cast<int>(c % 2) + 2 * run;
    const uint32_t word = s < 4 ? raw.sc.x : raw.sc.y;
    *dsc = raw.d * static_cast<float>(static_cast<int8_t>(word >> (8 * (s % 4))));
  }
  __device__ static Prepared Prepare(const Raw& raw, int64_t c) {
    Prepared p;
#pragma unroll
    for (int run = 0; run < 4; ++run) {
      int q[4];
      RunOf(raw, c, run, q, &p.dsc[run]);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        // q - 32 in each byte: the high bit set first stops borrows between bytes.
        p.q[run][i] = static_cast<int>(SignedBytes(static_cast<uint32_t>(q[i]), 0x20202020u));
      }
    }
    return p;
  }
  __device__ static X LoadX(const uint8_t* xrow, int64_t cols, int64_t c) {
    X x;
    const int64_t k = Q6KTraits::RunStart(c, 0);
#pragma unroll
    for (int run = 0; run < 4; ++run) {
      const int4 v = LoadX16(xrow + k + 32 * run);
      x.q[run][0] = v.x;
      x.q[run][1] = v.y;
      x.q[run][2] = v.z;
      x.q[run][3] = v.w;
    }
    // Runs start 32 apart, so run p lies in block k / 32 + p.
    const float4 d01 = LoadScales2(xrow, cols, k / kXBlock);
    const float4 d23 = LoadScales2(xrow, cols, k / kXBlock + 2);
    x.d[0] = d01.x;
    x.d[1] = d01.z;
    x.d[2] = d23.x;
    x.d[3] = d23.z;
#pragma unroll
    for (int run = 0; run < 4; ++run) x.sum[run] = LaneSum<4>(x.q[run]);
    return x;
  }
  __device__ static float Dot(const Raw& raw, int64_t c, const X& x) {
    float sum = 0.0f;
#pragma unroll
    for (int run = 0; run < 4; ++run) {
      int q[4];
      float dsc = 0.0f;
      RunOf(raw, c, run, q, &dsc);
      int dot = 0;
#pragma unroll
      for (int i = 0; i < 4; ++i) dot = __dp4a(q[i], x.q[run][i], dot);
      sum += dsc * x.d[run] * static_cast<float>(dot - 32 * x.sum[run]);
    }
    return sum;
  }
  // Tile interface (see Block32Step): each run of 16 has its own scale.
  static constexpr int kRuns = 4;
  static constexpr int kScaleCols = 16;
  static constexpr bool kHasMin = false;
  __device__ static int64_t RunCol(int64_t c, int run) { return Q6KTraits::RunStart(c, run); }
  __device__ static uint4 RunQuants(const Prepared& p, int run) {
    return make_uint4(static_cast<uint32_t>(p.q[run][0]), static_cast<uint32_t>(p.q[run][1]),
                      static_cast<uint32_t>(p.q[run][2]), static_cast<uint32_t>(p.q[run][3]));
  }
  __device__ static float RunScale(const Prepared& p, int run) { return p.dsc[run]; }
  __device__ static float RunMin(const Prepared&, int) { return 0.0f; }
};

template <class T>
struct StepTag {
  using type = T;
};

// Calls f(StepTag<Step>()) with the step type of t, one of the types
// GemvTakesQuantizedX accepts (checked by the caller; others get Q6_K's).
template <class F>
void ForInt8Step(DType t, F&& f) {
  switch (t) {
    case DType::kQ8_0:
      f(StepTag<Block32Step<false>>());
      break;
    case DType::kQ4_0:
      f(StepTag<Block32Step<true>>());
      break;
    case DType::kQ4_K:
      f(StepTag<Q4KStep>());
      break;
    default:
      f(StepTag<Q6KStep>());
      break;
  }
}

}  // namespace sextant::kernels::cuda::internal
