#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "kernels/cpu/internal/simd.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/quant_test_util.h"
#include "kernels/dtype.h"

namespace sextant::kernels::cpu {
namespace {

using testing::kAllTypes;
using testing::RandomFloats;
using testing::RandomRow;
using testing::SpecElement;

struct Matrix {
  std::vector<uint8_t> bytes;
  MatrixView view;
};

Matrix RandomMatrix(DType t, int64_t rows, int64_t cols, std::mt19937* rng) {
  Matrix m;
  m.bytes = RandomRow(t, rows * cols, rng);
  m.view = {t, m.bytes.data(), rows, cols, *RowBytes(t, cols)};
  return m;
}

// Checks y against DotRow per row: equal for batch 1, within float rounding
// of the dequantized dot otherwise.
void CheckMatMul(const Matrix& m, int64_t batch, ThreadPool* pool, std::mt19937* rng) {
  const MatrixView& w = m.view;
  const auto x = RandomFloats(batch * w.cols, rng);
  std::vector<float> y(static_cast<size_t>(batch * w.rows) + 1, -7.0f);
  MatMul(w, x.data(), batch, y.data(), pool);
  ASSERT_EQ(y.back(), -7.0f) << "wrote past the end";
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t r = 0; r < w.rows; ++r) {
      const uint8_t* row = m.bytes.data() + r * w.row_bytes;
      const float* xb = x.data() + b * w.cols;
      const float want = DotRow(w.type, row, xb, w.cols);
      const float got = y[static_cast<size_t>(b * w.rows + r)];
      if (batch == 1) {
        ASSERT_EQ(got, want) << "row " << r;
      } else {
        double abs = 0.0;
        for (int64_t k = 0; k < w.cols; ++k)
          abs += std::fabs(double{SpecElement(w.type, row, k)} * xb[k]);
        ASSERT_NEAR(got, want, 1e-5 * abs + 1e-30) << "batch " << b << " row " << r;
      }
    }
  }
}

TEST(MatMulTest, AllTypesBatchesThreadCounts) {
  std::mt19937 rng(31);
  for (int threads = 1; threads <= 4; ++threads) {
    ThreadPool pool(threads);
    for (DType t : kAllTypes) {
      SCOPED_TRACE(DTypeName(t));
      const int64_t cols = BlockElements(t) == 256 ? 512 : (BlockElements(t) == 1 ? 67 : 96);
      for (int64_t rows : {1, 7, 33}) {
        const Matrix m = RandomMatrix(t, rows, cols, &rng);
        for (int64_t batch = 1; batch <= 9; ++batch) {
          SCOPED_TRACE(::testing::Message()
                       << threads << " threads, " << rows << " rows, batch " << batch);
          CheckMatMul(m, batch, &pool, &rng);
        }
      }
    }
  }
}

TEST(MatMulTest, ManyRowTilesAndNoPool) {
  // 4096 columns make row tiles of a few rows, so chunks hold several tiles.
  std::mt19937 rng(32);
  ThreadPool pool(3);
  for (DType t : {DType::kF32, DType::kQ4_K, DType::kQ8_0}) {
    SCOPED_TRACE(DTypeName(t));
    const Matrix m = RandomMatrix(t, 45, 4096, &rng);
    CheckMatMul(m, 1, &pool, &rng);
    CheckMatMul(m, 5, &pool, &rng);
    CheckMatMul(m, 3, nullptr, &rng);
  }
}

TEST(MatMulTest, UnalignedFloatWeights) {
  std::mt19937 rng(34);
  ThreadPool pool(2);
  Matrix m = RandomMatrix(DType::kF32, 13, 40, &rng);
  std::vector<uint8_t> shifted(m.bytes.size() + 1);
  std::memcpy(shifted.data() + 1, m.bytes.data(), m.bytes.size());
  m.bytes = std::move(shifted);
  m.view.data = m.bytes.data() + 1;
  for (int64_t batch : {1, 3}) {
    const auto x = RandomFloats(batch * 40, &rng);
    std::vector<float> y(static_cast<size_t>(batch * 13));
    MatMul(m.view, x.data(), batch, y.data(), &pool);
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t r = 0; r < 13; ++r) {
        const float want =
            DotRowReference(DType::kF32, m.bytes.data() + 1 + r * 160, x.data() + b * 40, 40);
        ASSERT_NEAR(y[static_cast<size_t>(b * 13 + r)], want, 1e-5) << b << " " << r;
      }
    }
  }
}

TEST(MatMulTest, ScalarPath) {
  internal::SetSimdEnabledForTesting(false);
  std::mt19937 rng(33);
  ThreadPool pool(2);
  for (DType t : kAllTypes) {
    const Matrix m = RandomMatrix(t, 9, BlockElements(t) == 256 ? 256 : 64, &rng);
    CheckMatMul(m, 1, &pool, &rng);
    CheckMatMul(m, 4, &pool, &rng);
  }
  internal::SetSimdEnabledForTesting(true);
}

TEST(MatMulTest, EmptyShapesDoNothing) {
  std::vector<float> y = {5.0f};
  const MatrixView empty{DType::kF32, nullptr, 0, 16, 64};
  MatMul(empty, nullptr, 3, y.data(), nullptr);
  const float w[4] = {1, 2, 3, 4};
  const MatrixView one{DType::kF32, w, 1, 4, 16};
  MatMul(one, nullptr, 0, y.data(), nullptr);
  EXPECT_EQ(y[0], 5.0f);
}

}  // namespace
}  // namespace sextant::kernels::cpu
