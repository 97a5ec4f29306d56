#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/quant.h"

namespace sextant::kernels::cpu {
namespace {

constexpr int kPatterns = 1 << 16;

// The value of a half from its fields, in double: (-1)^s * 2^(e-15) * 1.m or
// subnormal 2^-14 * 0.m.
double SlowHalfValue(uint16_t h) {
  const int sign = h >> 15;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  double mag = 0.0;
  if (exp == 0) {
    mag = std::ldexp(static_cast<double>(mant), -24);
  } else if (exp == 31) {
    mag = mant == 0 ? INFINITY : NAN;
  } else {
    mag = std::ldexp(1.0 + mant / 1024.0, exp - 15);
  }
  return sign != 0 ? -mag : mag;
}

// The bf16 value from its fields, in double.
double SlowBf16Value(uint16_t b) {
  const int sign = b >> 15;
  const int exp = (b >> 7) & 0xff;
  const int mant = b & 0x7f;
  double mag = 0.0;
  if (exp == 0) {
    mag = std::ldexp(static_cast<double>(mant), -133);
  } else if (exp == 255) {
    mag = mant == 0 ? INFINITY : NAN;
  } else {
    mag = std::ldexp(1.0 + mant / 128.0, exp - 127);
  }
  return sign != 0 ? -mag : mag;
}

// Rounds f to the nearest value of a sorted table of non-negative finite
// values (ties to the even bit pattern), by search; `overflow` is the first
// value that rounds to infinity.
template <typename ValueFn>
uint16_t SlowRound(float f, int max_finite_pattern, double overflow, ValueFn value) {
  const double a = std::fabs(static_cast<double>(f));
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const uint16_t inf = static_cast<uint16_t>(max_finite_pattern + 1);
  if (a >= overflow) return sign | inf;
  int lo = 0;
  int hi = max_finite_pattern;
  while (hi - lo > 1) {  // invariant: value(lo) <= a <= value(hi) or a > value(max)
    const int mid = (lo + hi) / 2;
    if (value(static_cast<uint16_t>(mid)) <= a) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const double dlo = a - value(static_cast<uint16_t>(lo));
  const double dhi = value(static_cast<uint16_t>(hi)) - a;
  int pick = lo;
  if (dhi < dlo || (dhi == dlo && (hi & 1) == 0)) pick = hi;
  if (a > value(static_cast<uint16_t>(max_finite_pattern))) pick = max_finite_pattern;
  return static_cast<uint16_t>(sign | pick);
}

uint16_t SlowFp32ToFp16(float f) {
  constexpr int kMaxFinite = 0x7bff;     // 65504
  constexpr double kOverflow = 65520.0;  // halfway to 2^16: ties to even round up
  return SlowRound(f, kMaxFinite, kOverflow, SlowHalfValue);
}

uint16_t SlowFp32ToBf16(float f) {
  constexpr int kMaxFinite = 0x7f7f;
  const double overflow = SlowBf16Value(kMaxFinite) + std::ldexp(1.0, 127 - 8);
  return SlowRound(f, kMaxFinite, overflow, SlowBf16Value);
}

TEST(ConvertTest, Fp16ToFp32AllPatterns) {
  for (int i = 0; i < kPatterns; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float got = Fp16ToFp32(h);
    const double want = SlowHalfValue(h);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << std::hex << i;
      ASSERT_EQ(std::signbit(got), (i & 0x8000) != 0) << std::hex << i;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << std::hex << i;
      ASSERT_EQ(std::signbit(got), (i & 0x8000) != 0) << std::hex << i;
    }
  }
}

TEST(ConvertTest, Fp16RoundTripsAllPatterns) {
  for (int i = 0; i < kPatterns; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const uint16_t back = Fp32ToFp16(Fp16ToFp32(h));
    if ((i & 0x7c00) == 0x7c00 && (i & 0x3ff) != 0) {
      ASSERT_EQ(back & 0x7c00, 0x7c00) << std::hex << i;
      ASSERT_NE(back & 0x3ff, 0) << std::hex << i;
      ASSERT_EQ(back & 0x8000, i & 0x8000) << std::hex << i;
    } else {
      ASSERT_EQ(back, h) << std::hex << i;
    }
  }
}

TEST(ConvertTest, Fp32ToFp16MidpointsRoundToEven) {
  // Midpoints and near-midpoints between consecutive finite halves, including
  // the subnormal range and the overflow boundary.
  for (int i = 0; i < 0x7bff; ++i) {
    const double a = SlowHalfValue(static_cast<uint16_t>(i));
    const double b = SlowHalfValue(static_cast<uint16_t>(i + 1));
    const auto mid = static_cast<float>((a + b) / 2);  // exact in float
    for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) {
      ASSERT_EQ(Fp32ToFp16(f), SlowFp32ToFp16(f)) << f;
      ASSERT_EQ(Fp32ToFp16(-f), SlowFp32ToFp16(-f)) << f;
    }
  }
  EXPECT_EQ(Fp32ToFp16(65519.99f), 0x7bff);
  EXPECT_EQ(Fp32ToFp16(65520.0f), 0x7c00);
  EXPECT_EQ(Fp32ToFp16(1e30f), 0x7c00);
  EXPECT_EQ(Fp32ToFp16(-INFINITY), 0xfc00);
  EXPECT_EQ(Fp32ToFp16(0x1p-25f), 0x0000);  // tie between 0 and the smallest subnormal
  EXPECT_EQ(Fp32ToFp16(std::nextafter(0x1p-25f, 1.0f)), 0x0001);
  EXPECT_EQ(Fp32ToFp16(-0.0f), 0x8000);
  EXPECT_EQ(Fp32ToFp16(1e-40f), 0x0000);  // float subnormal
}

TEST(ConvertTest, Fp32ToFp16RandomFloats) {
  std::mt19937 rng(1);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t bits = rng();
    const auto f = std::bit_cast<float>(bits);
    if (std::isnan(f)) {
      const uint16_t h = Fp32ToFp16(f);
      ASSERT_TRUE(std::isnan(Fp16ToFp32(h)));
      ASSERT_EQ(h & 0x8000, (bits >> 16) & 0x8000);
      continue;
    }
    ASSERT_EQ(Fp32ToFp16(f), SlowFp32ToFp16(f)) << std::hex << bits;
  }
  // Values concentrated in the half range.
  std::uniform_real_distribution<float> dist(-70000.0f, 70000.0f);
  std::uniform_int_distribution<int> scale(-30, 5);
  for (int i = 0; i < 200000; ++i) {
    const float f = std::ldexp(dist(rng), scale(rng));
    ASSERT_EQ(Fp32ToFp16(f), SlowFp32ToFp16(f)) << f;
  }
}

