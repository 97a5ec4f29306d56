// AVX2/FMA/F16C dot products: blocks are dequantized in registers and
// multiplied into 8-wide float accumulators. This file is compiled with
// -mavx2 -mfma -mf16c and is only entered after HasAvx2Fma().
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/internal/avx2_common.h"
#include "kernels/cpu/internal/blocks.h"
#include "kernels/cpu/internal/simd.h"

namespace sextant::kernels::cpu::internal {
namespace {

// A float32 row at any byte address.
float DotF32Unaligned(const uint8_t* row, const float* x, int64_t n) {
  constexpr int64_t kElem = 4;
  auto load = [&](int64_t i) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row + kElem * i));
  };
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    acc0 = _mm256_fmadd_ps(load(i), Load(x + i), acc0);
    acc1 = _mm256_fmadd_ps(load(i + kLanes), Load(x + i + kLanes), acc1);
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = _mm256_fmadd_ps(load(i), Load(x + i), acc0);
  float sum = Hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) {
    float v = 0.0f;
    std::memcpy(&v, row + kElem * i, sizeof(v));
    sum += v * x[i];
  }
  return sum;
}

template <bool kBf16>
float DotHalfRow(const uint8_t* row, const float* x, int64_t n) {
  constexpr int64_t kElem = 2;
  auto load = [](const uint8_t* p) { return kBf16 ? LoadBf16(p) : LoadF16(p); };
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    acc0 = _mm256_fmadd_ps(load(row + kElem * i), Load(x + i), acc0);
    acc1 = _mm256_fmadd_ps(load(row + kElem * (i + kLanes)), Load(x + i + kLanes), acc1);
  }
  for (; i + kLanes <= n; i += kLanes) {
    acc0 = _mm256_fmadd_ps(load(row + kElem * i), Load(x + i), acc0);
  }
  float sum = Hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) {
    uint16_t h = 0;
    std::memcpy(&h, row + kElem * i, sizeof(h));
    float v = 0.0f;
    if constexpr (kBf16) {
      const uint32_t bits = static_cast<uint32_t>(h) << 16;
      std::memcpy(&v, &bits, sizeof(v));
    } else {
      v = _cvtsh_ss(h);
    }
    sum += v * x[i];
  }
  return sum;
}

// kHighBits[b][i] is 16 when bit i of byte b is set: bit 4 of eight Q5 elements.
struct HighBitTable {
  alignas(32) int32_t v[256][8];
};

constexpr HighBitTable MakeHighBitTable() {
  HighBitTable t{};
  for (int b = 0; b < 256; ++b) {
    for (int i = 0; i < 8; ++i) t.v[b][i] = ((b >> i) & 1) * 16;
  }
  return t;
}

constexpr HighBitTable kHighBits = MakeHighBitTable();

inline __m256i HighBits(uint32_t qh, int first) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(kHighBits.v[(qh >> first) & 0xFF]));
}

// Adds bit e of qh, as bit 4, to element e.
inline void AddHighBits(uint32_t qh, Nibbles* q) {
  q->e0 = _mm256_or_si256(q->e0, HighBits(qh, 0));
  q->e8 = _mm256_or_si256(q->e8, HighBits(qh, 8));
  q->e16 = _mm256_or_si256(q->e16, HighBits(qh, 16));
  q->e24 = _mm256_or_si256(q->e24, HighBits(qh, 24));
}

// sum_j q[j] * x[j] over one block, as 8 lanes.
inline __m256 BlockDot(const Nibbles& q, const float* x) {
  __m256 a = _mm256_mul_ps(ToF(q.e0), Load(x));
  __m256 b = _mm256_mul_ps(ToF(q.e8), Load(x + 8));
  a = _mm256_fmadd_ps(ToF(q.e16), Load(x + 16), a);
  b = _mm256_fmadd_ps(ToF(q.e24), Load(x + 24), b);
  return _mm256_add_ps(a, b);
}

inline __m256 BlockSumX(const float* x) {
  return _mm256_add_ps(_mm256_add_ps(Load(x), Load(x + 8)),
                       _mm256_add_ps(Load(x + 16), Load(x + 24)));
}

enum class Legacy { kQ4_0, kQ4_1, kQ5_0, kQ5_1 };

