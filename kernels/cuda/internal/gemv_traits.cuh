// How each GEMV weight type reads and dequantizes one step of a row in its
// device layout (gemv_layout.h): a step is 16 aligned bytes of quants (Q6_K:
// three such loads) giving kElems weights as kElems / kRun runs, each run
// holding floats w with value = scale * w - min. The GEMV kernel and the
// dequantize-to-bf16 kernel of the prefill GEMM share these.
#pragma once

#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/gemv_layout.h"

namespace sextant::kernels::cuda::internal {

// 2^23 as float bits: OR-ing a small integer q into the mantissa gives the
// float 2^23 + q exactly.
constexpr uint32_t kMagicBits = 0x4B000000u;
constexpr float kMagic = 8388608.0f;

__device__ __forceinline__ uint4 Load16(const uint8_t* p) {
  return __ldg(reinterpret_cast<const uint4*>(p));
}

__device__ __forceinline__ uint16_t LoadU16(const uint8_t* p) {
  return __ldg(reinterpret_cast<const unsigned short*>(p));
}

// Float of (byte i of word) - offset, for a byte holding an unsigned value.
__device__ __forceinline__ float ByteToFloat(uint32_t word, int i, float offset) {
  // Selector: byte i of word, then bytes 0x00, 0x00, 0x4B of kMagicBits.
  const uint32_t bits = __byte_perm(word, kMagicBits, 0x7540u | static_cast<uint32_t>(i));
  return __uint_as_float(bits) - (kMagic + offset);
}

// The 16 unsigned bytes of four words as floats, minus offset.
__device__ __forceinline__ void BytesToFloats(const uint32_t (&words)[4], float offset,
                                              float (&w)[16]) {
#pragma unroll
  for (int i = 0; i < 16; ++i) w[i] = ByteToFloat(words[i / 4], i % 4, offset);
}

__device__ __forceinline__ void Words(const uint4& v, uint32_t (&words)[4]) {
  words[0] = v.x;
  words[1] = v.y;
  words[2] = v.z;
  words[3] = v.w;
}

// A run of kRun weights of one row, as floats w with value = scale * w - min.
template <int kRun>
struct Run {
  float w[kRun];
  float scale;
  float min;
};

// F16 and BF16: a step is 8 values, one run.
template <bool kBf16>
struct HalfTraits {
  static constexpr int kElems = 8;
  static constexpr int kRun = 8;
  static constexpr bool kHasMin = false;
  struct Raw {
    uint4 q;
  };
  const uint8_t* row = nullptr;
  HalfTraits() = default;
  __device__ HalfTraits(const uint8_t* w, const GemvLayout& l, int64_t r, int64_t)
      : row(w + r * l.quant_bytes_per_row) {}
  __device__ Raw Load(int64_t c) const { return {Load16(row + 16 * c)}; }
  __device__ static int64_t RunStart(int64_t c, int) { return c * kElems; }
  __device__ static void Dequant(const Raw& raw, int64_t, int, Run<kRun>* run) {
    uint32_t words[4];
    Words(raw.q, words);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      if (kBf16) {
        run->w[2 * i] = __uint_as_float(words[i] << 16);
        run->w[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
      } else {
        const float2 f = __half22float2(*reinterpret_cast<const __half2*>(&words[i]));
        run->w[2 * i] = f.x;
        run->w[2 * i + 1] = f.y;
      }
    }
    run->scale = 1.0f;
    run->min = 0.0f;
  }
};

// Q8_0 (repacked): a step is 16 int8 quants sharing one fp16 d.
struct Q8Traits {
  static constexpr int kElems = 16;
  static constexpr int kRun = 16;
  static constexpr bool kHasMin = false;
  struct Raw {
    uint4 q;
    float d;
  };
  const uint8_t* quants = nullptr;
  const uint8_t* d = nullptr;
  Q8Traits() = default;
  __device__ Q8Traits(const uint8_t* w, const GemvLayout& l, int64_t r, int64_t cols)
      : quants(w + r * l.quant_bytes_per_row), d(w + l.scale_offset + r * (cols / 32) * 2) {}
  __device__ Raw Load(int64_t c) const {
    return {Load16(quants + 16 * c), HalfBitsToFloat(LoadU16(d + 2 * (c / 2)))};
  }
  __device__ static int64_t RunStart(int64_t c, int) { return c * kElems; }
  __device__ static void Dequant(const Raw& raw, int64_t, int, Run<kRun>* run) {
    constexpr uint32_t kSignFlip = 0x80808080u;  // int8 q -> unsigned q + 128
    uint32_t words[4];
    Words(raw.q, words);
#pragma unroll
    for (int i = 0; i < 4; ++i) words[i] ^= kSignFlip;
    BytesToFloats(words, 128.0f, run->w);
    run->scale = raw.d;
    run->min = 0.0f;
  }
};

// Q4_0 (repacked): a step is one block of 32, two runs: low nibbles are
// elements 0..15, high nibbles 16..31.
struct Q4Traits {
  static constexpr int kElems = 32;
  static constexpr int kRun = 16;
  static constexpr bool kHasMin = false;
  struct Raw {
    uint4 q;
    float d;
  };
  const uint8_t* quants = nullptr;
  const uint8_t* d = nullptr;
  Q4Traits() = default;
  __device__ Q4Traits(const uint8_t* w, const GemvLayout& l, int64_t r, int64_t cols)
      : quants(w + r * l.quant_bytes_per_row), d(w + l.scale_offset + r * (cols / 32) * 2) {}
  __device__ Raw Load(int64_t c) const {
    return {Load16(quants + 16 * c), HalfBitsToFloat(LoadU16(d + 2 * c))};
  }
  __device__ static int64_t RunStart(int64_t c, int run) { return c * kElems + 16 * run; }
  __device__ static void Dequant(const Raw& raw, int64_t, int part, Run<kRun>* run) {
    uint32_t words[4];
    Words(raw.q, words);
#pragma unroll
    for (int i = 0; i < 4; ++i) words[i] = (words[i] >> (4 * part)) & 0x0F0F0F0Fu;
    BytesToFloats(words, 8.0f, run->w);
    run->scale = raw.d;
    run->min = 0.0f;
  }
};

// Q4_K (GGUF layout): a step is 16 bytes of a super-block's qs (8 steps per
// super-block), two runs: 16 low nibbles of sub-block 2j, 16 high of 2j + 1.
struct Q4KTraits {
  static constexpr int kElems = 32;
  static constexpr int kRun = 16;
  static constexpr bool kHasMin = true;
  struct Raw {
    uint4 q;
    uint32_t dm;         // d | dmin << 16 (fp16 bits)
    uint32_t scales[3];  // the 12 packed 6-bit scales and mins
  };
  const uint8_t* row = nullptr;
  Q4KTraits() = default;
  __device__ Q4KTraits(const uint8_t* w, const GemvLayout& l, int64_t r, int64_t)
      : row(w + r * l.quant_bytes_per_row) {}
  __device__ Raw Load(int64_t c) const {
    const uint8_t* block = row + (c / 8) * 144;
    const auto* words = reinterpret_cast<const uint32_t*>(block);
    return {Load16(block + 16 + 16 * (c % 8)),
            __ldg(words),
            {__ldg(words + 1), __ldg(words + 2), __ldg(words + 3)}};
  }
  __device__ static int64_t RunStart(int64_t c, int run) {
    const int part = static_cast<int>(c % 8);
    return (c / 8) * 256 + 64 * (part / 2) + 16 * (part % 2) + 32 * run;
  }
  // ggml get_scale_min_k4 over the three little-endian scale words, with no
  // run-time indexing of an array (which would spill it to local memory).
  __device__ static void ScaleMin(const uint32_t (&s)[3], int sub, int* sc, int* m) {
    const int shift = 8 * (sub % 4);
    const int b0 = static_cast<int>((s[0] >> shift) & 0xffu);
    const int b1 = static_cast<int>((s[1] >> shift) & 0xffu);
    if (sub < 4) {
      *sc = b0 & 63;
      *m = b1 & 63;
    } else {
      const int b2 = static_cast<int>((s[2] >> shift) & 0xffu);
      *sc = (b2 & 15) | ((b0 >> 6) << 4);
      *m = (b2 >> 4) | ((b1 >> 6) << 4);
    }
  }
  __device__ static void Dequant(const Raw& raw, int64_t c, int part, Run<kRun>* run) {
    uint32_t words[4];
    Words(raw.q, words);
#pragma unroll
    for (int i = 0; i < 4; ++i) words[i] = (words[i] >> (4 * part)) & 0x0F0F0F0Fu;
    BytesToFloats(words, 0.0f, run->w);
    int sc = 0;
    int m = 0;
    ScaleMin(raw.scales, 2 * (static_cast<int>(c % 8) / 2) + part, &sc, &m);
    const float d = HalfBitsToFloat(static_cast<uint16_t>(raw.dm & 0xffffu));
    const float dmin = HalfBitsToFloat(static_cast<uint16_t>(raw.dm >> 16));
    run->scale = d * static_cast<float>(sc);
    run->min = dmin * static_cast<float>(m);
  }
};

// Q6_K (repacked): a step is 64 values of a super-block from 16 bytes of ql
// (l0), 16 more (l1) and 16 of qh; four runs of 16: run p takes l0 (p even)
// or l1 (p odd), low nibbles (p < 2) or high, and qh bits 2p..2p+1.
struct Q6KTraits {
  static constexpr int kElems = 64;
  static constexpr int kRun = 16;
  static constexpr bool kHasMin = false;
  struct Raw {
    uint4 ql0;
    uint4 ql1;
    uint4 qh;
    uint2 sc;  // the super-block half's 8 int8 scales
    float d;
  };
  const uint8_t* quants = nullptr;
  const uint8_t* scales = nullptr;
  const uint8_t* d = nullptr;
  Q6KTraits() = default;
  __device__ Q6KTraits(const uint8_t* w, const GemvLayout& l, int64_t r, int64_t cols)
      : quants(w + r * l.quant_bytes_per_row),
        scales(w + l.scale_offset + r * (cols / 256) * kQ6KScaleBytes),
        d(w + l.d_offset + r * (cols / 256) * 2) {}
  __device__ Raw Load(int64_t c) const {
    const int64_t sb = c / 4;
    const int t = static_cast<int>(c % 4);
    const int n = t / 2;
    const int h = t % 2;
    const uint8_t* block = quants + sb * kQ6KPackedQuantBytes;
    return {Load16(block + 64 * n + 16 * h), Load16(block + 64 * n + 32 + 16 * h),
            Load16(block + 128 + 32 * n + 16 * h),
            __ldg(reinterpret_cast<const uint2*>(scales + sb * kQ6KScaleBytes + 8 * n)),
            HalfBitsToFloat(LoadU16(d + 2 * sb))};
  }
  __device__ static int64_t RunStart(int64_t c, int run) {
    const int t = static_cast<int>(c % 4);
    return (c / 4) * 256 + 128 * (t / 2) + 16 * (t % 2) + 32 * run;
  }
  __device__ static void Dequant(const Raw& raw, int64_t c, int part, Run<kRun>* run) {
    uint32_t low[4];
    uint32_t high[4];
    Words(part % 2 == 0 ? raw.ql0 : raw.ql1, low);
    Words(raw.qh, high);
    uint32_t words[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint32_t l4 = (part < 2 ? low[i] : low[i] >> 4) & 0x0F0F0F0Fu;
      const uint32_t h2 = (high[i] >> (2 * part)) & 0x03030303u;
      words[i] = l4 | (h2 << 4);
    }
    BytesToFloats(words, 32.0f, run->w);
    // Scale h + 2 * part of this half: byte (h + 2 * part) % 4 of word (h + 2 * part) / 4.
    const int s = static_cast<int>(c % 2) + 2 * part;
    const uint32_t word = s < 4 ? raw.sc.x : raw.sc.y;
    run->scale = raw.d * static_cast<float>(static_cast<int8_t>(word >> (8 * (s % 4))));
    run->min = 0.0f;
  }
};

// The matrices of one GEMV launch: up to kMaxGemvGroup over the same input,
// their row blocks laid one after another in the grid. Entries past the
// group's size have first_block beyond the grid.
struct GemvTargets {
  const uint8_t* w[kMaxGemvGroup];
  GemvLayout layout[kMaxGemvGroup];
  int64_t rows[kMaxGemvGroup];
  float* y[kMaxGemvGroup];
  unsigned int first_block[kMaxGemvGroup];
};

// The matrix this block works on, and its first row there.
struct GemvTarget {
  const uint8_t* w;
  GemvLayout layout;
  int64_t rows;
  float* y;
  int64_t row0;
};

// Constant indices only, so the targets stay in parameter space.
__device__ __forceinline__ GemvTarget ResolveTarget(const GemvTargets& t, int rows_per_block) {
  static_assert(kMaxGemvGroup == 3, "ResolveTarget picks among three matrices");
  const unsigned int b = blockIdx.x;
  const int m = b >= t.first_block[2] ? 2 : (b >= t.first_block[1] ? 1 : 0);
  auto pick = [m](const auto& a) { return m == 2 ? a[2] : (m == 1 ? a[1] : a[0]); };
  const unsigned int first = pick(t.first_block);
  return {pick(t.w), pick(t.layout), pick(t.rows), pick(t.y),
          static_cast<int64_t>(b - first) * rows_per_block};
}

// raw[r] = rows[r].Load(c) for the kR rows of a GEMV thread (rows: traits or
// int8 steps, anything with Load). A GEMV calls it for its first step
// before WaitForPrerequisites: no kernel writes weights, so they stream in
// while the kernel before finishes.
template <int kR, class Rows, class Raw>
__device__ __forceinline__ void LoadRows(const Rows (&rows)[kR], int64_t c, Raw (&raw)[kR]) {
#pragma unroll
  for (int r = 0; r < kR; ++r) raw[r] = rows[r].Load(c);
}

// The end of a GEMV block: y[b * rows + row0 + r] = the sum of acc[r][b]
// over the block's threads (lanes by shuffles, then warps through shared
// memory), for b < batch and rows that exist. Every thread must call it.
template <int kMaxWarps, int kR, int kB>
__device__ __forceinline__ void StoreBlockSums(const float (&acc)[kR][kB], int64_t row0,
                                               int64_t rows, int batch, float* __restrict__ y) {
  __shared__ float partial[kMaxWarps][kR][kB];
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
#pragma unroll
  for (int r = 0; r < kR; ++r) {
#pragma unroll
    for (int b = 0; b < kB; ++b) {
      const float sum = WarpSum(acc[r][b]);
      if (lane == 0) partial[warp][r][b] = sum;
    }
  }
  __syncthreads();
  if (threadIdx.x < kR * kB) {
    const int r = static_cast<int>(threadIdx.x) / kB;
    const int b = static_cast<int>(threadIdx.x) % kB;
    const int n_warps = static_cast<int>(blockDim.x) / kWarpSize;
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < n_warps; ++i) sum += partial[i][r][b];
    if (b < batch && row0 + r < rows) y[b * rows + row0 + r] = sum;
  }
}

