// AVX2/FMA/F16C row dequantization and float32 vector kernels. This file is
// compiled with -mavx2 -mfma -mf16c and is only entered after HasAvx2Fma().
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/internal/avx2_common.h"
#include "kernels/cpu/internal/blocks.h"
#include "kernels/cpu/internal/simd.h"

namespace sextant::kernels::cpu::internal {
namespace {

// Exact dequantization: vector multiplies and subtracts round exactly like
// the scalar ones (this file is built without FMA contraction).
void DequantF16(const uint8_t* p, float* y, int64_t n, bool bf16) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    _mm256_storeu_ps(y + i, bf16 ? LoadBf16(p + 2 * i) : LoadF16(p + 2 * i));
  for (; i < n; ++i) {
    uint16_t h = 0;
    std::memcpy(&h, p + 2 * i, sizeof(h));
    if (bf16) {
      const uint32_t bits = static_cast<uint32_t>(h) << 16;
      std::memcpy(y + i, &bits, sizeof(float));
    } else {
      y[i] = _cvtsh_ss(h);
    }
  }
}

void DequantQ8_0(const uint8_t* row, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQk; ++i) {
    const uint8_t* b = row + i * kQ8_0Bytes;
    const __m256 d = _mm256_set1_ps(Half(b + kQ8_0D));
    for (int g = 0; g < kQk; g += kLanes) {
      const __m256i q =
          _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + kQ8_0Qs + g)));
      _mm256_storeu_ps(y + i * kQk + g, _mm256_mul_ps(ToF(q), d));
    }
  }
}

void DequantQ4_0(const uint8_t* row, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQk; ++i) {
    const uint8_t* b = row + i * kQ4_0Bytes;
    const __m256 d = _mm256_set1_ps(Half(b + kQ4_0D));
    Nibbles q = SplitNibbles(b + kQ4_0Qs);
    Offset(8, &q);
    float* yb = y + i * kQk;
    _mm256_storeu_ps(yb, _mm256_mul_ps(ToF(q.e0), d));
    _mm256_storeu_ps(yb + 8, _mm256_mul_ps(ToF(q.e8), d));
    _mm256_storeu_ps(yb + 16, _mm256_mul_ps(ToF(q.e16), d));
    _mm256_storeu_ps(yb + 24, _mm256_mul_ps(ToF(q.e24), d));
  }
}

void DequantQ4_K(const uint8_t* row, float* y, int64_t n) {
  const __m256i mask = _mm256_set1_epi32(0xF);
  for (int64_t i = 0; i < n / kQkK; ++i) {
    const uint8_t* b = row + i * kQ4_KBytes;
    const float d = Half(b + kQ4_KD);
    const float dmin = Half(b + kQ4_KDmin);
    for (int j = 0; j < 4; ++j) {
      uint8_t sc = 0;
      uint8_t m = 0;
      ScaleMinK4(2 * j, b + kQ4_KScales, &sc, &m);
      const __m256 d1 = _mm256_set1_ps(d * static_cast<float>(sc));
      const __m256 m1 = _mm256_set1_ps(dmin * static_cast<float>(m));
      ScaleMinK4(2 * j + 1, b + kQ4_KScales, &sc, &m);
      const __m256 d2 = _mm256_set1_ps(d * static_cast<float>(sc));
      const __m256 m2 = _mm256_set1_ps(dmin * static_cast<float>(m));
      float* yj = y + i * kQkK + 64 * j;
      for (int g = 0; g < 32; g += kLanes) {
        const __m256i v = U8x8(b + kQ4_KQs + 32 * j + g);
        _mm256_storeu_ps(yj + g,
                         _mm256_sub_ps(_mm256_mul_ps(d1, ToF(_mm256_and_si256(v, mask))), m1));
        _mm256_storeu_ps(yj + 32 + g,
                         _mm256_sub_ps(_mm256_mul_ps(d2, ToF(_mm256_srli_epi32(v, 4))), m2));
      }
    }
  }
}

void DequantQ6_K(const uint8_t* row, float* y, int64_t n) {
  const __m256i mask4 = _mm256_set1_epi32(0xF);
  const __m256i mask2 = _mm256_set1_epi32(3);
  const __m256i bias = _mm256_set1_epi32(32);
  for (int64_t i = 0; i < n / kQkK; ++i) {
    const uint8_t* b = row + i * kQ6_KBytes;
    const float d = Half(b + kQ6_KD);
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = b + kQ6_KQl + 64 * half;
      const uint8_t* qh = b + kQ6_KQh + 32 * half;
      const auto* sc = reinterpret_cast<const int8_t*>(b + kQ6_KScales + 8 * half);
      float* yh = y + i * kQkK + 128 * half;
      for (int l = 0; l < 32; l += kLanes) {
        const __m256i lo = U8x8(ql + l);
        const __m256i hi = U8x8(ql + 32 + l);
        const __m256i h = U8x8(qh + l);
        auto make = [&](__m256i low4, int shift) {
          const __m256i high2 = _mm256_and_si256(_mm256_srli_epi32(h, shift), mask2);
          return ToF(_mm256_sub_epi32(_mm256_or_si256(low4, _mm256_slli_epi32(high2, 4)), bias));
        };
        const int is = l / 16;
        auto scale = [&](int k) { return _mm256_set1_ps(d * static_cast<float>(sc[is + 2 * k])); };
        _mm256_storeu_ps(yh + l, _mm256_mul_ps(scale(0), make(_mm256_and_si256(lo, mask4), 0)));
        _mm256_storeu_ps(yh + 32 + l,
                         _mm256_mul_ps(scale(1), make(_mm256_and_si256(hi, mask4), 2)));
        _mm256_storeu_ps(yh + 64 + l, _mm256_mul_ps(scale(2), make(_mm256_srli_epi32(lo, 4), 4)));
        _mm256_storeu_ps(yh + 96 + l, _mm256_mul_ps(scale(3), make(_mm256_srli_epi32(hi, 4), 6)));
      }
    }
  }
}