TEST(ConvertTest, Bf16AllPatterns) {
  for (int i = 0; i < kPatterns; ++i) {
    const auto b = static_cast<uint16_t>(i);
    const float got = Bf16ToFp32(b);
    const double want = SlowBf16Value(b);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got));
      const uint16_t back = Fp32ToBf16(got);
      ASSERT_TRUE(std::isnan(Bf16ToFp32(back))) << std::hex << i;
      ASSERT_EQ(back & 0x8000, i & 0x8000);
      continue;
    }
    ASSERT_EQ(static_cast<double>(got), want) << std::hex << i;
    ASSERT_EQ(Fp32ToBf16(got), b) << std::hex << i;
  }
}

TEST(ConvertTest, Fp32ToBf16RoundsToNearestEven) {
  std::mt19937 rng(2);
  for (int i = 0; i < 300000; ++i) {
    const uint32_t bits = rng();
    const auto f = std::bit_cast<float>(bits);
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(Bf16ToFp32(Fp32ToBf16(f))));
      continue;
    }
    ASSERT_EQ(Fp32ToBf16(f), SlowFp32ToBf16(f)) << std::hex << bits;
  }
  // Exact ties: 1 + 2^-8 is halfway between 1 and 1 + 2^-7.
  EXPECT_EQ(Fp32ToBf16(1.0f + 0x1p-8f), 0x3f80);
  EXPECT_EQ(Fp32ToBf16(1.0f + 3 * 0x1p-8f), 0x3f82);
  EXPECT_EQ(Fp32ToBf16(std::bit_cast<float>(0x7f7fffffu)), 0x7f80);  // rounds to inf
  // A signalling NaN whose payload sits only in the low bits stays a NaN.
  EXPECT_TRUE(std::isnan(Bf16ToFp32(Fp32ToBf16(std::bit_cast<float>(0x7f800001u)))));
}

}  // namespace
}  // namespace sextant::kernels::cpu
