// Scalar dequantization (bit-exact with ggml's dequantize_row_*), the
// reference dot product and the run-time dispatch of DotRow.
#include "kernels/cpu/quant.h"

#include <cassert>
#include <cstring>

#include "kernels/cpu/internal/blocks.h"
#include "kernels/cpu/internal/simd.h"

namespace sextant::kernels::cpu {
namespace {

using internal::kQk;
using internal::kQkK;

float LoadHalf(const uint8_t* p) {
  uint16_t h = 0;
  std::memcpy(&h, p, sizeof(h));
  return Fp16ToFp32(h);
}

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v = 0;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// The j-th 6-bit scale and min of a Q4_K super-block (ggml get_scale_min_k4).
void ScaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void DequantQ4_0(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ4_0D);
  const uint8_t* qs = b + internal::kQ4_0Qs;
  for (int j = 0; j < kQk / 2; ++j) {
    const int x0 = (qs[j] & 0x0F) - 8;
    const int x1 = (qs[j] >> 4) - 8;
    y[j] = static_cast<float>(x0) * d;
    y[j + kQk / 2] = static_cast<float>(x1) * d;
  }
}

void DequantQ4_1(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ4_1D);
  const float m = LoadHalf(b + internal::kQ4_1M);
  const uint8_t* qs = b + internal::kQ4_1Qs;
  for (int j = 0; j < kQk / 2; ++j) {
    const int x0 = qs[j] & 0x0F;
    const int x1 = qs[j] >> 4;
    y[j] = static_cast<float>(x0) * d + m;
    y[j + kQk / 2] = static_cast<float>(x1) * d + m;
  }
}

void DequantQ5_0(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ5_0D);
  const uint32_t qh = LoadU32(b + internal::kQ5_0Qh);
  const uint8_t* qs = b + internal::kQ5_0Qs;
  for (int j = 0; j < kQk / 2; ++j) {
    const uint32_t xh0 = ((qh >> j) << 4) & 0x10;
    const uint32_t xh1 = (qh >> (j + 12)) & 0x10;
    const int x0 = static_cast<int>((qs[j] & 0x0Fu) | xh0) - 16;
    const int x1 = static_cast<int>((qs[j] >> 4) | xh1) - 16;
    y[j] = static_cast<float>(x0) * d;
    y[j + kQk / 2] = static_cast<float>(x1) * d;
  }
}

void DequantQ5_1(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ5_1D);
  const float m = LoadHalf(b + internal::kQ5_1M);
  const uint32_t qh = LoadU32(b + internal::kQ5_1Qh);
  const uint8_t* qs = b + internal::kQ5_1Qs;
  for (int j = 0; j < kQk / 2; ++j) {
    const uint32_t xh0 = ((qh >> j) << 4) & 0x10;
    const uint32_t xh1 = (qh >> (j + 12)) & 0x10;
    const int x0 = static_cast<int>((qs[j] & 0x0Fu) | xh0);
    const int x1 = static_cast<int>((qs[j] >> 4) | xh1);
    y[j] = static_cast<float>(x0) * d + m;
    y[j + kQk / 2] = static_cast<float>(x1) * d + m;
  }
}

void DequantQ8_0(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ8_0D);
  const uint8_t* qs = b + internal::kQ8_0Qs;
  for (int j = 0; j < kQk; ++j) {
    y[j] = static_cast<float>(static_cast<int8_t>(qs[j])) * d;
  }
}

void DequantQ4_K(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ4_KD);
  const float min = LoadHalf(b + internal::kQ4_KDmin);
  const uint8_t* scales = b + internal::kQ4_KScales;
  const uint8_t* q = b + internal::kQ4_KQs;
  int is = 0;
  for (int j = 0; j < kQkK; j += 64) {
    uint8_t sc = 0;
    uint8_t m = 0;
    ScaleMinK4(is + 0, scales, &sc, &m);
    const float d1 = d * static_cast<float>(sc);
    const float m1 = min * static_cast<float>(m);
    ScaleMinK4(is + 1, scales, &sc, &m);
    const float d2 = d * static_cast<float>(sc);
    const float m2 = min * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    q += 32;
    is += 2;
  }
}

void DequantQ6_K(const uint8_t* b, float* y) {
  const float d = LoadHalf(b + internal::kQ6_KD);
  const uint8_t* ql = b + internal::kQ6_KQl;
  const uint8_t* qh = b + internal::kQ6_KQh;
  const auto* sc = reinterpret_cast<const int8_t*>(b + internal::kQ6_KScales);
  for (int n = 0; n < kQkK; n += 128) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

using BlockDequant = void (*)(const uint8_t*, float*);

BlockDequant BlockDequantFor(DType t) {
  switch (t) {
    case DType::kQ4_0:
      return DequantQ4_0;
    case DType::kQ4_1:
      return DequantQ4_1;
    case DType::kQ5_0:
      return DequantQ5_0;
    case DType::kQ5_1:
      return DequantQ5_1;
    case DType::kQ8_0:
      return DequantQ8_0;
    case DType::kQ4_K:
      return DequantQ4_K;
    case DType::kQ6_K:
      return DequantQ6_K;
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
      break;
  }
  return nullptr;
}

uint16_t LoadU16(const uint8_t* p) {
  uint16_t v = 0;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void DequantizeRowScalar(DType t, const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = Fp16ToFp32(LoadU16(p + 2 * i));
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = Bf16ToFp32(LoadU16(p + 2 * i));
      return;
    default:
      break;
  }
  const BlockDequant dequant = BlockDequantFor(t);
  const int64_t qk = BlockElements(t);
  const int64_t bytes = BlockBytes(t);
  assert(dequant != nullptr && n % qk == 0);
  for (int64_t i = 0; i < n / qk; ++i) dequant(p + i * bytes, dst + i * qk);
}

}  // namespace

void DequantizeRow(DType t, const void* src, float* dst, int64_t n) {
  if (n <= 0) return;
  if (internal::HasAvx2Fma() && internal::DequantizeRowAvx2(t, src, dst, n)) return;
  DequantizeRowScalar(t, src, dst, n);
}

float DotRowReference(DType t, const void* row, const float* x, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(row);
  float sum = 0.0f;
  if (!IsQuantized(t)) {
    const int64_t elem_bytes = BlockBytes(t);
    for (int64_t i = 0; i < n; ++i) {
      float v = 0.0f;
      DequantizeRowScalar(t, p + i * elem_bytes, &v, 1);
      sum += v * x[i];
    }
    return sum;
  }
  const BlockDequant dequant = BlockDequantFor(t);
  const int64_t qk = BlockElements(t);
  const int64_t bytes = BlockBytes(t);
  float block[kQkK];  // (qk)
  for (int64_t i = 0; i < n / qk; ++i) {
    dequant(p + i * bytes, block);
    for (int64_t j = 0; j < qk; ++j) sum += block[j] * x[i * qk + j];
  }
  return sum;
}

float DotRow(DType t, const void* row, const float* x, int64_t n) {
  if (internal::HasAvx2Fma()) return internal::DotRowAvx2(t, row, x, n);
  if (t == DType::kF32 && reinterpret_cast<uintptr_t>(row) % alignof(float) == 0) {
    return internal::DotF32Scalar(static_cast<const float*>(row), x, n);
  }
  return DotRowReference(t, row, x, n);
}

}  // namespace sextant::kernels::cpu