template <Legacy kType>
float DotLegacy(const uint8_t* row, const float* x, int64_t n) {
  constexpr bool kHasMin = kType == Legacy::kQ4_1 || kType == Legacy::kQ5_1;
  constexpr bool kHasHigh = kType == Legacy::kQ5_0 || kType == Legacy::kQ5_1;
  constexpr int kBytes = kType == Legacy::kQ4_0   ? kQ4_0Bytes
                         : kType == Legacy::kQ4_1 ? kQ4_1Bytes
                         : kType == Legacy::kQ5_0 ? kQ5_0Bytes
                                                  : kQ5_1Bytes;
  constexpr int kQs = kType == Legacy::kQ4_0   ? kQ4_0Qs
                      : kType == Legacy::kQ4_1 ? kQ4_1Qs
                      : kType == Legacy::kQ5_0 ? kQ5_0Qs
                                               : kQ5_1Qs;
  constexpr int kQh = kType == Legacy::kQ5_0 ? kQ5_0Qh : kQ5_1Qh;
  constexpr int kMin = kType == Legacy::kQ4_1 ? kQ4_1M : kQ5_1M;
  constexpr int kOffset = kType == Legacy::kQ4_0 ? 8 : kType == Legacy::kQ5_0 ? 16 : 0;

  __m256 acc = _mm256_setzero_ps();
  __m256 acc_m = _mm256_setzero_ps();
  const int64_t nb = n / kQk;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = row + i * kBytes;
    const float* xb = x + i * kQk;
    Nibbles q = SplitNibbles(b + kQs);
    if constexpr (kHasHigh) AddHighBits(U32(b + kQh), &q);
    if constexpr (kOffset != 0) Offset(kOffset, &q);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(Half(b)), BlockDot(q, xb), acc);
    if constexpr (kHasMin) {
      acc_m = _mm256_fmadd_ps(_mm256_set1_ps(Half(b + kMin)), BlockSumX(xb), acc_m);
    }
  }
  return Hsum(_mm256_add_ps(acc, acc_m));
}

float DotQ8_0(const uint8_t* row, const float* x, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  const int64_t nb = n / kQk;
  auto block = [&](int64_t i) {
    const uint8_t* qs = row + i * kQ8_0Bytes + kQ8_0Qs;
    const float* xb = x + i * kQk;
    auto q = [&](int g) {
      return ToF(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(qs + g))));
    };
    __m256 a = _mm256_mul_ps(q(0), Load(xb));
    __m256 c = _mm256_mul_ps(q(8), Load(xb + 8));
    a = _mm256_fmadd_ps(q(16), Load(xb + 16), a);
    c = _mm256_fmadd_ps(q(24), Load(xb + 24), c);
    return _mm256_mul_ps(_mm256_set1_ps(Half(row + i * kQ8_0Bytes + kQ8_0D)), _mm256_add_ps(a, c));
  };
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    acc0 = _mm256_add_ps(acc0, block(i));
    acc1 = _mm256_add_ps(acc1, block(i + 1));
  }
  if (i < nb) acc0 = _mm256_add_ps(acc0, block(i));
  return Hsum(_mm256_add_ps(acc0, acc1));
}

float DotQ4_K(const uint8_t* row, const float* x, int64_t n) {
  const __m256i mask = _mm256_set1_epi32(0xF);
  __m256 acc = _mm256_setzero_ps();
  __m256 acc_m = _mm256_setzero_ps();
  const int64_t nb = n / kQkK;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = row + i * kQ4_KBytes;
    const float d = Half(b + kQ4_KD);
    const float dmin = Half(b + kQ4_KDmin);
    const uint8_t* scales = b + kQ4_KScales;
    const uint8_t* qs = b + kQ4_KQs;
    const float* xb = x + i * kQkK;
    for (int j = 0; j < 4; ++j) {
      const uint8_t* q = qs + 32 * j;
      const float* xa = xb + 64 * j;  // low nibbles: sub-block 2j
      const float* xh = xa + 32;      // high nibbles: sub-block 2j + 1
      __m256 dot_lo = _mm256_setzero_ps();
      __m256 dot_hi = _mm256_setzero_ps();
      __m256 sum_lo = _mm256_setzero_ps();
      __m256 sum_hi = _mm256_setzero_ps();
      for (int g = 0; g < 32; g += kLanes) {
        const __m256i v = U8x8(q + g);
        const __m256 x_lo = Load(xa + g);
        const __m256 x_hi = Load(xh + g);
        dot_lo = _mm256_fmadd_ps(ToF(_mm256_and_si256(v, mask)), x_lo, dot_lo);
        dot_hi = _mm256_fmadd_ps(ToF(_mm256_srli_epi32(v, 4)), x_hi, dot_hi);
        sum_lo = _mm256_add_ps(sum_lo, x_lo);
        sum_hi = _mm256_add_ps(sum_hi, x_hi);
      }
      uint8_t sc = 0;
      uint8_t m = 0;
      ScaleMinK4(2 * j, scales, &sc, &m);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d * static_cast<float>(sc)), dot_lo, acc);
      acc_m = _mm256_fmadd_ps(_mm256_set1_ps(dmin * static_cast<float>(m)), sum_lo, acc_m);
      ScaleMinK4(2 * j + 1, scales, &sc, &m);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d * static_cast<float>(sc)), dot_hi, acc);
      acc_m = _mm256_fmadd_ps(_mm256_set1_ps(dmin * static_cast<float>(m)), sum_hi, acc_m);
    }
  }
  return Hsum(_mm256_sub_ps(acc, acc_m));
}

