// The bf16 KV cache append and split-KV attention against a float64 CPU
// attention over the same bf16-rounded keys and values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/quant.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/cuda_test_util.h"

namespace sextant::kernels::cuda {
namespace {

using testing::Bytes;
using testing::PoisonedFloats;
using testing::QuantizedBytes;
using testing::RelError;
using testing::ToDevice;
using testing::ToHost;

struct Shape {
  int64_t n_head;
  int64_t n_head_kv;
  int64_t head_dim;
};

// A cache of n_slots x n_ctx positions filled through KvAppend from random
// float rows; `k` and `v` keep the bf16-rounded values for the reference.
struct FilledCache {
  std::vector<float> k;  // (n_slots, n_ctx, kv_dim), bf16-rounded
  std::vector<float> v;
  DeviceBuffer d_k;
  DeviceBuffer d_v;
};

float RoundBf16(float x) { return cpu::Bf16ToFp32(cpu::Fp32ToBf16(x)); }

FilledCache FillCache(int64_t n_slots, int64_t n_ctx, int64_t kv_dim, std::mt19937* rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const int64_t n = n_slots * n_ctx;
  std::vector<float> k(static_cast<size_t>(n * kv_dim));
  std::vector<float> v(k.size());
  for (auto& x : k) x = dist(*rng);
  for (auto& x : v) x = dist(*rng);
  std::vector<int32_t> slots(static_cast<size_t>(n));
  std::vector<int32_t> positions(slots.size());
  for (int64_t i = 0; i < n; ++i) {
    slots[i] = static_cast<int32_t>(i / n_ctx);
    positions[i] = static_cast<int32_t>(i % n_ctx);
  }
  FilledCache cache;
  auto k_buf = DeviceBuffer::Allocate(n * kv_dim * 2);
  auto v_buf = DeviceBuffer::Allocate(n * kv_dim * 2);
  EXPECT_TRUE(k_buf.ok() && v_buf.ok());
  cache.d_k = std::move(k_buf).value();
  cache.d_v = std::move(v_buf).value();
  EXPECT_TRUE(cache.d_k.Fill(testing::kPoison).ok());
  EXPECT_TRUE(cache.d_v.Fill(testing::kPoison).ok());
  DeviceBuffer d_kf = ToDevice(k);
  DeviceBuffer d_vf = ToDevice(v);
  DeviceBuffer d_slots = ToDevice(slots);
  DeviceBuffer d_pos = ToDevice(positions);
  KvAppendParams p;
  p.k = d_kf.as<float>();
  p.v = d_vf.as<float>();
  p.k_cache = cache.d_k.as<uint16_t>();
  p.v_cache = cache.d_v.as<uint16_t>();
  p.slots = d_slots.as<int32_t>();
  p.positions = d_pos.as<int32_t>();
  p.n_tokens = n;
  p.kv_dim = kv_dim;
  p.n_ctx = n_ctx;
  const Status st = KvAppend(p, nullptr);
  EXPECT_TRUE(st.ok()) << st.ToString();
  for (auto& x : k) x = RoundBf16(x);
  for (auto& x : v) x = RoundBf16(x);
  cache.k = std::move(k);
  cache.v = std::move(v);
  return cache;
}

// out (n_tokens, n_head, head_dim) in float64, then float.
std::vector<float> ReferenceAttention(const std::vector<float>& q, const FilledCache& cache,
                                      const std::vector<int32_t>& slots,
                                      const std::vector<int32_t>& positions, const Shape& s,
                                      int64_t n_ctx) {
  const int64_t kv_dim = s.n_head_kv * s.head_dim;
  const int64_t group = s.n_head / s.n_head_kv;
  const double scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
  std::vector<float> out(q.size());
  for (size_t t = 0; t < slots.size(); ++t) {
    const int64_t n_keys = positions[t] + 1;
    const int64_t base = static_cast<int64_t>(slots[t]) * n_ctx * kv_dim;
    for (int64_t h = 0; h < s.n_head; ++h) {
      const float* qh = &q[(t * s.n_head + h) * s.head_dim];
      const int64_t off = (h / group) * s.head_dim;
      std::vector<double> w(static_cast<size_t>(n_keys));
      double max = -INFINITY;
      for (int64_t p = 0; p < n_keys; ++p) {
        double dot = 0.0;
        for (int64_t d = 0; d < s.head_dim; ++d) {
          dot += static_cast<double>(qh[d]) * cache.k[base + p * kv_dim + off + d];
        }
        w[p] = dot * scale;
        max = std::max(max, w[p]);
      }
      double sum = 0.0;
      for (auto& x : w) sum += (x = std::exp(x - max));
      for (int64_t d = 0; d < s.head_dim; ++d) {
        double acc = 0.0;
        for (int64_t p = 0; p < n_keys; ++p) acc += w[p] * cache.v[base + p * kv_dim + off + d];
        out[(t * s.n_head + h) * s.head_dim + d] = static_cast<float>(acc / sum);
      }
    }
  }
  return out;
}

// Runs Attention for queries at (slots, positions) with n_splits (0: the
// library's choice) and returns the relative error against the reference.
// With `quantized`, also asks for out_q and expects it to equal QuantizeX of
// the float output, byte for byte.
double AttentionError(const Shape& s, int64_t n_slots, int64_t n_ctx,
                      const std::vector<int32_t>& slots, const std::vector<int32_t>& positions,
                      int64_t n_splits, std::mt19937* rng, bool quantized = false) {
  const int64_t kv_dim = s.n_head_kv * s.head_dim;
  const FilledCache cache = FillCache(n_slots, n_ctx, kv_dim, rng);
  const auto n_tokens = static_cast<int64_t>(slots.size());
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> q(static_cast<size_t>(n_tokens * s.n_head * s.head_dim));
  for (auto& x : q) x = dist(*rng);
  if (n_splits == 0) n_splits = AttentionSplits(n_tokens, s.n_head_kv, n_ctx);

  DeviceBuffer d_q = ToDevice(q);
  DeviceBuffer d_slots = ToDevice(slots);
  DeviceBuffer d_pos = ToDevice(positions);
  DeviceBuffer d_out = PoisonedFloats(static_cast<int64_t>(q.size()));
  DeviceBuffer d_ws = PoisonedFloats(
      std::max<int64_t>(1, AttentionWorkspaceFloats(n_tokens, s.n_head, s.head_dim, n_splits)));
  AttentionParams p;
  p.q = d_q.as<float>();
  p.k_cache = cache.d_k.as<uint16_t>();
  p.v_cache = cache.d_v.as<uint16_t>();
  p.slots = d_slots.as<int32_t>();
  p.positions = d_pos.as<int32_t>();
  p.out = d_out.as<float>();
  p.n_tokens = n_tokens;
  p.n_head = s.n_head;
  p.n_head_kv = s.n_head_kv;
  p.head_dim = s.head_dim;
  p.n_ctx = n_ctx;
  p.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  p.n_splits = n_splits;
  p.workspace = d_ws.as<float>();
  const int64_t cols = s.n_head * s.head_dim;
  const int64_t q_bytes = n_tokens * QuantizedXRowBytes(cols);
  DeviceBuffer d_xq = PoisonedFloats((q_bytes + 3) / 4);
  if (quantized) p.out_q = d_xq.data();
  const Status st = Attention(p, nullptr);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(Synchronize(nullptr).ok());
  if (quantized) {
    EXPECT_EQ(Bytes(d_xq, q_bytes), QuantizedBytes(d_out, n_tokens, cols));
  }
  const auto out = ToHost(d_out, static_cast<int64_t>(q.size()));
  return RelError(out, ReferenceAttention(q, cache, slots, positions, s, n_ctx));
}

// Float32 scores and sums against float64 over the same bf16 inputs.
constexpr double kAttentionTolerance = 2e-5;

TEST(AttentionTest, KvAppendRoundsToBf16AtTheGivenSlotsAndPositions) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(5);
  const FilledCache cache = FillCache(3, 37, 96, &rng);
  std::vector<uint16_t> bits(cache.k.size());
  ASSERT_TRUE(cache.d_k.CopyToHost(bits.data(), static_cast<int64_t>(bits.size() * 2)).ok());
  for (size_t i = 0; i < bits.size(); ++i) {
    ASSERT_EQ(cpu::Bf16ToFp32(bits[i]), cache.k[i]) << i;
  }
  ASSERT_TRUE(cache.d_v.CopyToHost(bits.data(), static_cast<int64_t>(bits.size() * 2)).ok());
  for (size_t i = 0; i < bits.size(); ++i) {
    ASSERT_EQ(cpu::Bf16ToFp32(bits[i]), cache.v[i]) << i;
  }
}

TEST(AttentionTest, CausalPrefillMatchesReference) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  for (const Shape s : {Shape{4, 2, 64}, Shape{32, 8, 128}, Shape{14, 2, 64}, Shape{8, 8, 128},
                        Shape{16, 2, 32}, Shape{12, 4, 96}, Shape{8, 1, 256}}) {
    constexpr int64_t kTokens = 77;
    std::vector<int32_t> slots(kTokens, 0);
    std::vector<int32_t> positions(kTokens);
    for (int64_t t = 0; t < kTokens; ++t) positions[t] = static_cast<int32_t>(t);
    EXPECT_LT(AttentionError(s, 1, kTokens, slots, positions, 1, &rng), kAttentionTolerance)
        << s.n_head << "/" << s.n_head_kv << "x" << s.head_dim;
  }
}