// Calls launch(std::integral_constant<int, kB>) with the template batch
// that serves `batch` (1..8): 1, 2, 4 or 8.
template <class Launch>
void ForGemvBatch(int64_t batch, Launch&& launch) {
  if (batch == 1) {
    launch(std::integral_constant<int, 1>());
  } else if (batch == 2) {
    launch(std::integral_constant<int, 2>());
  } else if (batch <= 4) {
    launch(std::integral_constant<int, 4>());
  } else {
    launch(std::integral_constant<int, 8>());
  }
}

// Warps per block, 1 to max_warps in powers of two, so that each warp gets
// at least min_steps of a row's steps when the row allows.
inline int GemvWarps(int64_t steps, int max_warps, int64_t min_steps) {
  int warps = 1;
  while (warps < max_warps && steps >= 2 * warps * min_steps) warps *= 2;
  return warps;
}

// The launch of a GEMV group: the targets of ps[0..count) at
// rows_per_block rows per block, the blocks they take, and the threads per
// block (GemvWarps over the rows' steps_per_row).
struct GemvLaunch {
  GemvTargets targets;
  unsigned int grid;
  int threads;
};

inline GemvLaunch MakeGemvLaunch(const GemvParams* ps, int count, int rows_per_block,
                                 int64_t steps_per_row, int max_warps, int64_t min_steps) {
  GemvLaunch l{};
  unsigned int blocks = 0;
  for (int m = 0; m < kMaxGemvGroup; ++m) {
    if (m < count) {
      const GemvParams& p = ps[m];
      l.targets.w[m] = static_cast<const uint8_t*>(p.w.data);
      l.targets.layout[m] = MakeGemvLayout(p.w.type, p.w.rows, p.w.cols);
      l.targets.rows[m] = p.w.rows;
      l.targets.y[m] = p.y;
      l.targets.first_block[m] = blocks;
      blocks += static_cast<unsigned int>(CeilDiv(p.w.rows, rows_per_block));
    } else {
      l.targets.first_block[m] = 0xFFFFFFFFu;
    }
  }
  l.grid = blocks;
  l.threads = GemvWarps(steps_per_row, max_warps, min_steps) * kWarpSize;
  return l;
}

}  // namespace sextant::kernels::cuda::internal