float DotQ6_K(const uint8_t* row, const float* x, int64_t n) {
  const __m256i mask4 = _mm256_set1_epi32(0xF);
  const __m256i mask2 = _mm256_set1_epi32(3);
  const __m256i bias = _mm256_set1_epi32(32);
  __m256 acc = _mm256_setzero_ps();
  const int64_t nb = n / kQkK;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = row + i * kQ6_KBytes;
    const float d = Half(b + kQ6_KD);
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = b + kQ6_KQl + 64 * half;
      const uint8_t* qh = b + kQ6_KQh + 32 * half;
      const auto* sc = reinterpret_cast<const int8_t*>(b + kQ6_KScales + 8 * half);
      const float* xh = x + i * kQkK + 128 * half;
      for (int is = 0; is < 2; ++is) {
        __m256 t[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                       _mm256_setzero_ps()};
#pragma GCC unroll 2
        for (int o = 0; o < 2; ++o) {
          const int l = 16 * is + kLanes * o;
          const __m256i lo = U8x8(ql + l);
          const __m256i hi = U8x8(ql + 32 + l);
          const __m256i h = U8x8(qh + l);
          auto make = [&](__m256i low4, int shift) {
            const __m256i high2 = _mm256_and_si256(_mm256_srli_epi32(h, shift), mask2);
            return ToF(_mm256_sub_epi32(_mm256_or_si256(low4, _mm256_slli_epi32(high2, 4)), bias));
          };
          t[0] = _mm256_fmadd_ps(make(_mm256_and_si256(lo, mask4), 0), Load(xh + l), t[0]);
          t[1] = _mm256_fmadd_ps(make(_mm256_and_si256(hi, mask4), 2), Load(xh + 32 + l), t[1]);
          t[2] = _mm256_fmadd_ps(make(_mm256_srli_epi32(lo, 4), 4), Load(xh + 64 + l), t[2]);
          t[3] = _mm256_fmadd_ps(make(_mm256_srli_epi32(hi, 4), 6), Load(xh + 96 + l), t[3]);
        }
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
          const float scale = d * static_cast<float>(sc[is + 2 * k]);
          acc = _mm256_fmadd_ps(_mm256_set1_ps(scale), t[k], acc);
        }
      }
    }
  }
  return Hsum(acc);
}

}  // namespace

float DotRowAvx2(DType t, const void* row, const float* x, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(row);
  switch (t) {
    case DType::kF32:
      if (reinterpret_cast<uintptr_t>(row) % alignof(float) != 0) return DotF32Unaligned(p, x, n);
      return DotF32(static_cast<const float*>(row), x, n);
    case DType::kF16:
      return DotHalfRow<false>(p, x, n);
    case DType::kBF16:
      return DotHalfRow<true>(p, x, n);
    case DType::kQ4_0:
      return DotLegacy<Legacy::kQ4_0>(p, x, n);
    case DType::kQ4_1:
      return DotLegacy<Legacy::kQ4_1>(p, x, n);
    case DType::kQ5_0:
      return DotLegacy<Legacy::kQ5_0>(p, x, n);
    case DType::kQ5_1:
      return DotLegacy<Legacy::kQ5_1>(p, x, n);
    case DType::kQ8_0:
      return DotQ8_0(p, x, n);
    case DType::kQ4_K:
      return DotQ4_K(p, x, n);
    case DType::kQ6_K:
      return DotQ6_K(p, x, n);
  }
  return 0.0f;
}

}  // namespace sextant::kernels::cpu::internal