// A tile of kRows weight rows times kBatch activation rows.
template <int kRows, int kBatch>
void Tile(const float* w, int64_t ws, const float* x, int64_t xs, int64_t n, float* out,
          int64_t os) {
  // Every loop over the tile is fully unrolled so that acc stays in registers.
  __m256 acc[kRows][kBatch];
#pragma GCC unroll 4
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
    for (int b = 0; b < kBatch; ++b) acc[r][b] = _mm256_setzero_ps();
  }
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    __m256 xv[kBatch];
#pragma GCC unroll 4
    for (int b = 0; b < kBatch; ++b) xv[b] = Load(x + b * xs + k);
#pragma GCC unroll 4
    for (int r = 0; r < kRows; ++r) {
      const __m256 wv = Load(w + r * ws + k);
#pragma GCC unroll 4
      for (int b = 0; b < kBatch; ++b) acc[r][b] = _mm256_fmadd_ps(wv, xv[b], acc[r][b]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int b = 0; b < kBatch; ++b) {
      float sum = Hsum(acc[r][b]);
      for (int64_t t = k; t < n; ++t) sum += w[r * ws + t] * x[b * xs + t];
      out[b * os + r] = sum;
    }
  }
}

template <int kBatch>
void TileRows(int64_t rows, const float* w, int64_t ws, const float* x, int64_t xs, int64_t n,
              float* out, int64_t os) {
  switch (rows) {
    case 1:
      Tile<1, kBatch>(w, ws, x, xs, n, out, os);
      break;
    case 2:
      Tile<2, kBatch>(w, ws, x, xs, n, out, os);
      break;
    case 3:
      Tile<3, kBatch>(w, ws, x, xs, n, out, os);
      break;
    default:
      Tile<4, kBatch>(w, ws, x, xs, n, out, os);
      break;
  }
}

}  // namespace

bool DequantizeRowAvx2(DType t, const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  switch (t) {
    case DType::kF16:
      DequantF16(p, dst, n, false);
      return true;
    case DType::kBF16:
      DequantF16(p, dst, n, true);
      return true;
    case DType::kQ8_0:
      DequantQ8_0(p, dst, n);
      return true;
    case DType::kQ4_0:
      DequantQ4_0(p, dst, n);
      return true;
    case DType::kQ4_K:
      DequantQ4_K(p, dst, n);
      return true;
    case DType::kQ6_K:
      DequantQ6_K(p, dst, n);
      return true;
    default:
      return false;
  }
}

float DotF32Avx2(const float* a, const float* b, int64_t n) { return DotF32(a, b, n); }

void AxpyAvx2(float a, const float* x, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, Load(x + i), Load(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

void AddAvx2(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    _mm256_storeu_ps(y + i, _mm256_add_ps(Load(y + i), Load(x + i)));
  }
  for (; i < n; ++i) y[i] += x[i];
}

float SumSquaresAvx2(const float* x, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const __m256 a = Load(x + i);
    const __m256 b = Load(x + i + kLanes);
    acc0 = _mm256_fmadd_ps(a, a, acc0);
    acc1 = _mm256_fmadd_ps(b, b, acc1);
  }
  for (; i + kLanes <= n; i += kLanes) {
    const __m256 a = Load(x + i);
    acc0 = _mm256_fmadd_ps(a, a, acc0);
  }
  float sum = Hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += x[i] * x[i];
  return sum;
}

void DotTileAvx2(const float* w, int64_t w_stride, int64_t n_rows, const float* x, int64_t x_stride,
                 int64_t n_batch, int64_t n, float* out, int64_t out_stride) {
  constexpr int64_t kTileRows = 4;
  constexpr int64_t kTileBatch = 2;
  for (int64_t r = 0; r < n_rows; r += kTileRows) {
    const int64_t rows = n_rows - r < kTileRows ? n_rows - r : kTileRows;
    int64_t b = 0;
    for (; b + kTileBatch <= n_batch; b += kTileBatch) {
      TileRows<2>(rows, w + r * w_stride, w_stride, x + b * x_stride, x_stride, n,
                  out + b * out_stride + r, out_stride);
    }
    if (b < n_batch) {
      TileRows<1>(rows, w + r * w_stride, w_stride, x + b * x_stride, x_stride, n,
                  out + b * out_stride + r, out_stride);
    }
  }
}

}  // namespace sextant::kernels::cpu::internal
