// Greedy sampling on the GPU against a plain CPU argmax with the same tie
// and NaN rules.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/cuda_test_util.h"

namespace sextant::kernels::cuda {
namespace {

using testing::ToDevice;

// The lowest index of the largest non-NaN value; 0 when there is none.
int32_t CpuArgmax(const float* row, int64_t n) {
  int32_t best = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(row[i])) continue;
    if (best < 0 || row[i] > row[best]) best = static_cast<int32_t>(i);
  }
  return best < 0 ? 0 : best;
}

std::vector<int32_t> GpuArgmax(const std::vector<float>& logits, int64_t rows, int64_t n) {
  DeviceBuffer d_logits = ToDevice(logits);
  DeviceBuffer d_ids = ToDevice(std::vector<int32_t>(static_cast<size_t>(rows), -7));
  const Status st = ArgmaxRows(d_logits.as<float>(), rows, n, d_ids.as<int32_t>(), nullptr);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<int32_t> ids(static_cast<size_t>(rows));
  EXPECT_TRUE(d_ids.CopyToHost(ids.data(), rows * static_cast<int64_t>(sizeof(int32_t))).ok());
  return ids;
}

TEST(ArgmaxRowsTest, MatchesCpuOnRealVocabularySizes) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (const int64_t n : {1, 7, 1024 + 3, 128256, 151936}) {
    for (const int64_t rows : {1, 3, 8}) {
      std::vector<float> logits(static_cast<size_t>(rows * n));
      for (auto& v : logits) v = dist(rng);
      const auto ids = GpuArgmax(logits, rows, n);
      for (int64_t r = 0; r < rows; ++r) {
        EXPECT_EQ(ids[r], CpuArgmax(&logits[r * n], n)) << "n " << n << " row " << r;
      }
    }
  }
}

TEST(ArgmaxRowsTest, TiesGoToTheLowestIndexAndNanNeverWins) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 5000;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> logits(3 * kN, 0.0f);
  logits[4999] = 2.0f;  // row 0: a tie far apart, across warps
  logits[17] = 2.0f;
  logits[kN + 3] = nan;  // row 1: NaN beside the maximum
  logits[kN + 4] = 1.0f;
  for (int64_t i = 0; i < kN; ++i) logits[2 * kN + i] = nan;  // row 2: only NaN
  EXPECT_EQ(GpuArgmax(logits, 3, kN), (std::vector<int32_t>{17, 4, 0}));
  std::vector<float> all_neg_inf(kN, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(GpuArgmax(all_neg_inf, 1, kN), (std::vector<int32_t>{0}));
}

TEST(ArgmaxRowsTest, RejectsBadArguments) {
  float v = 0.0f;
  int32_t id = 0;
  EXPECT_EQ(ArgmaxRows(nullptr, 1, 1, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ArgmaxRows(&v, 1, 0, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ArgmaxRows(&v, -1, 1, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ArgmaxRows(&v, 0, 1, &id, nullptr).ok());
}

}  // namespace
}  // namespace sextant::kernels::cuda
