// The integer tensor-core GEMM against the CPU MatMul (float activations)
// and against the int8 GEMV on the same quantized activations.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/internal/blocks.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant_test_util.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/cuda_test_util.h"

namespace sextant::kernels::cuda {
namespace {

using cpu::testing::RandomFloats;
using testing::PoisonedFloats;
using testing::RandomMatrix;
using testing::RelError;
using testing::ToDevice;
using testing::ToHost;

struct Shape {
  int64_t rows;
  int64_t cols;
};

// Odd row counts leave partial 64-row tiles; few rows make the kernel split
// the columns among blocks; 896 and 4864 columns end in a partial chunk.
std::vector<Shape> ShapesFor(DType t) {
  if (BlockElements(t) == cpu::internal::kQkK) {
    return {{1, 256}, {72, 4096}, {131, 768}, {1000, 512}, {64, 14336}};
  }
  return {{1, 32}, {70, 896}, {129, 4864}, {1000, 256}, {64, 4096}};
}

struct Uploaded {
  std::vector<uint8_t> host;
  DeviceBuffer buffer;
  GemvWeights w;
};

Uploaded RandomWeights(DType t, const Shape& s, std::mt19937* rng) {
  Uploaded u;
  const int64_t row_bytes = *RowBytes(t, s.cols);
  u.host = RandomMatrix(t, s.rows, s.cols, row_bytes, rng);
  const Status st = UploadGemvWeights(t, u.host.data(), s.rows, s.cols, row_bytes, &u.buffer, &u.w);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return u;
}

DeviceBuffer Quantized(const DeviceBuffer& x, int64_t n, int64_t cols) {
  auto xq = DeviceBuffer::Allocate(n * QuantizedXRowBytes(cols));
  EXPECT_TRUE(xq.ok());
  EXPECT_TRUE(QuantizeX(x.as<float>(), n, cols, xq->data(), nullptr).ok());
  return std::move(xq).value();
}

// The int8 GEMV over the same quantized rows, 8 at a time.
std::vector<float> GemvInt8(const GemvWeights& w, const DeviceBuffer& x, const DeviceBuffer& xq,
                            int64_t n) {
  DeviceBuffer y = PoisonedFloats(n * w.rows);
  for (int64_t b = 0; b < n; b += kMaxGemvBatch) {
    GemvParams p;
    p.w = w;
    p.x = x.as<float>() + b * w.cols;
    p.xq = xq.as<uint8_t>() + b * QuantizedXRowBytes(w.cols);
    p.y = y.as<float>() + b * w.rows;
    p.batch = std::min(kMaxGemvBatch, n - b);
    EXPECT_TRUE(GemvRun(p, nullptr).ok());
  }
  EXPECT_TRUE(Synchronize(nullptr).ok());
  return ToHost(y, n * w.rows);
}

class Int8GemmTest : public ::testing::TestWithParam<DType> {};

TEST_P(Int8GemmTest, MatchesCpuAndTheInt8Gemv) {
  SEXTANT_SKIP_WITHOUT_GPU();
  const DType t = GetParam();
  auto gemm = Int8Gemm::Create();
  ASSERT_TRUE(gemm.ok()) << gemm.status().ToString();
  std::mt19937 rng(static_cast<uint32_t>(t) * 17 + 3);
  constexpr int64_t kMaxN = 100;
  for (const Shape& s : ShapesFor(t)) {
    Uploaded u = RandomWeights(t, s, &rng);
    const std::vector<float> x = RandomFloats(kMaxN * s.cols, &rng);
    std::vector<float> ref(static_cast<size_t>(kMaxN * s.rows));
    const cpu::MatrixView view{t, u.host.data(), s.rows, s.cols, *RowBytes(t, s.cols)};
    cpu::MatMul(view, x.data(), kMaxN, ref.data(), nullptr);
    const DeviceBuffer d_x = ToDevice(x);
    const DeviceBuffer d_xq = Quantized(d_x, kMaxN, s.cols);
    const std::vector<float> gemv = GemvInt8(u.w, d_x, d_xq, kMaxN);
    for (const int64_t n : {9, 16, 17, 32, 33, 100}) {
      const std::string where = std::string(DTypeName(t)) + " " + std::to_string(s.rows) + "x" +
                                std::to_string(s.cols) + " n " + std::to_string(n);
      DeviceBuffer d_y = PoisonedFloats(kMaxN * s.rows);
      const Status st = (*gemm)->Run(u.w, d_xq.data(), n, d_y.as<float>(), nullptr);
      ASSERT_TRUE(st.ok()) << st.ToString();
      ASSERT_TRUE(Synchronize(nullptr).ok());
      std::vector<float> out = ToHost(d_y, kMaxN * s.rows);
      for (int64_t i = n * s.rows; i < kMaxN * s.rows; ++i) {
        ASSERT_TRUE(std::isnan(out[static_cast<size_t>(i)])) << where << ": wrote past n";
      }
      out.resize(static_cast<size_t>(n * s.rows));
      const std::vector<float> want(ref.begin(), ref.begin() + n * s.rows);
      EXPECT_LT(RelError(out, want), 1e-2) << where;
      // The same integer sums as the GEMV; only the float order differs.
      const std::vector<float> same(gemv.begin(), gemv.begin() + n * s.rows);
      EXPECT_LT(RelError(out, same), 1e-5) << where;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Int8GemmTest,
                         ::testing::Values(DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K),
                         [](const auto& type_info) {
                           return std::string(DTypeName(type_info.param));
                         });

// Split tiles are summed in a fixed order: repeated runs agree bit for bit.
TEST(Int8GemmDeterminismTest, RepeatedRunsAreIdentical) {
  SEXTANT_SKIP_WITHOUT_GPU();
  auto gemm = Int8Gemm::Create();
  ASSERT_TRUE(gemm.ok());
  std::mt19937 rng(11);
  const Shape s{96, 14336};  // two row tiles: split many ways
  Uploaded u = RandomWeights(DType::kQ4_K, s, &rng);
  constexpr int64_t kN = 24;
  const DeviceBuffer d_x = ToDevice(RandomFloats(kN * s.cols, &rng));
  const DeviceBuffer d_xq = Quantized(d_x, kN, s.cols);
  std::vector<float> first;
  for (int run = 0; run < 5; ++run) {
    DeviceBuffer d_y = PoisonedFloats(kN * s.rows);
    ASSERT_TRUE((*gemm)->Run(u.w, d_xq.data(), kN, d_y.as<float>(), nullptr).ok());
    ASSERT_TRUE(Synchronize(nullptr).ok());
    const std::vector<float> out = ToHost(d_y, kN * s.rows);
    if (run == 0) {
      first = out;
    } else {
      ASSERT_EQ(std::memcmp(out.data(), first.data(), out.size() * sizeof(float)), 0) << run;
    }
  }
}

TEST(Int8GemmArgsTest, RejectsOtherTypesAndBadArguments) {
  SEXTANT_SKIP_WITHOUT_GPU();
  auto gemm = Int8Gemm::Create();
  ASSERT_TRUE(gemm.ok());
  DeviceBuffer buf = PoisonedFloats(1 << 16);
  GemvWeights w{DType::kBF16, buf.data(), 16, 256};
  EXPECT_EQ((*gemm)->Run(w, buf.data(), 16, buf.as<float>(), nullptr).code(),
            StatusCode::kUnimplemented);
  w.type = DType::kQ8_0;
  EXPECT_EQ((*gemm)->Run(w, buf.data(), 0, buf.as<float>(), nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*gemm)->Run(w, nullptr, 16, buf.as<float>(), nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*gemm)->Run(w, buf.as<uint8_t>() + 4, 16, buf.as<float>(), nullptr).code(),
            StatusCode::kInvalidArgument);
  w.cols = 100;  // not a multiple of 32
  EXPECT_NE((*gemm)->Run(w, buf.data(), 16, buf.as<float>(), nullptr).code(), StatusCode::kOk);
}

}  // namespace
}  // namespace sextant::kernels::cuda