TEST(AttentionTest, SplitKvDecodeMatchesReferenceForEverySplitCount) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(9);
  const Shape s{32, 8, 128};
  for (const int32_t pos : {0, 1, 63, 64, 65, 1000, 4095}) {
    for (const int64_t splits : {1, 2, 7, 64, 0}) {
      EXPECT_LT(AttentionError(s, 1, 4096, {0}, {pos}, splits, &rng), kAttentionTolerance)
          << "position " << pos << " splits " << splits;
    }
  }
}

TEST(AttentionTest, BatchedDecodeReadsEachTokensOwnSlot) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(13);
  const Shape s{14, 2, 64};
  const std::vector<int32_t> slots = {3, 0, 7, 1, 1, 5, 2, 6};
  const std::vector<int32_t> positions = {0, 300, 511, 17, 200, 64, 129, 450};
  for (const int64_t splits : {1, 5, 0}) {
    EXPECT_LT(AttentionError(s, 8, 512, slots, positions, splits, &rng), kAttentionTolerance)
        << "splits " << splits;
  }
}

TEST(AttentionTest, QuantizedOutputEqualsQuantizeXOfTheOutput) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(17);
  const std::vector<int32_t> slots = {2, 0, 1};
  const std::vector<int32_t> positions = {0, 300, 511};
  for (const Shape s : {Shape{32, 8, 128}, Shape{14, 2, 64}, Shape{12, 4, 96}}) {
    for (const int64_t splits : {1, 7}) {
      EXPECT_LT(AttentionError(s, 3, 512, slots, positions, splits, &rng, true),
                kAttentionTolerance)
          << s.n_head << "x" << s.head_dim << " splits " << splits;
    }
  }
}

