// Helpers shared by the AVX2 kernel files. Include this header only from
// files compiled with -mavx2 -mfma -mf16c (quant_avx2.cpp, ops_avx2.cpp), so
// that no AVX2 code ends up in an inline function another file may pick.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/internal/blocks.h"

namespace sextant::kernels::cpu::internal {

inline constexpr int kLanes = 8;

inline float Hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float Half(const uint8_t* p) {
  uint16_t h = 0;
  std::memcpy(&h, p, sizeof(h));
  return _cvtsh_ss(h);
}

inline uint32_t U32(const uint8_t* p) {
  uint32_t v = 0;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Eight bytes zero-extended to eight int32 lanes.
inline __m256i U8x8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

inline __m256 ToF(__m256i v) { return _mm256_cvtepi32_ps(v); }

inline __m256 Load(const float* p) { return _mm256_loadu_ps(p); }

inline float DotF32(const float* a, const float* b, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
    acc0 = _mm256_fmadd_ps(Load(a + i), Load(b + i), acc0);
    acc1 = _mm256_fmadd_ps(Load(a + i + 8), Load(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(Load(a + i + 16), Load(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(Load(a + i + 24), Load(b + i + 24), acc3);
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = _mm256_fmadd_ps(Load(a + i), Load(b + i), acc0);
  float sum = Hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// F16 and BF16 rows: eight elements at a time converted to float.
inline __m256 LoadF16(const uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

inline __m256 LoadBf16(const uint8_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// Legacy 32-element blocks. Bytes qs[0..7] hold elements 0..7 (low nibbles)
// and 16..23 (high nibbles); qs[8..15] hold 8..15 and 24..31.
struct Nibbles {
  __m256i e0, e8, e16, e24;  // elements 0..7, 8..15, 16..23, 24..31
};

inline Nibbles SplitNibbles(const uint8_t* qs) {
  const __m256i mask = _mm256_set1_epi32(0xF);
  const __m256i v0 = U8x8(qs);
  const __m256i v1 = U8x8(qs + 8);
  return {_mm256_and_si256(v0, mask), _mm256_and_si256(v1, mask), _mm256_srli_epi32(v0, 4),
          _mm256_srli_epi32(v1, 4)};
}

inline void Offset(int offset, Nibbles* q) {
  const __m256i o = _mm256_set1_epi32(offset);
  q->e0 = _mm256_sub_epi32(q->e0, o);
  q->e8 = _mm256_sub_epi32(q->e8, o);
  q->e16 = _mm256_sub_epi32(q->e16, o);
  q->e24 = _mm256_sub_epi32(q->e24, o);
}

inline void ScaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace sextant::kernels::cpu::internal
