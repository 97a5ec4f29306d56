// Exact fp16/bf16 <-> fp32 conversions with round-to-nearest-even.
#include <bit>
#include <cstdint>

#include "kernels/cpu/quant.h"

namespace sextant::kernels::cpu {
namespace {

constexpr uint32_t kF32SignMask = 0x80000000u;
constexpr uint32_t kF32AbsMask = 0x7fffffffu;
constexpr uint32_t kF32Inf = 0x7f800000u;
constexpr uint32_t kF16Inf = 0x7c00u;
constexpr uint32_t kF16QuietBit = 0x0200u;
constexpr uint32_t kF16MantMask = 0x03ffu;
constexpr int kF16MantBits = 10;
constexpr int kF32MantBits = 23;
constexpr int kMantShift = kF32MantBits - kF16MantBits;  // 13
constexpr int kExpBiasDelta = 127 - 15;
// |f| >= 65536 (2^16) always overflows to infinity.
constexpr uint32_t kF16OverflowAbs = 0x47800000u;
// |f| < 2^-14 is a half subnormal (or zero).
constexpr uint32_t kF16MinNormalAbs = 0x38800000u;
constexpr float kF16SubnormalUnit = 0x1p-24f;
constexpr uint32_t kBf16QuietBit = 0x0040u;

}  // namespace

float Fp16ToFp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> kF16MantBits) & 0x1fu;
  const uint32_t mant = h & kF16MantMask;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float.
    const float mag = static_cast<float>(mant) * kF16SubnormalUnit;
    return std::bit_cast<float>(std::bit_cast<uint32_t>(mag) | sign);
  }
  if (exp == 0x1fu) {
    return std::bit_cast<float>(sign | kF32Inf | (mant << kMantShift));
  }
  return std::bit_cast<float>(sign | ((exp + kExpBiasDelta) << kF32MantBits) |
                              (mant << kMantShift));
}

uint16_t Fp32ToFp16(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (u & kF32SignMask) >> 16;
  uint32_t abs = u & kF32AbsMask;
  if (abs > kF32Inf) {  // NaN: keep the top payload bits, force quiet.
    return static_cast<uint16_t>(sign | kF16Inf | kF16QuietBit |
                                 ((abs >> kMantShift) & kF16MantMask));
  }
  if (abs >= kF16OverflowAbs) return static_cast<uint16_t>(sign | kF16Inf);
  if (abs < kF16MinNormalAbs) {
    // Adding 0.5 aligns the value to the half subnormal unit 2^-24 and lets
    // the FPU round to nearest even; the low bits are then the half bits.
    const float aligned = std::bit_cast<float>(abs) + 0.5f;
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(aligned) - 0x3f000000u));
  }
  const uint32_t odd = (abs >> kMantShift) & 1u;
  abs -= static_cast<uint32_t>(kExpBiasDelta) << kF32MantBits;
  abs += ((1u << (kMantShift - 1)) - 1u) + odd;  // round to nearest even
  return static_cast<uint16_t>(sign | (abs >> kMantShift));
}

float Bf16ToFp32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t Fp32ToBf16(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & kF32AbsMask) > kF32Inf) return static_cast<uint16_t>((u >> 16) | kBf16QuietBit);
  const uint32_t odd = (u >> 16) & 1u;
  return static_cast<uint16_t>((u + 0x7fffu + odd) >> 16);
}

}  // namespace sextant::kernels::cpu