TEST(AttentionTest, RejectsBadShapes) {
  SEXTANT_SKIP_WITHOUT_GPU();
  DeviceBuffer buf = PoisonedFloats(64);
  AttentionParams p;
  p.q = buf.as<float>();
  p.k_cache = buf.as<uint16_t>();
  p.v_cache = buf.as<uint16_t>();
  p.slots = buf.as<int32_t>();
  p.positions = buf.as<int32_t>();
  p.out = buf.as<float>();
  p.n_tokens = 1;
  p.n_head = 6;
  p.n_head_kv = 4;
  p.head_dim = 64;
  p.n_ctx = 8;
  EXPECT_EQ(Attention(p, nullptr).code(), StatusCode::kInvalidArgument);  // 6 % 4
  p.n_head = 36;
  EXPECT_EQ(Attention(p, nullptr).code(), StatusCode::kUnimplemented);  // group 9
  p.n_head = 8;
  p.head_dim = 80;
  EXPECT_EQ(Attention(p, nullptr).code(), StatusCode::kUnimplemented);
  p.head_dim = 64;
  p.n_splits = 2;
  EXPECT_EQ(Attention(p, nullptr).code(), StatusCode::kInvalidArgument);  // no workspace
  p.n_splits = 1;
  p.out_q = static_cast<uint8_t*>(buf.data()) + 4;
  EXPECT_EQ(Attention(p, nullptr).code(), StatusCode::kInvalidArgument);  // misaligned out_q
  p.out_q = nullptr;
  p.q = nullptr;
  EXPECT_EQ(Attention(p, nullptr).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::kernels::cuda
