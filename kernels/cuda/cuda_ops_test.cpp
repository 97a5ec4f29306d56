// The CUDA row and element-wise ops against the CPU reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/quant_test_util.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/cuda_test_util.h"

namespace sextant::kernels::cuda {
namespace {

using cpu::testing::RandomFloats;
using cpu::testing::RandomRow;
using testing::Bytes;
using testing::kF32Tolerance;
using testing::PoisonedFloats;
using testing::QuantizedBytes;
using testing::RelError;
using testing::ToDevice;
using testing::ToHost;

TEST(DeviceBufferTest, RejectsNonPositiveSize) {
  EXPECT_EQ(DeviceBuffer::Allocate(0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DeviceBuffer::Allocate(-4).status().code(), StatusCode::kInvalidArgument);
}

TEST(DeviceBufferTest, RoundTripsAndRejectsCopiesPastTheEnd) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(1);
  const std::vector<float> host = RandomFloats(100, &rng);
  DeviceBuffer buffer = ToDevice(host);
  EXPECT_EQ(ToHost(buffer, 100), host);
  std::vector<float> big(101);
  EXPECT_EQ(buffer.CopyToHost(big.data(), 404).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(buffer.CopyFromHost(big.data(), 404).code(), StatusCode::kOutOfRange);
  DeviceBuffer moved = std::move(buffer);
  EXPECT_EQ(buffer.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved.bytes(), 400);
}

TEST(DeviceTest, DescribesTheDevice) {
  SEXTANT_SKIP_WITHOUT_GPU();
  auto text = DeviceDescription();
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_FALSE(text->empty());
}

class EmbeddingTest : public ::testing::TestWithParam<DType> {};

TEST_P(EmbeddingTest, MatchesDequantizeRowExactly) {
  SEXTANT_SKIP_WITHOUT_GPU();
  const DType t = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(t) + 7);
  for (const int64_t cols : {256, 4096}) {
    constexpr int64_t kRows = 9;
    const int64_t row_bytes = *RowBytes(t, cols);
    std::vector<uint8_t> table;
    for (int64_t r = 0; r < kRows; ++r) {
      const auto row = RandomRow(t, cols, &rng);
      table.insert(table.end(), row.begin(), row.end());
    }
    const std::vector<int32_t> ids = {3, 0, 8, 3, kRows, -1};
    DeviceBuffer d_table = ToDevice(table);
    DeviceBuffer d_ids = ToDevice(ids);
    const auto n = static_cast<int64_t>(ids.size());
    DeviceBuffer d_out = PoisonedFloats(n * cols);
    EmbeddingParams p;
    p.type = t;
    p.table = d_table.data();
    p.rows = kRows;
    p.cols = cols;
    p.row_bytes = row_bytes;
    p.ids = d_ids.as<int32_t>();
    p.n_tokens = n;
    p.out = d_out.as<float>();
    ASSERT_TRUE(EmbeddingGather(p, nullptr).ok());
    ASSERT_TRUE(Synchronize(nullptr).ok());
    const std::vector<float> out = ToHost(d_out, n * cols);
    std::vector<float> ref(static_cast<size_t>(cols));
    for (int64_t i = 0; i < n; ++i) {
      const float* got = out.data() + i * cols;
      if (ids[i] < 0 || ids[i] >= kRows) {
        for (int64_t e = 0; e < cols; ++e) ASSERT_TRUE(std::isnan(got[e])) << "token " << i;
        continue;
      }
      cpu::DequantizeRow(t, table.data() + ids[i] * row_bytes, ref.data(), cols);
      ASSERT_EQ(std::memcmp(got, ref.data(), ref.size() * sizeof(float)), 0)
          << DTypeName(t) << " cols " << cols << " token " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, EmbeddingTest,
                         ::testing::Values(DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0,
                                           DType::kQ4_0, DType::kQ4_K, DType::kQ6_K),
                         [](const auto& type_info) {
                           return std::string(DTypeName(type_info.param));
                         });

TEST(EmbeddingTest, RejectsBadArguments) {
  int32_t dummy = 0;
  EmbeddingParams p;
  p.type = DType::kQ4_1;
  p.table = &dummy;
  p.ids = &dummy;
  p.out = reinterpret_cast<float*>(&dummy);
  p.rows = 1;
  p.cols = 32;
  p.row_bytes = 20;
  p.n_tokens = 1;
  EXPECT_EQ(EmbeddingGather(p, nullptr).code(), StatusCode::kUnimplemented);
  p.type = DType::kQ8_0;
  p.row_bytes = 33;
  EXPECT_EQ(EmbeddingGather(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.row_bytes = 34;
  p.cols = 48;
  EXPECT_EQ(EmbeddingGather(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.cols = 32;
  p.ids = nullptr;
  EXPECT_EQ(EmbeddingGather(p, nullptr).code(), StatusCode::kInvalidArgument);
}

struct NormCase {
  int64_t rows;
  int64_t n;
  bool delta;
  bool weight;
};

TEST(AddRmsNormTest, MatchesCpuRmsNormAfterTheResidualAdd) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(3);
  const NormCase cases[] = {{1, 896, true, true},  {3, 4096, true, true}, {2, 5000, false, true},
                            {5, 64, true, false},  {4, 129, true, true},  {1, 14336, false, false},
                            {7, 255, false, true}, {2, 1, true, true}};
  for (const NormCase& c : cases) {
    const float eps = 1e-5f;
    std::vector<float> x = RandomFloats(c.rows * c.n, &rng);
    const std::vector<float> delta = RandomFloats(c.rows * c.n, &rng);
    const std::vector<float> weight = RandomFloats(c.n, &rng);
    DeviceBuffer d_x = ToDevice(x);
    DeviceBuffer d_delta = ToDevice(delta);
    DeviceBuffer d_w = ToDevice(weight);
    DeviceBuffer d_out = PoisonedFloats(c.rows * c.n);
    AddRmsNormParams p;
    p.x = d_x.as<float>();
    p.delta = c.delta ? d_delta.as<float>() : nullptr;
    p.weight = c.weight ? d_w.as<float>() : nullptr;
    p.out = d_out.as<float>();
    p.rows = c.rows;
    p.n = c.n;
    p.eps = eps;
    ASSERT_TRUE(AddRmsNorm(p, nullptr).ok());
    ASSERT_TRUE(Synchronize(nullptr).ok());
    std::vector<float> ref(x.size());
    for (int64_t r = 0; r < c.rows; ++r) {
      float* xr = x.data() + r * c.n;
      if (c.delta) cpu::AddInPlace(xr, delta.data() + r * c.n, c.n);
      cpu::RmsNorm(xr, c.weight ? weight.data() : nullptr, ref.data() + r * c.n, c.n, eps);
    }
    EXPECT_LT(RelError(ToHost(d_out, c.rows * c.n), ref), kF32Tolerance) << c.rows << "x" << c.n;
    EXPECT_LT(RelError(ToHost(d_x, c.rows * c.n), x), kF32Tolerance) << "residual " << c.n;
  }
}

TEST(AddRmsNormTest, OutputMayAliasInput) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(4);
  constexpr int64_t kN = 896;
  const std::vector<float> x = RandomFloats(kN, &rng);
  DeviceBuffer d_x = ToDevice(x);
  AddRmsNormParams p;
  p.x = d_x.as<float>();
  p.out = d_x.as<float>();
  p.rows = 1;
  p.n = kN;
  ASSERT_TRUE(AddRmsNorm(p, nullptr).ok());
  std::vector<float> ref(kN);
  cpu::RmsNorm(x.data(), nullptr, ref.data(), kN, p.eps);
  EXPECT_LT(RelError(ToHost(d_x, kN), ref), kF32Tolerance);
}

TEST(AddRmsNormTest, RejectsBadArguments) {
  float v = 0.0f;
  AddRmsNormParams p;
  p.x = &v;
  p.out = &v;
  p.rows = 1;
  p.n = 0;
  EXPECT_EQ(AddRmsNorm(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.n = 1;
  p.eps = -1.0f;
  EXPECT_EQ(AddRmsNorm(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.eps = NAN;
  EXPECT_EQ(AddRmsNorm(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.eps = 1e-6f;
  p.out = nullptr;
  EXPECT_EQ(AddRmsNorm(p, nullptr).code(), StatusCode::kInvalidArgument);
  HeadRmsNormParams h;
  h.x = &v;
  h.n_tokens = 1;
  h.n_heads = 0;
  h.head_dim = 128;
  EXPECT_EQ(HeadRmsNorm(h, nullptr).code(), StatusCode::kInvalidArgument);
}

TEST(HeadRmsNormTest, NormalizesEachHead) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(5);
  for (const int64_t head_dim : {64, 128, 96}) {
    constexpr int64_t kTokens = 3;
    constexpr int64_t kHeads = 5;
    std::vector<float> x = RandomFloats(kTokens * kHeads * head_dim, &rng);
    const std::vector<float> weight = RandomFloats(head_dim, &rng);
    DeviceBuffer d_x = ToDevice(x);
    DeviceBuffer d_w = ToDevice(weight);
    HeadRmsNormParams p;
    p.x = d_x.as<float>();
    p.weight = d_w.as<float>();
    p.n_tokens = kTokens;
    p.n_heads = kHeads;
    p.head_dim = head_dim;
    ASSERT_TRUE(HeadRmsNorm(p, nullptr).ok());
    for (int64_t h = 0; h < kTokens * kHeads; ++h) {
      float* head = x.data() + h * head_dim;
      cpu::RmsNorm(head, weight.data(), head, head_dim, p.eps);
    }
    EXPECT_LT(RelError(ToHost(d_x, static_cast<int64_t>(x.size())), x), kF32Tolerance);
  }
}

struct RopeCase {
  int64_t head_dim;
  int64_t rope_dim;
  RopeLayout layout;
  float base;
};

TEST(RopeTest, MatchesCpuRopeInBothLayouts) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(6);
  const RopeCase cases[] = {{128, 128, RopeLayout::kInterleaved, 500000.0f},
                            {128, 128, RopeLayout::kSplitHalf, 1000000.0f},
                            {64, 64, RopeLayout::kSplitHalf, 10000.0f},
                            {64, 32, RopeLayout::kInterleaved, 10000.0f},
                            {96, 48, RopeLayout::kSplitHalf, 10000.0f}};
  const std::vector<int32_t> positions = {0, 1, 17, 1000, 70001};
  const auto n_tokens = static_cast<int64_t>(positions.size());
  constexpr int64_t kHeads = 6;
  for (const RopeCase& c : cases) {
    std::vector<float> inv_freq(static_cast<size_t>(c.rope_dim / 2));
    for (size_t i = 0; i < inv_freq.size(); ++i) {
      inv_freq[i] =
          std::pow(c.base, -2.0f * static_cast<float>(i) / static_cast<float>(c.rope_dim));
    }
    std::vector<float> x = RandomFloats(n_tokens * kHeads * c.head_dim, &rng);
    DeviceBuffer d_x = ToDevice(x);
    DeviceBuffer d_pos = ToDevice(positions);
    DeviceBuffer d_freq = ToDevice(inv_freq);
    RopeParams p;
    p.x = d_x.as<float>();
    p.n_tokens = n_tokens;
    p.n_heads = kHeads;
    p.head_dim = c.head_dim;
    p.rope_dim = c.rope_dim;
    p.positions = d_pos.as<int32_t>();
    p.inv_freq = d_freq.as<float>();
    p.layout = c.layout;
    ASSERT_TRUE(Rope(p, nullptr).ok());
    const cpu::RopeLayout cpu_layout = c.layout == RopeLayout::kInterleaved
                                           ? cpu::RopeLayout::kInterleaved
                                           : cpu::RopeLayout::kSplitHalf;
    for (int64_t t = 0; t < n_tokens; ++t) {
      cpu::Rope(x.data() + t * kHeads * c.head_dim, kHeads, c.head_dim, c.rope_dim, positions[t],
                inv_freq.data(), cpu_layout);
    }
    EXPECT_LT(RelError(ToHost(d_x, static_cast<int64_t>(x.size())), x), kF32Tolerance)
        << "head_dim " << c.head_dim << " rope_dim " << c.rope_dim;
  }
}

TEST(RopeTest, RejectsBadShapes) {
  float v = 0.0f;
  int32_t pos = 0;
  RopeParams p;
  p.x = &v;
  p.positions = &pos;
  p.inv_freq = &v;
  p.n_tokens = 1;
  p.n_heads = 1;
  p.head_dim = 64;
  p.rope_dim = 63;
  EXPECT_EQ(Rope(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.rope_dim = 128;
  EXPECT_EQ(Rope(p, nullptr).code(), StatusCode::kInvalidArgument);
  p.rope_dim = 64;
  p.inv_freq = nullptr;
  EXPECT_EQ(Rope(p, nullptr).code(), StatusCode::kInvalidArgument);
}

TEST(SwiGluTest, MatchesCpuSwiGlu) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  for (const int64_t n : {1, 4864, 14336 + 3}) {
    std::vector<float> gate = RandomFloats(n, &rng);
    for (auto& g : gate) g *= 8.0f;
    const std::vector<float> up = RandomFloats(n, &rng);
    DeviceBuffer d_gate = ToDevice(gate);
    DeviceBuffer d_up = ToDevice(up);
    DeviceBuffer d_out = PoisonedFloats(n);
    ASSERT_TRUE(SwiGlu(d_gate.as<float>(), d_up.as<float>(), d_out.as<float>(), n, nullptr).ok());
    std::vector<float> ref(static_cast<size_t>(n));
    cpu::SwiGlu(gate.data(), up.data(), ref.data(), n);
    EXPECT_LT(RelError(ToHost(d_out, n), ref), kF32Tolerance) << n;
    // In place over gate.
    ASSERT_TRUE(SwiGlu(d_gate.as<float>(), d_up.as<float>(), d_gate.as<float>(), n, nullptr).ok());
    EXPECT_LT(RelError(ToHost(d_gate, n), ref), kF32Tolerance) << n;
  }
  EXPECT_EQ(SwiGlu(nullptr, nullptr, nullptr, 4, nullptr).code(), StatusCode::kInvalidArgument);
}

TEST(BiasAddTest, AddsTheBiasToEveryRow) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(8);
  for (const int64_t n : {1152, 896 + 1, 7}) {
    constexpr int64_t kRows = 3;
    std::vector<float> x = RandomFloats(kRows * n, &rng);
    const std::vector<float> bias = RandomFloats(n, &rng);
    DeviceBuffer d_x = ToDevice(x);
    DeviceBuffer d_bias = ToDevice(bias);
    ASSERT_TRUE(BiasAdd(d_x.as<float>(), d_bias.as<float>(), kRows, n, nullptr).ok());
    for (int64_t r = 0; r < kRows; ++r) cpu::AddInPlace(x.data() + r * n, bias.data(), n);
    EXPECT_EQ(ToHost(d_x, kRows * n), x) << n;
  }
  float v = 0.0f;
  EXPECT_EQ(BiasAdd(&v, &v, 1, 0, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BiasAdd(&v, nullptr, 1, 1, nullptr).code(), StatusCode::kInvalidArgument);
}

// The bytes QuantizeX writes for a device buffer of (rows, cols) floats,
// into a buffer filled with 0xFF first.
// The norm's quantized output is QuantizeX of its float output, byte for
// byte, for one-warp rows (96), rows held in registers (4096: four values a
// thread; 8192: eight) and rows read twice (14336).
TEST(AddRmsNormQuantizedTest, EqualsQuantizeXOfTheOutput) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(9);
  constexpr int64_t kRows = 3;
  for (const int64_t n : {96, 4096, 8192, 14336}) {
    const std::vector<float> x = RandomFloats(kRows * n, &rng);
    DeviceBuffer d_x = ToDevice(x);
    DeviceBuffer d_delta = ToDevice(RandomFloats(kRows * n, &rng));
    DeviceBuffer d_w = ToDevice(RandomFloats(n, &rng));
    DeviceBuffer d_out = PoisonedFloats(kRows * n);
    const int64_t q_bytes = kRows * QuantizedXRowBytes(n);
    auto d_q = DeviceBuffer::Allocate(q_bytes);
    ASSERT_TRUE(d_q.ok());
    ASSERT_TRUE(d_q->Fill(0xFF).ok());
    AddRmsNormParams p{
        d_x.as<float>(), d_delta.as<float>(), d_w.as<float>(), d_out.as<float>(), kRows, n,
        1e-5f,           d_q->data()};
    ASSERT_TRUE(AddRmsNorm(p, nullptr).ok());
    EXPECT_EQ(Bytes(*d_q, q_bytes), QuantizedBytes(d_out, kRows, n)) << n;
    p.n = 48;  // not a multiple of 32
    EXPECT_EQ(AddRmsNorm(p, nullptr).code(), StatusCode::kInvalidArgument);
  }
}

TEST(SwiGluQuantizedTest, EqualsSwiGluThenQuantizeX) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(10);
  constexpr int64_t kRows = 3;
  for (const int64_t cols : {96, 14336}) {
    const int64_t n = kRows * cols;
    std::vector<float> gate = RandomFloats(n, &rng);
    for (auto& g : gate) g *= 8.0f;
    const std::vector<float> up = RandomFloats(n, &rng);
    DeviceBuffer d_gate = ToDevice(gate);
    DeviceBuffer d_up = ToDevice(up);
    DeviceBuffer d_out = PoisonedFloats(n);
    const int64_t q_bytes = kRows * QuantizedXRowBytes(cols);
    auto d_q = DeviceBuffer::Allocate(q_bytes);
    ASSERT_TRUE(d_q.ok());
    ASSERT_TRUE(d_q->Fill(0xFF).ok());
    ASSERT_TRUE(SwiGluQuantized(d_gate.as<float>(), d_up.as<float>(), d_out.as<float>(), kRows,
                                cols, d_q->data(), nullptr)
                    .ok());
    std::vector<float> ref(static_cast<size_t>(n));
    cpu::SwiGlu(gate.data(), up.data(), ref.data(), n);
    EXPECT_LT(RelError(ToHost(d_out, n), ref), kF32Tolerance) << cols;
    EXPECT_EQ(Bytes(*d_q, q_bytes), QuantizedBytes(d_out, kRows, cols)) << cols;
  }
  float v = 0.0f;
  EXPECT_EQ(SwiGluQuantized(&v, &v, &v, 1, 48, &v, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SwiGluQuantized(&v, &v, &v, 1, 64, nullptr, nullptr).code(),
            StatusCode::kInvalidArgument);
}

// The fused launch equals Rope on q, Rope on k, then KvAppend, bit for bit,
// for full and partial rotary dims in both layouts.
TEST(RopeAppendTest, EqualsRopeRopeKvAppend) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  struct Case {
    int64_t n_tokens, n_head, n_head_kv, head_dim, rope_dim;
  };
  for (const Case c : {Case{5, 8, 2, 128, 128}, Case{3, 4, 4, 64, 32}}) {
    for (const RopeLayout layout : {RopeLayout::kInterleaved, RopeLayout::kSplitHalf}) {
      constexpr int64_t kSlots = 2;
      constexpr int64_t kCtx = 16;
      const int64_t kv_dim = c.n_head_kv * c.head_dim;
      const std::vector<float> q = RandomFloats(c.n_tokens * c.n_head * c.head_dim, &rng);
      const std::vector<float> k = RandomFloats(c.n_tokens * kv_dim, &rng);
      const std::vector<float> v = RandomFloats(c.n_tokens * kv_dim, &rng);
      std::vector<int32_t> slots;
      std::vector<int32_t> positions;
      for (int64_t t = 0; t < c.n_tokens; ++t) {
        slots.push_back(static_cast<int32_t>(t % kSlots));
        positions.push_back(static_cast<int32_t>(3 * t + 1));
      }
      std::vector<float> freq(static_cast<size_t>(c.rope_dim / 2));
      for (size_t i = 0; i < freq.size(); ++i) freq[i] = std::pow(0.7f, static_cast<float>(i));
      const DeviceBuffer d_slots = ToDevice(slots);
      const DeviceBuffer d_pos = ToDevice(positions);
      const DeviceBuffer d_freq = ToDevice(freq);
      const int64_t cache_floats = kSlots * kCtx * kv_dim / 2;  // bf16 pairs
      // Reference: three launches.
      DeviceBuffer rq = ToDevice(q);
      DeviceBuffer rk = ToDevice(k);
      const DeviceBuffer rv = ToDevice(v);
      DeviceBuffer rkc = PoisonedFloats(cache_floats);
      DeviceBuffer rvc = PoisonedFloats(cache_floats);
      RopeParams rope{rq.as<float>(), c.n_tokens,          c.n_head,           c.head_dim,
                      c.rope_dim,     d_pos.as<int32_t>(), d_freq.as<float>(), layout};
      ASSERT_TRUE(Rope(rope, nullptr).ok());
      rope.x = rk.as<float>();
      rope.n_heads = c.n_head_kv;
      ASSERT_TRUE(Rope(rope, nullptr).ok());
      ASSERT_TRUE(KvAppend({rk.as<float>(), rv.as<float>(), rkc.as<uint16_t>(), rvc.as<uint16_t>(),
                            d_slots.as<int32_t>(), d_pos.as<int32_t>(), c.n_tokens, kv_dim, kCtx},
                           nullptr)
                      .ok());
      // Fused.
      DeviceBuffer fq = ToDevice(q);
      const DeviceBuffer fk = ToDevice(k);
      DeviceBuffer fkc = PoisonedFloats(cache_floats);
      DeviceBuffer fvc = PoisonedFloats(cache_floats);
      RopeAppendParams p;
      p.q = fq.as<float>();
      p.k = fk.as<float>();
      p.v = rv.as<float>();
      p.k_cache = fkc.as<uint16_t>();
      p.v_cache = fvc.as<uint16_t>();
      p.slots = d_slots.as<int32_t>();
      p.positions = d_pos.as<int32_t>();
      p.inv_freq = d_freq.as<float>();
      p.n_tokens = c.n_tokens;
      p.n_head = c.n_head;
      p.n_head_kv = c.n_head_kv;
      p.head_dim = c.head_dim;
      p.rope_dim = c.rope_dim;
      p.n_ctx = kCtx;
      p.layout = layout;
      ASSERT_TRUE(RopeAppend(p, nullptr).ok());
      ASSERT_TRUE(Synchronize(nullptr).ok());
      const int64_t cache_bytes = cache_floats * 4;
      EXPECT_EQ(ToHost(fq, static_cast<int64_t>(q.size())),
                ToHost(rq, static_cast<int64_t>(q.size())));
      EXPECT_EQ(Bytes(fkc, cache_bytes), Bytes(rkc, cache_bytes)) << c.head_dim;
      EXPECT_EQ(Bytes(fvc, cache_bytes), Bytes(rvc, cache_bytes)) << c.head_dim;
      p.rope_dim = c.head_dim + 2;
      EXPECT_EQ(RopeAppend(p, nullptr).code(), StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace sextant::kernels::cuda
