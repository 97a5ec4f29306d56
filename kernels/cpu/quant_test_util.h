// Test helpers: an independent per-element decoder written from the ggml
// block specifications, and builders of random rows with valid scales.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/quant.h"
#include "kernels/dtype.h"

namespace sextant::kernels::cpu::testing {

inline float HalfAt(const uint8_t* p) {
  uint16_t h = 0;
  std::memcpy(&h, p, 2);
  return Fp16ToFp32(h);
}

// Element j (< 32) of a legacy block: low nibble of qs[j] for j < 16, else
// the high nibble of qs[j - 16].
inline int Nibble(const uint8_t* qs, int j) { return j < 16 ? qs[j] & 15 : qs[j - 16] >> 4; }

// The 6-bit scale (which == 0) or min (which == 1) of Q4_K sub-block s: for
// s < 4 the low 6 bits of byte s (scale) / s + 4 (min); for s >= 4 the low
// (scale) or high (min) nibble of byte s + 4, with bits 4..5 taken from the
// top two bits of byte s - 4 (scale) or byte s (min).
inline int Q4KSixBit(const uint8_t* scales, int s, int which) {
  if (s < 4) return scales[s + 4 * which] & 63;
  const int low4 = which == 0 ? scales[s + 4] & 15 : scales[s + 4] >> 4;
  const int top2 = scales[which == 0 ? s - 4 : s] >> 6;
  return low4 + 16 * top2;
}

// Dequantized element e of a row of type t, decoded from the specification.
inline float SpecElement(DType t, const uint8_t* row, int64_t e) {
  const int64_t qk = BlockElements(t);
  const uint8_t* b = row + (e / qk) * BlockBytes(t);
  const int j = static_cast<int>(e % qk);
  switch (t) {
    case DType::kF32: {
      float v = 0.0f;
      std::memcpy(&v, b, 4);
      return v;
    }
    case DType::kF16:
      return HalfAt(b);
    case DType::kBF16: {
      const uint32_t bits = static_cast<uint32_t>(b[0] | (b[1] << 8)) << 16;
      float v = 0.0f;
      std::memcpy(&v, &bits, 4);
      return v;
    }
    case DType::kQ4_0:
      return static_cast<float>(Nibble(b + 2, j) - 8) * HalfAt(b);
    case DType::kQ4_1:
      return static_cast<float>(Nibble(b + 4, j)) * HalfAt(b) + HalfAt(b + 2);
    case DType::kQ5_0: {
      const int high = (b[2 + j / 8] >> (j % 8)) & 1;
      return static_cast<float>(Nibble(b + 6, j) + 16 * high - 16) * HalfAt(b);
    }
    case DType::kQ5_1: {
      const int high = (b[4 + j / 8] >> (j % 8)) & 1;
      return static_cast<float>(Nibble(b + 8, j) + 16 * high) * HalfAt(b) + HalfAt(b + 2);
    }
    case DType::kQ8_0:
      return static_cast<float>(static_cast<int8_t>(b[2 + j])) * HalfAt(b);
    case DType::kQ4_K: {
      const int chunk = j / 64;
      const int within = j % 64;
      const int sub = 2 * chunk + within / 32;
      const uint8_t byte = b[16 + 32 * chunk + within % 32];
      const int q = within < 32 ? byte & 15 : byte >> 4;
      const float scale = HalfAt(b) * static_cast<float>(Q4KSixBit(b + 4, sub, 0));
      const float min = HalfAt(b + 2) * static_cast<float>(Q4KSixBit(b + 4, sub, 1));
      return scale * static_cast<float>(q) - min;
    }
    case DType::kQ6_K: {
      const int half = j / 128;
      const int kind = (j % 128) / 32;  // which of the four 32-element quarters
      const int l = j % 32;
      const uint8_t low_byte = b[64 * half + 32 * (kind % 2) + l];
      const int low4 = kind < 2 ? low_byte & 15 : low_byte >> 4;
      const int high2 = (b[128 + 32 * half + l] >> (2 * kind)) & 3;
      const int q = low4 + 16 * high2 - 32;
      const auto sc = static_cast<int8_t>(b[192 + 8 * half + l / 16 + 2 * kind]);
      return HalfAt(b + 208) * static_cast<float>(sc) * static_cast<float>(q);
    }
  }
  return 0.0f;
}

// Byte offsets of the fp16 scale fields of a block.
inline std::vector<int> HalfFields(DType t) {
  switch (t) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
      return {0};
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ4_K:
      return {0, 2};
    case DType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

// A row of n elements of random bytes, with finite fp16 scales of magnitude
// below max_scale (and finite F16/BF16/F32 values).
inline std::vector<uint8_t> RandomRow(DType t, int64_t n, std::mt19937* rng,
                                      float max_scale = 0.1f) {
  const int64_t bytes = n / BlockElements(t) * BlockBytes(t);
  std::vector<uint8_t> row(static_cast<size_t>(bytes));
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& v : row) v = static_cast<uint8_t>(byte(*rng));
  std::uniform_real_distribution<float> value(-max_scale, max_scale);
  auto put_half = [&](uint8_t* p, uint16_t h) { std::memcpy(p, &h, 2); };
  if (t == DType::kF32) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = value(*rng) * 10.0f;
      std::memcpy(row.data() + 4 * i, &v, 4);
    }
  } else if (t == DType::kF16) {
    for (int64_t i = 0; i < n; ++i) put_half(row.data() + 2 * i, Fp32ToFp16(value(*rng) * 10.0f));
  } else if (t == DType::kBF16) {
    for (int64_t i = 0; i < n; ++i) put_half(row.data() + 2 * i, Fp32ToBf16(value(*rng) * 10.0f));
  } else {
    for (int64_t blk = 0; blk < n / BlockElements(t); ++blk) {
      for (int off : HalfFields(t)) {
        put_half(row.data() + blk * BlockBytes(t) + off, Fp32ToFp16(value(*rng)));
      }
    }
  }
  return row;
}

inline std::vector<float> RandomFloats(int64_t n, std::mt19937* rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& f : v) f = dist(*rng);
  return v;
}

constexpr DType kAllTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0,
                               DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,
                               DType::kQ4_K, DType::kQ6_K};

}  // namespace sextant::kernels::cpu::testing
