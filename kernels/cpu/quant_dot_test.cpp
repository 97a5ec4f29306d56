// DotRow (SIMD and scalar paths) against DotRowReference, and the reference
// against a double-precision sum over the spec decoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/internal/simd.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/quant_test_util.h"
#include "kernels/dtype.h"

namespace sextant::kernels::cpu {
namespace {

using testing::kAllTypes;
using testing::RandomFloats;
using testing::RandomRow;
using testing::SpecElement;

constexpr double kRelTolerance = 1e-5;

// Restores the SIMD paths when a test that disabled them ends.
class SimdGuard {
 public:
  explicit SimdGuard(bool enabled) { internal::SetSimdEnabledForTesting(enabled); }
  ~SimdGuard() { internal::SetSimdEnabledForTesting(true); }
  SimdGuard(const SimdGuard&) = delete;
  SimdGuard& operator=(const SimdGuard&) = delete;
};

// sum |dequant(row)[i] * x[i]|, in double.
double AbsTermSum(DType t, const uint8_t* row, const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += std::fabs(double{SpecElement(t, row, i)} * x[i]);
  return s;
}

std::vector<int64_t> Lengths(DType t) {
  const int64_t qk = BlockElements(t);
  if (qk == 1) return {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257, 1000, 4096};
  if (qk == 32) return {32, 64, 96, 128, 160, 224, 256, 288, 1024, 4096};
  return {256, 512, 768, 1280, 4096};
}

void CheckDotPaths(bool simd) {
  SimdGuard guard(simd);
  std::mt19937 rng(11);
  for (DType t : kAllTypes) {
    SCOPED_TRACE(DTypeName(t));
    for (int64_t n : Lengths(t)) {
      SCOPED_TRACE(n);
      for (size_t row_shift : {0, 1, 3}) {
        const auto packed = RandomRow(t, n, &rng);
        std::vector<uint8_t> buf(packed.size() + row_shift);
        std::memcpy(buf.data() + row_shift, packed.data(), packed.size());
        const uint8_t* row = buf.data() + row_shift;
        const auto xs = RandomFloats(n + 1, &rng);
        const float* x = xs.data() + row_shift % 2;  // odd float offsets too
        const float got = DotRow(t, row, x, n);
        const float ref = DotRowReference(t, row, x, n);
        const double tol = kRelTolerance * AbsTermSum(t, row, x, n) + 1e-30;
        ASSERT_NEAR(got, ref, tol) << "row shift " << row_shift;
      }
    }
  }
}

TEST(DotRowTest, SimdMatchesReference) {
  if (!internal::HasAvx2Fma()) GTEST_SKIP() << "this CPU has no AVX2/FMA/F16C";
  CheckDotPaths(true);
}

TEST(DotRowTest, ScalarMatchesReference) { CheckDotPaths(false); }

TEST(DotRowTest, ReferenceMatchesDoubleSumOfSpec) {
  std::mt19937 rng(12);
  for (DType t : kAllTypes) {
    SCOPED_TRACE(DTypeName(t));
    for (int64_t n : Lengths(t)) {
      const auto row = RandomRow(t, n, &rng);
      const auto x = RandomFloats(n, &rng);
      double want = 0.0;
      for (int64_t i = 0; i < n; ++i) want += double{SpecElement(t, row.data(), i)} * x[i];
      const double tol = kRelTolerance * AbsTermSum(t, row.data(), x.data(), n) + 1e-30;
      ASSERT_NEAR(DotRowReference(t, row.data(), x.data(), n), want, tol) << n;
    }
  }
}

TEST(DotRowTest, KnownSmallDot) {
  // Q8_0 block with d = 0.5 and q = 1..32 against x = 1: 0.5 * 528.
  std::vector<uint8_t> b(34);
  const uint16_t d = Fp32ToFp16(0.5f);
  std::memcpy(b.data(), &d, 2);
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(j + 1);
  const std::vector<float> x(32, 1.0f);
  EXPECT_EQ(DotRow(DType::kQ8_0, b.data(), x.data(), 32), 264.0f);
  EXPECT_EQ(DotRowReference(DType::kQ8_0, b.data(), x.data(), 32), 264.0f);
}

TEST(DotRowTest, ExtremeScalesStayFinite) {
  // Largest finite fp16 scales with the largest quants do not overflow float.
  std::mt19937 rng(13);
  for (DType t : kAllTypes) {
    if (!IsQuantized(t)) continue;
    SCOPED_TRACE(DTypeName(t));
    auto row = RandomRow(t, 512, &rng, 65504.0f);
    const std::vector<float> x(512, 1.0f);
    EXPECT_TRUE(std::isfinite(DotRow(t, row.data(), x.data(), 512)));
  }
}

}  // namespace
}  // namespace sextant::kernels::cpu
