// The CUDA GEMV against the CPU MatMul, and the host repack.
#include <gtest/gtest.h>

#include <algorithm>
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
#include "kernels/cuda/internal/gemv_layout.h"

namespace sextant::kernels::cuda {
namespace {

using cpu::testing::RandomFloats;
using testing::kF32Tolerance;
using testing::PoisonedFloats;
using testing::RandomMatrix;
using testing::RelError;
using testing::ToDevice;
using testing::ToHost;

struct Shape {
  int64_t rows;
  int64_t cols;
};

// 9,001 x 4,096 takes more than one wave of GEMV blocks on an H100 or H200
// and ends in a block with one row.
std::vector<Shape> ShapesFor(DType t) {
  if (BlockElements(t) == cpu::internal::kQkK) {
    return {{1, 256}, {37, 4096}, {67, 4864}, {131, 14336}, {4, 512}, {9001, 4096}};
  }
  return {{1, 32}, {5, 896}, {33, 4864}, {129, 4096}, {7, 14336}, {3, 64}, {9001, 4096}};
}

// Every shape of t against the CPU MatMul at every batch; with int8, x goes
// through QuantizeX and the GEMV's integer path.
void ExpectGemvMatchesCpu(DType t, bool int8, double tolerance) {
  std::mt19937 rng(static_cast<uint32_t>(t) * 31 + (int8 ? 2 : 1));
  for (const Shape& s : ShapesFor(t)) {
    // One shape with padded rows, to test the repack's row stride.
    const int64_t row_bytes = *RowBytes(t, s.cols) + (s.rows == 5 || s.rows == 37 ? 64 : 0);
    const std::vector<uint8_t> host = RandomMatrix(t, s.rows, s.cols, row_bytes, &rng);
    DeviceBuffer d_w;
    GemvWeights w;
    const Status up = UploadGemvWeights(t, host.data(), s.rows, s.cols, row_bytes, &d_w, &w);
    ASSERT_TRUE(up.ok()) << up.ToString();
    const std::vector<float> x = RandomFloats(kMaxGemvBatch * s.cols, &rng);
    std::vector<float> ref(static_cast<size_t>(kMaxGemvBatch * s.rows));
    const cpu::MatrixView view{t, host.data(), s.rows, s.cols, row_bytes};
    cpu::MatMul(view, x.data(), kMaxGemvBatch, ref.data(), nullptr);
    DeviceBuffer d_x = ToDevice(x);
    DeviceBuffer d_xq;
    if (int8) {
      auto xq = DeviceBuffer::Allocate(kMaxGemvBatch * QuantizedXRowBytes(s.cols));
      ASSERT_TRUE(xq.ok());
      d_xq = std::move(xq).value();
      ASSERT_TRUE(QuantizeX(d_x.as<float>(), kMaxGemvBatch, s.cols, d_xq.data(), nullptr).ok());
    }
    double max_err = 0.0;
    for (int64_t batch = 1; batch <= kMaxGemvBatch; ++batch) {
      DeviceBuffer d_y = PoisonedFloats(kMaxGemvBatch * s.rows);
      GemvParams p;
      p.w = w;
      p.x = d_x.as<float>();
      p.xq = int8 ? d_xq.data() : nullptr;
      p.y = d_y.as<float>();
      p.batch = batch;
      const Status st = GemvRun(p, nullptr);
      ASSERT_TRUE(st.ok()) << st.ToString();
      ASSERT_TRUE(Synchronize(nullptr).ok());
      std::vector<float> out = ToHost(d_y, kMaxGemvBatch * s.rows);
      // Rows past the batch stay poisoned.
      for (int64_t i = batch * s.rows; i < kMaxGemvBatch * s.rows; ++i) {
        ASSERT_TRUE(std::isnan(out[static_cast<size_t>(i)])) << "wrote past the batch";
      }
      out.resize(static_cast<size_t>(batch * s.rows));
      const std::vector<float> want(ref.begin(), ref.begin() + batch * s.rows);
      const double err = RelError(out, want);
      EXPECT_LT(err, tolerance) << DTypeName(t) << " " << s.rows << "x" << s.cols << " batch "
                                << batch;
      max_err = std::max(max_err, err);
    }
    // int8 activations cannot come out as exact as float32 ones: proof that
    // the integer path ran.
    if (int8) {
      EXPECT_GT(max_err, 1e-4) << "the int8 path did not run";
    }
  }
}

class GemvTest : public ::testing::TestWithParam<DType> {};

TEST_P(GemvTest, MatchesCpuMatMulForEveryBatch) {
  SEXTANT_SKIP_WITHOUT_GPU();
  ExpectGemvMatchesCpu(GetParam(), false, kF32Tolerance);
}

// int8 activations round each value to 1/254 of its block's largest: about
// 5e-3 relative error on random inputs, under 1e-2 on every shape.
class GemvInt8Test : public ::testing::TestWithParam<DType> {};

TEST_P(GemvInt8Test, QuantizedXMatchesCpuMatMul) {
  SEXTANT_SKIP_WITHOUT_GPU();
  ASSERT_TRUE(GemvTakesQuantizedX(GetParam()));
  ExpectGemvMatchesCpu(GetParam(), true, 1e-2);
}

INSTANTIATE_TEST_SUITE_P(Types, GemvInt8Test,
                         ::testing::Values(DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K),
                         [](const auto& type_info) {
                           return std::string(DTypeName(type_info.param));
                         });

// Types without an int8 path ignore xq and stay exact.
TEST(GemvInt8OffTest, OtherTypesIgnoreQuantizedX) {
  SEXTANT_SKIP_WITHOUT_GPU();
  EXPECT_FALSE(GemvTakesQuantizedX(DType::kF16));
  std::mt19937 rng(5);
  constexpr int64_t kRows = 9;
  constexpr int64_t kCols = 256;
  const int64_t row_bytes = *RowBytes(DType::kF16, kCols);
  const std::vector<uint8_t> host = RandomMatrix(DType::kF16, kRows, kCols, row_bytes, &rng);
  DeviceBuffer d_w;
  GemvWeights w;
  ASSERT_TRUE(UploadGemvWeights(DType::kF16, host.data(), kRows, kCols, row_bytes, &d_w, &w).ok());
  const std::vector<float> x = RandomFloats(kCols, &rng);
  std::vector<float> ref(kRows);
  cpu::MatMul({DType::kF16, host.data(), kRows, kCols, row_bytes}, x.data(), 1, ref.data(),
              nullptr);
  DeviceBuffer d_x = ToDevice(x);
  DeviceBuffer d_xq = PoisonedFloats(QuantizedXRowBytes(kCols) / 4);
  DeviceBuffer d_y = PoisonedFloats(kRows);
  GemvParams p;
  p.w = w;
  p.x = d_x.as<float>();
  p.xq = d_xq.data();  // poison: read, it would give NaN
  p.y = d_y.as<float>();
  ASSERT_TRUE(GemvRun(p, nullptr).ok());
  ASSERT_TRUE(Synchronize(nullptr).ok());
  EXPECT_LT(RelError(ToHost(d_y, kRows), ref), kF32Tolerance);
}

// Each value comes back within half a step of its block's scale; the pair's
// s is the block's sum; a zero block has d = 0 and a block with NaN has d NaN.
TEST(QuantizeXTest, RoundsEachBlockToItsOwnScale) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  constexpr int64_t kBatch = 3;
  constexpr int64_t kCols = 288;  // 9 blocks: not a multiple of 256
  std::vector<float> x = RandomFloats(kBatch * kCols, &rng);
  for (int64_t i = 0; i < kCols; ++i) x[static_cast<size_t>(i)] *= 100.0f;     // row 0 larger
  for (int64_t i = 32; i < 64; ++i) x[static_cast<size_t>(kCols + i)] = 0.0f;  // row 1 block 1
  x[static_cast<size_t>(2 * kCols + 70)] = NAN;                                // row 2 block 2
  DeviceBuffer d_x = ToDevice(x);
  const int64_t row_bytes = QuantizedXRowBytes(kCols);
  EXPECT_EQ(row_bytes % 16, 0);
  DeviceBuffer d_xq = PoisonedFloats(kBatch * row_bytes / 4);
  ASSERT_TRUE(QuantizeX(d_x.as<float>(), kBatch, kCols, d_xq.data(), nullptr).ok());
  ASSERT_TRUE(Synchronize(nullptr).ok());
  std::vector<uint8_t> xq(static_cast<size_t>(kBatch * row_bytes));
  ASSERT_TRUE(d_xq.CopyToHost(xq.data(), static_cast<int64_t>(xq.size())).ok());
  for (int64_t b = 0; b < kBatch; ++b) {
    const uint8_t* row = xq.data() + b * row_bytes;
    for (int64_t blk = 0; blk < kCols / kQuantizedXBlock; ++blk) {
      float ds[2];
      std::memcpy(ds, row + kCols + 8 * blk, sizeof(ds));
      const float* xb = x.data() + b * kCols + blk * kQuantizedXBlock;
      if (b == 2 && blk == 2) {
        EXPECT_TRUE(std::isnan(ds[0])) << "NaN must reach d";
        continue;
      }
      float amax = 0.0f;
      double sum = 0.0;
      for (int i = 0; i < kQuantizedXBlock; ++i) {
        amax = std::max(amax, std::fabs(xb[i]));
        sum += xb[i];
      }
      EXPECT_FLOAT_EQ(ds[0], amax / 127.0f) << b << " " << blk;
      EXPECT_NEAR(ds[1], sum, 1e-5 * (1.0 + amax * kQuantizedXBlock));
      for (int i = 0; i < kQuantizedXBlock; ++i) {
        const auto q = static_cast<int8_t>(row[blk * kQuantizedXBlock + i]);
        EXPECT_LE(std::fabs(ds[0] * q - xb[i]), 0.5001f * ds[0] + 1e-30f)
            << b << " " << blk << " " << i;
      }
    }
  }
}

TEST(QuantizeXTest, RejectsBadArguments) {
  SEXTANT_SKIP_WITHOUT_GPU();
  auto buf = DeviceBuffer::Allocate(4096);
  ASSERT_TRUE(buf.ok());
  float* x = buf->as<float>();
  void* xq = buf->as<float>() + 512;
  EXPECT_EQ(QuantizeX(x, 1, 48, xq, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QuantizeX(x, 0, 32, xq, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QuantizeX(nullptr, 1, 32, xq, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QuantizeX(x + 1, 1, 32, xq, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(QuantizeX(x, 1, 32, xq, nullptr).ok());
  EXPECT_TRUE(Synchronize(nullptr).ok());
}

INSTANTIATE_TEST_SUITE_P(Types, GemvTest,
                         ::testing::Values(DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K,
                                           DType::kBF16, DType::kF16),
                         [](const auto& type_info) {
                           return std::string(DTypeName(type_info.param));
                         });

TEST(GemvShapeTest, ChecksTypesAndShapes) {
  EXPECT_TRUE(GemvSupports(DType::kQ4_K));
  EXPECT_FALSE(GemvSupports(DType::kQ4_1));
  EXPECT_FALSE(GemvSupports(DType::kF32));
  EXPECT_EQ(GemvLayoutBytes(DType::kQ5_0, 4, 32).status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(GemvLayoutBytes(DType::kQ8_0, 4, 48).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GemvLayoutBytes(DType::kQ4_K, 4, 896).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GemvLayoutBytes(DType::kF16, 4, 12).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GemvLayoutBytes(DType::kBF16, 0, 16).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GemvLayoutBytes(DType::kBF16, int64_t{1} << 40, 4096).status().code(),
            StatusCode::kInvalidArgument);
  auto bytes = GemvLayoutBytes(DType::kF16, 3, 8);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, 3 * 8 * 2);
}

TEST(GemvShapeTest, RepackRejectsShortRows) {
  std::vector<uint8_t> src(64 * 34);
  std::vector<uint8_t> dst;
  EXPECT_EQ(RepackForGemv(DType::kQ8_0, src.data(), 2, 64, 67, &dst).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RepackForGemv(DType::kQ8_0, nullptr, 2, 64, 68, &dst).code(),
            StatusCode::kInvalidArgument);
}

// Reads the repacked layout back into GGUF blocks, byte for byte.
TEST(GemvShapeTest, RepackKeepsEveryByte) {
  std::mt19937 rng(9);
  for (const DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ6_K, DType::kQ4_K, DType::kF16}) {
    constexpr int64_t kRows = 3;
    constexpr int64_t kCols = 512;
    const int64_t row_bytes = *RowBytes(t, kCols);
    const std::vector<uint8_t> src = RandomMatrix(t, kRows, kCols, row_bytes, &rng);
    std::vector<uint8_t> dst;
    ASSERT_TRUE(RepackForGemv(t, src.data(), kRows, kCols, row_bytes, &dst).ok());
    const auto layout = internal::MakeGemvLayout(t, kRows, kCols);
    ASSERT_EQ(static_cast<int64_t>(dst.size()), layout.total);
    const int64_t n_blocks = kCols / BlockElements(t);
    const int64_t block_bytes = BlockBytes(t);
    for (int64_t r = 0; r < kRows; ++r) {
      for (int64_t b = 0; b < n_blocks; ++b) {
        std::vector<uint8_t> block(static_cast<size_t>(block_bytes));
        const uint8_t* q = dst.data() + r * layout.quant_bytes_per_row;
        if (t == DType::kQ8_0 || t == DType::kQ4_0) {
          const int64_t qs = block_bytes - 2;
          std::memcpy(block.data(), dst.data() + layout.scale_offset + (r * n_blocks + b) * 2, 2);
          std::memcpy(block.data() + 2, q + b * qs, static_cast<size_t>(qs));
        } else if (t == DType::kQ6_K) {
          std::memcpy(block.data(), q + b * internal::kQ6KPackedQuantBytes,
                      internal::kQ6KPackedQuantBytes);
          std::memcpy(block.data() + cpu::internal::kQ6_KScales,
                      dst.data() + layout.scale_offset + (r * n_blocks + b) * 16, 16);
          std::memcpy(block.data() + cpu::internal::kQ6_KD,
                      dst.data() + layout.d_offset + (r * n_blocks + b) * 2, 2);
        } else {
          std::memcpy(block.data(), q + b * block_bytes, static_cast<size_t>(block_bytes));
        }
        ASSERT_EQ(std::memcmp(block.data(), src.data() + r * row_bytes + b * block_bytes,
                              static_cast<size_t>(block_bytes)),
                  0)
            << DTypeName(t) << " row " << r << " block " << b;
      }
    }
  }
}

TEST(GemvRunTest, RejectsBadArguments) {
  SEXTANT_SKIP_WITHOUT_GPU();
  auto w_buf = DeviceBuffer::Allocate(4096);
  auto x_buf = DeviceBuffer::Allocate(4096);
  ASSERT_TRUE(w_buf.ok() && x_buf.ok());
  GemvParams p;
  p.w = {DType::kQ8_0, w_buf->data(), 2, 64};
  p.x = x_buf->as<float>();
  p.y = x_buf->as<float>() + 512;
  p.batch = 0;
  EXPECT_EQ(GemvRun(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.batch = kMaxGemvBatch + 1;
  EXPECT_EQ(GemvRun(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.batch = 1;
  p.x = x_buf->as<float>() + 1;
  EXPECT_EQ(GemvRun(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.x = nullptr;
  EXPECT_EQ(GemvRun(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.x = x_buf->as<float>();
  p.w.type = DType::kQ5_1;
  EXPECT_EQ(GemvRun(p, nullptr).code(), StatusCode::kUnimplemented);
  p.w.type = DType::kQ8_0;
  EXPECT_TRUE(GemvRun(p, nullptr).ok());
  EXPECT_TRUE(Synchronize(nullptr).ok());
}

// A group of three matrices in one launch gives each exactly what its own
// GemvRun gives, on both the float32 and the int8 path and at batch 1 and 5.
TEST(GemvGroupTest, EqualsOneLaunchPerMatrix) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(21);
  constexpr int64_t kCols = 1024;
  constexpr int64_t kRows[] = {64, 7, 33};
  for (const DType t : {DType::kQ4_K, DType::kQ8_0, DType::kBF16}) {
    DeviceBuffer bufs[3];
    GemvParams ps[3];
    constexpr int64_t kBatch = 5;
    const DeviceBuffer d_x = ToDevice(RandomFloats(kBatch * kCols, &rng));
    auto xq = DeviceBuffer::Allocate(kBatch * QuantizedXRowBytes(kCols));
    ASSERT_TRUE(xq.ok());
    ASSERT_TRUE(QuantizeX(d_x.as<float>(), kBatch, kCols, xq->data(), nullptr).ok());
    std::vector<DeviceBuffer> outs;
    for (int m = 0; m < 3; ++m) {
      const int64_t row_bytes = *RowBytes(t, kCols);
      const std::vector<uint8_t> host = RandomMatrix(t, kRows[m], kCols, row_bytes, &rng);
      ASSERT_TRUE(
          UploadGemvWeights(t, host.data(), kRows[m], kCols, row_bytes, &bufs[m], &ps[m].w).ok());
      ps[m].x = d_x.as<float>();
      outs.push_back(PoisonedFloats(kBatch * kRows[m]));
    }
    for (const bool int8 : {false, true}) {
      for (const int64_t batch : {int64_t{1}, kBatch}) {
        std::vector<std::vector<float>> want;
        for (int m = 0; m < 3; ++m) {
          ps[m].xq = int8 ? xq->data() : nullptr;
          ps[m].batch = batch;
          ps[m].y = outs[static_cast<size_t>(m)].as<float>();
          ASSERT_TRUE(GemvRun(ps[m], nullptr).ok());
          want.push_back(ToHost(outs[static_cast<size_t>(m)], batch * kRows[m]));
          ASSERT_TRUE(outs[static_cast<size_t>(m)].Fill(0xFF).ok());
        }
        ASSERT_TRUE(GemvRunGroup(ps, 3, nullptr).ok());
        for (int m = 0; m < 3; ++m) {
          EXPECT_EQ(ToHost(outs[static_cast<size_t>(m)], batch * kRows[m]),
                    want[static_cast<size_t>(m)])
              << DTypeName(t) << " int8 " << int8 << " batch " << batch << " matrix " << m;
        }
      }
    }
    // Mixed inputs or types are refused.
    GemvParams mixed[2] = {ps[0], ps[1]};
    mixed[1].batch = 1;
    mixed[0].batch = 2;
    EXPECT_EQ(GemvRunGroup(mixed, 2, nullptr).code(), StatusCode::kInvalidArgument);
    mixed[0].batch = 1;
    mixed[1].w.type = t == DType::kBF16 ? DType::kF16 : DType::kBF16;
    EXPECT_EQ(GemvRunGroup(mixed, 2, nullptr).code(), StatusCode::kInvalidArgument);
  }
  GemvParams none[4];
  EXPECT_EQ(GemvRunGroup(none, 0, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GemvRunGroup(none, 4, nullptr).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::kernels::cuda
