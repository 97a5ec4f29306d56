// The prefill GEMM (dequantize to fp16, then cuBLAS) against the CPU MatMul,
// and the half-precision dequantization against the CPU DequantizeRow.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/internal/blocks.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/quant_test_util.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/cuda_test_util.h"

namespace sextant::kernels::cuda {
namespace {

using cpu::testing::RandomFloats;
using cpu::testing::RandomRow;
using testing::PoisonedFloats;
using testing::RelError;
using testing::ToDevice;
using testing::ToHost;

// Half-precision operands with float32 sums: bf16 (BF16 weights) a few
// parts in a thousand, fp16 (every other type) well under one.
constexpr double kBf16Tolerance = 1e-2;
constexpr double kF16Tolerance = 2e-3;

struct Upload {
  std::vector<uint8_t> host;  // GGUF rows
  DeviceBuffer buffer;
  GemvWeights w;
};

Upload RandomWeights(DType t, int64_t rows, int64_t cols, std::mt19937* rng) {
  Upload u;
  const int64_t row_bytes = *RowBytes(t, cols);
  u.host.resize(static_cast<size_t>(rows * row_bytes));
  for (int64_t r = 0; r < rows; ++r) {
    const auto row = RandomRow(t, cols, rng);
    std::memcpy(u.host.data() + r * row_bytes, row.data(), row.size());
  }
  const Status st = UploadGemvWeights(t, u.host.data(), rows, cols, row_bytes, &u.buffer, &u.w);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return u;
}

class GemmTest : public ::testing::TestWithParam<DType> {};

TEST_P(GemmTest, MatchesCpuMatMul) {
  SEXTANT_SKIP_WITHOUT_GPU();
  const DType t = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(t) * 17 + 3);
  const bool k_quant = BlockElements(t) == cpu::internal::kQkK;
  const std::vector<std::pair<int64_t, int64_t>> shapes =
      k_quant ? std::vector<std::pair<int64_t, int64_t>>{{37, 4096}, {300, 768}, {1, 256}}
              : std::vector<std::pair<int64_t, int64_t>>{{37, 4096}, {300, 896}, {1, 32}};
  auto gemm = Gemm::Create(nullptr, 70, 4096);
  ASSERT_TRUE(gemm.ok()) << gemm.status().ToString();
  for (const auto& [rows, cols] : shapes) {
    const Upload u = RandomWeights(t, rows, cols, &rng);
    for (const int64_t batch : {1, 9, 70}) {
      const std::vector<float> x = RandomFloats(batch * cols, &rng);
      std::vector<float> ref(static_cast<size_t>(batch * rows));
      const cpu::MatrixView view{t, u.host.data(), rows, cols, *RowBytes(t, cols)};
      cpu::MatMul(view, x.data(), batch, ref.data(), nullptr);
      DeviceBuffer d_x = ToDevice(x);
      DeviceBuffer d_y = PoisonedFloats(batch * rows);
      const Status st = (*gemm)->Run(u.w, d_x.as<float>(), batch, d_y.as<float>());
      ASSERT_TRUE(st.ok()) << st.ToString();
      ASSERT_TRUE(Synchronize(nullptr).ok());
      EXPECT_LT(RelError(ToHost(d_y, batch * rows), ref),
                t == DType::kBF16 ? kBf16Tolerance : kF16Tolerance)
          << DTypeName(t) << " " << rows << "x" << cols << " batch " << batch;
    }
  }
}

TEST_P(GemmTest, DequantizesToTheNearestHalf) {
  SEXTANT_SKIP_WITHOUT_GPU();
  const DType t = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(t) * 5 + 1);
  const int64_t rows = 9;
  const int64_t cols = 512;
  const Upload u = RandomWeights(t, rows, cols, &rng);
  std::vector<float> ref(static_cast<size_t>(cols));
  const int64_t row_bytes = *RowBytes(t, cols);
  for (const bool bf16 : {false, true}) {
    auto out = DeviceBuffer::Allocate(rows * cols * 2);
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE(out->Fill(testing::kPoison).ok());
    // Rows 2..8 only: the offset must be honoured.
    ASSERT_TRUE(DequantizeToHalf(u.w, 2, rows - 2, bf16, out->as<uint16_t>(), nullptr).ok());
    std::vector<uint16_t> bits(static_cast<size_t>(rows * cols));
    ASSERT_TRUE(out->CopyToHost(bits.data(), static_cast<int64_t>(bits.size() * 2)).ok());
    // One step of the half type: scale * q - min may round in another order.
    const float step = bf16 ? 1.0f / 128 : 1.0f / 1024;
    for (int64_t r = 2; r < rows; ++r) {
      cpu::DequantizeRow(t, u.host.data() + r * row_bytes, ref.data(), cols);
      for (int64_t i = 0; i < cols; ++i) {
        const uint16_t b = bits[static_cast<size_t>((r - 2) * cols + i)];
        const float got = bf16 ? cpu::Bf16ToFp32(b) : cpu::Fp16ToFp32(b);
        const float want = ref[static_cast<size_t>(i)];
        EXPECT_NEAR(got, want, std::abs(want) * step + 1e-7f)
            << DTypeName(t) << (bf16 ? " bf16" : " fp16") << " row " << r << " col " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, GemmTest,
                         ::testing::Values(DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K,
                                           DType::kBF16, DType::kF16),
                         [](const auto& type_info) {
                           return std::string(DTypeName(type_info.param));
                         });

TEST(GemmShapeTest, RejectsWorkPastItsScratch) {
  SEXTANT_SKIP_WITHOUT_GPU();
  auto gemm = Gemm::Create(nullptr, 4, 64);
  ASSERT_TRUE(gemm.ok()) << gemm.status().ToString();
  std::mt19937 rng(1);
  const Upload u = RandomWeights(DType::kQ8_0, 8, 128, &rng);
  DeviceBuffer buf = PoisonedFloats(8 * 128);
  EXPECT_EQ((*gemm)->Run(u.w, buf.as<float>(), 1, buf.as<float>()).code(),
            StatusCode::kInvalidArgument);  // 128 columns > 64
  EXPECT_EQ(Gemm::Create(nullptr, 0, 64).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DequantizeToHalf(u.w, 5, 4, false, buf.as<uint16_t>(), nullptr).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::kernels::cuda
