#include "kernels/cpu/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/internal/simd.h"
#include "kernels/cpu/quant_test_util.h"

namespace sextant::kernels::cpu {
namespace {

using testing::RandomFloats;

constexpr double kRel = 1e-5;
constexpr int64_t kSizes[] = {1, 3, 8, 15, 16, 17, 31, 64, 100, 1023, 4096};

class SimdGuard {
 public:
  explicit SimdGuard(bool enabled) { internal::SetSimdEnabledForTesting(enabled); }
  ~SimdGuard() { internal::SetSimdEnabledForTesting(true); }
  SimdGuard(const SimdGuard&) = delete;
  SimdGuard& operator=(const SimdGuard&) = delete;
};

class OpsTest : public ::testing::TestWithParam<bool> {
 protected:
  SimdGuard guard_{GetParam()};
  std::mt19937 rng_{21};
};

TEST_P(OpsTest, RmsNormMatchesDouble) {
  for (int64_t n : kSizes) {
    const auto x = RandomFloats(n, &rng_);
    const auto w = RandomFloats(n, &rng_);
    constexpr float kEps = 1e-6f;
    double ss = 0.0;
    for (float v : x) ss += double{v} * v;
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(n) + kEps);
    std::vector<float> out(static_cast<size_t>(n));
    RmsNorm(x.data(), w.data(), out.data(), n, kEps);
    std::vector<float> unweighted = x;  // in place, no weight
    RmsNorm(unweighted.data(), nullptr, unweighted.data(), n, kEps);
    for (int64_t i = 0; i < n; ++i) {
      const double want = x[i] * inv;
      ASSERT_NEAR(out[i], w[i] * want, kRel * std::fabs(w[i] * want) + 1e-7) << n << " " << i;
      ASSERT_NEAR(unweighted[i], want, kRel * std::fabs(want) + 1e-7) << n << " " << i;
    }
  }
}

TEST_P(OpsTest, DotAxpyAddMatchDouble) {
  for (int64_t n : kSizes) {
    const auto a = RandomFloats(n + 1, &rng_);
    const auto b = RandomFloats(n + 1, &rng_);
    double dot = 0.0;
    double abs = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      dot += double{a[i + 1]} * b[i];
      abs += std::fabs(double{a[i + 1]} * b[i]);
    }
    ASSERT_NEAR(DotF32(a.data() + 1, b.data(), n), dot, kRel * abs) << n;

    std::vector<float> y = b;
    Axpy(0.75f, a.data() + 1, y.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(y[i], b[i] + 0.75 * a[i + 1], 1e-6) << n;
    ASSERT_EQ(y[n], b[n]);  // untouched past the end

    std::vector<float> z = b;
    AddInPlace(z.data(), a.data() + 1, n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(z[i], b[i] + a[i + 1]) << n;
    ASSERT_EQ(z[n], b[n]);
  }
}

std::string PathName(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "Simd" : "Scalar";
}

INSTANTIATE_TEST_SUITE_P(Paths, OpsTest, ::testing::Values(true, false), PathName);

TEST(SoftmaxTest, MatchesDoubleAndSumsToOne) {
  std::mt19937 rng(22);
  for (int64_t n : kSizes) {
    auto x = RandomFloats(n, &rng);
    for (auto& v : x) v *= 20.0f;
    double max = x[0];
    for (float v : x) max = std::max<double>(max, v);
    double sum = 0.0;
    for (float v : x) sum += std::exp(v - max);
    std::vector<float> y = x;
    Softmax(y.data(), n);
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double want = std::exp(x[i] - max) / sum;
      ASSERT_NEAR(y[i], want, 1e-5 * want + 1e-12) << n << " " << i;
      total += y[i];
    }
    ASSERT_NEAR(total, 1.0, 1e-5);
  }
}

TEST(SoftmaxTest, LargeInputsDoNotOverflow) {
  std::vector<float> x = {1000.0f, 1001.0f, -INFINITY};
  Softmax(x.data(), 3);
  EXPECT_NEAR(x[0], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_NEAR(x[1], std::exp(1.0) / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_EQ(x[2], 0.0f);
  float one = -5.0f;
  Softmax(&one, 1);
  EXPECT_EQ(one, 1.0f);
}

TEST(SwiGluTest, MatchesDoubleAndAllowsAliasing) {
  std::mt19937 rng(23);
  auto gate = RandomFloats(1000, &rng);
  for (auto& v : gate) v *= 12.0f;
  const auto up = RandomFloats(1000, &rng);
  std::vector<float> out = gate;
  SwiGlu(out.data(), up.data(), out.data(), 1000);
  for (size_t i = 0; i < gate.size(); ++i) {
    const double g = gate[i];
    const double want = g / (1.0 + std::exp(-g)) * up[i];
    ASSERT_NEAR(out[i], want, 1e-6 * std::fabs(want) + 1e-7) << i;
  }
}

struct RopeCase {
  int64_t n_heads;
  int64_t head_dim;
  int64_t rope_dim;
};

std::vector<float> InvFreq(int64_t rope_dim) {
  std::vector<float> f(static_cast<size_t>(rope_dim / 2));
  for (size_t i = 0; i < f.size(); ++i) {
    f[i] = static_cast<float>(std::pow(10000.0, -2.0 * static_cast<double>(i) / rope_dim));
  }
  return f;
}

TEST(RopeTest, PositionZeroIsIdentity) {
  std::mt19937 rng(24);
  for (RopeLayout layout : {RopeLayout::kInterleaved, RopeLayout::kSplitHalf}) {
    auto x = RandomFloats(4 * 64, &rng);
    const auto before = x;
    const auto inv = InvFreq(64);
    Rope(x.data(), 4, 64, 64, 0, inv.data(), layout);
    EXPECT_EQ(x, before);
  }
}

TEST(RopeTest, RotatesPairsByAngleAndKeepsNorms) {
  std::mt19937 rng(25);
  for (const RopeCase& c : {RopeCase{1, 8, 8}, RopeCase{3, 64, 64}, RopeCase{2, 128, 64}}) {
    for (RopeLayout layout : {RopeLayout::kInterleaved, RopeLayout::kSplitHalf}) {
      for (int64_t pos : {1, 7, 1000, 32767}) {
        auto x = RandomFloats(c.n_heads * c.head_dim, &rng);
        const auto before = x;
        const auto inv = InvFreq(c.rope_dim);
        Rope(x.data(), c.n_heads, c.head_dim, c.rope_dim, pos, inv.data(), layout);
        const int64_t half = c.rope_dim / 2;
        for (int64_t h = 0; h < c.n_heads; ++h) {
          const int64_t base = h * c.head_dim;
          for (int64_t i = 0; i < half; ++i) {
            const int64_t i0 = base + (layout == RopeLayout::kInterleaved ? 2 * i : i);
            const int64_t i1 = base + (layout == RopeLayout::kInterleaved ? 2 * i + 1 : i + half);
            // The angle as float32, like transformers; cos/sin in double.
            const double angle = static_cast<float>(pos) * inv[i];
            const double want0 = before[i0] * std::cos(angle) - before[i1] * std::sin(angle);
            const double want1 = before[i1] * std::cos(angle) + before[i0] * std::sin(angle);
            ASSERT_NEAR(x[i0], want0, 1e-5) << pos << " " << i;
            ASSERT_NEAR(x[i1], want1, 1e-5) << pos << " " << i;
            const double norm_before = std::hypot(before[i0], before[i1]);
            ASSERT_NEAR(std::hypot(x[i0], x[i1]), norm_before, 1e-5);
          }
          for (int64_t d = c.rope_dim; d < c.head_dim; ++d) {
            ASSERT_EQ(x[base + d], before[base + d]) << "dim past rope_dim changed";
          }
        }
      }
    }
  }
}

TEST(RopeTest, QuarterTurn) {
  // inv_freq pi/2 at pos 1: (1, 0) -> (cos, sin) of a quarter turn.
  const float inv = std::numbers::pi_v<float> / 2;
  float x[2] = {1.0f, 0.0f};
  Rope(x, 1, 2, 2, 1, &inv, RopeLayout::kInterleaved);
  EXPECT_NEAR(x[0], 0.0f, 1e-7);
  EXPECT_NEAR(x[1], 1.0f, 1e-7);
}

TEST(RopeTest, SplitHalfOfPermutedHeadEqualsInterleaved) {
  // Moving interleaved pair (2i, 2i+1) to (i, i + d/2) turns one layout into
  // the other exactly (this is what the GGUF converter's permutation undoes).
  std::mt19937 rng(26);
  constexpr int64_t kDim = 64;
  auto inter = RandomFloats(kDim, &rng);
  std::vector<float> split(kDim);
  for (int64_t i = 0; i < kDim / 2; ++i) {
    split[i] = inter[2 * i];
    split[i + kDim / 2] = inter[2 * i + 1];
  }
  const auto inv = InvFreq(kDim);
  Rope(inter.data(), 1, kDim, kDim, 37, inv.data(), RopeLayout::kInterleaved);
  Rope(split.data(), 1, kDim, kDim, 37, inv.data(), RopeLayout::kSplitHalf);
  for (int64_t i = 0; i < kDim / 2; ++i) {
    EXPECT_EQ(split[i], inter[2 * i]);
    EXPECT_EQ(split[i + kDim / 2], inter[2 * i + 1]);
  }
}

}  // namespace
}  // namespace sextant::kernels::cpu
