// DequantizeRow against hand-written blocks and against the independent
// per-element decoder in quant_test_util.h.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/internal/simd.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/quant_test_util.h"
#include "kernels/dtype.h"

namespace sextant::kernels::cpu {
namespace {

using testing::kAllTypes;
using testing::RandomRow;
using testing::SpecElement;

constexpr uint16_t kHalfOne = 0x3C00;
constexpr uint16_t kHalfHalf = 0x3800;
constexpr uint16_t kHalfQuarter = 0x3400;
constexpr uint16_t kHalfMinusOne = 0xBC00;

void PutHalf(std::vector<uint8_t>* b, size_t off, uint16_t h) {
  std::memcpy(b->data() + off, &h, 2);
}

std::vector<float> Dequant(DType t, const std::vector<uint8_t>& bytes, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  DequantizeRow(t, bytes.data(), out.data(), n);
  return out;
}

TEST(DequantizeTest, Q4_0HandWritten) {
  std::vector<uint8_t> b(18);
  PutHalf(&b, 0, kHalfOne);
  for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = Dequant(DType::kQ4_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], static_cast<float>(j - 8)) << j;
    EXPECT_EQ(y[16 + j], static_cast<float>(7 - j)) << j;
  }
}

TEST(DequantizeTest, Q4_1HandWritten) {
  std::vector<uint8_t> b(20);
  PutHalf(&b, 0, kHalfHalf);
  PutHalf(&b, 2, kHalfMinusOne);
  for (int j = 0; j < 16; ++j) b[4 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = Dequant(DType::kQ4_1, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * static_cast<float>(j) - 1.0f) << j;
    EXPECT_EQ(y[16 + j], 0.5f * static_cast<float>(15 - j) - 1.0f) << j;
  }
}

TEST(DequantizeTest, Q5_0HandWritten) {
  std::vector<uint8_t> b(22);
  PutHalf(&b, 0, kHalfOne);
  const uint32_t qh = 0xAAAAAAAAu;  // odd elements have bit 4 set
  std::memcpy(b.data() + 2, &qh, 4);
  for (int j = 0; j < 16; ++j) b[6 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = Dequant(DType::kQ5_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], static_cast<float>(j + (j % 2 == 1 ? 16 : 0) - 16)) << j;
    EXPECT_EQ(y[16 + j], static_cast<float>((15 - j) + (j % 2 == 1 ? 16 : 0) - 16)) << j;
  }
}

TEST(DequantizeTest, Q5_1HandWritten) {
  std::vector<uint8_t> b(24);
  PutHalf(&b, 0, kHalfOne);
  PutHalf(&b, 2, kHalfQuarter);
  const uint32_t qh = 0x0000FFFFu;  // elements 0..15 have bit 4 set
  std::memcpy(b.data() + 4, &qh, 4);
  for (int j = 0; j < 16; ++j) b[8 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = Dequant(DType::kQ5_1, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], static_cast<float>(j + 16) + 0.25f) << j;
    EXPECT_EQ(y[16 + j], static_cast<float>(15 - j) + 0.25f) << j;
  }
}

TEST(DequantizeTest, Q8_0HandWritten) {
  std::vector<uint8_t> b(34);
  PutHalf(&b, 0, kHalfQuarter);
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(8 * j - 128));
  const auto y = Dequant(DType::kQ8_0, b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], static_cast<float>(2 * j - 32)) << j;
}

TEST(DequantizeTest, Q4_KHandWritten) {
  // Sub-block s has scale s + 1 and min 2s, except s = 5 with scale 53 and
  // min 33, whose bits 4..5 live in the top bits of bytes 1 and 5.
  std::vector<uint8_t> b(144);
  PutHalf(&b, 0, kHalfOne);
  PutHalf(&b, 2, kHalfHalf);
  uint8_t* scales = b.data() + 4;
  auto scale_of = [](int s) { return s == 5 ? 53 : s + 1; };
  auto min_of = [](int s) { return s == 5 ? 33 : 2 * s; };
  for (int s = 0; s < 4; ++s) {
    scales[s] = static_cast<uint8_t>(scale_of(s));
    scales[s + 4] = static_cast<uint8_t>(min_of(s));
  }
  for (int s = 4; s < 8; ++s) {
    scales[s + 4] = static_cast<uint8_t>((scale_of(s) & 15) | ((min_of(s) & 15) << 4));
    scales[s - 4] |= static_cast<uint8_t>((scale_of(s) >> 4) << 6);
    scales[s] |= static_cast<uint8_t>((min_of(s) >> 4) << 6);
  }
  for (int i = 0; i < 128; ++i) b[16 + i] = 0x53;  // low nibble 3, high nibble 5
  const auto y = Dequant(DType::kQ4_K, b, 256);
  for (int s = 0; s < 8; ++s) {
    const int q = s % 2 == 0 ? 3 : 5;
    for (int l = 0; l < 32; ++l) {
      const float want = static_cast<float>(scale_of(s) * q) - 0.5f * static_cast<float>(min_of(s));
      ASSERT_EQ(y[32 * s + l], want) << "sub-block " << s;
    }
  }
}

TEST(DequantizeTest, Q6_KHandWritten) {
  std::vector<uint8_t> b(210);
  for (int i = 0; i < 128; ++i) b[i] = 0x21;       // low nibble 1, high nibble 2
  for (int i = 0; i < 64; ++i) b[128 + i] = 0xE4;  // 2-bit fields 0, 1, 2, 3
  for (int i = 0; i < 16; ++i) b[192 + i] = static_cast<uint8_t>(i - 8);
  PutHalf(&b, 208, kHalfHalf);
  const auto y = Dequant(DType::kQ6_K, b, 256);
  for (int h = 0; h < 2; ++h) {
    for (int quarter = 0; quarter < 4; ++quarter) {
      for (int l = 0; l < 32; ++l) {
        const int q = (quarter < 2 ? 1 : 2) + 16 * quarter - 32;
        const int sc = 8 * h + l / 16 + 2 * quarter - 8;
        const float want = 0.5f * static_cast<float>(sc) * static_cast<float>(q);
        ASSERT_EQ(y[128 * h + 32 * quarter + l], want) << h << " " << quarter << " " << l;
      }
    }
  }
}

class DequantizePathTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { internal::SetSimdEnabledForTesting(GetParam()); }
  void TearDown() override { internal::SetSimdEnabledForTesting(true); }
};

TEST_P(DequantizePathTest, MatchesSpecDecoderBitForBitOnRandomRows) {
  std::mt19937 rng(7);
  for (DType t : kAllTypes) {
    SCOPED_TRACE(DTypeName(t));
    const int64_t qk = BlockElements(t);
    for (int64_t blocks : {1, 2, 3, 8, 17}) {
      const int64_t n = blocks * (qk == 1 ? 37 : qk);
      for (int rep = 0; rep < 20; ++rep) {
        const auto row = RandomRow(t, n, &rng);
        const auto y = Dequant(t, row, n);
        for (int64_t e = 0; e < n; ++e) {
          const float want = SpecElement(t, row.data(), e);
          ASSERT_EQ(std::bit_cast<uint32_t>(y[e]), std::bit_cast<uint32_t>(want))
              << "element " << e << ": " << y[e] << " vs " << want;
        }
      }
    }
  }
}

std::string PathName(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "Simd" : "Scalar";
}

INSTANTIATE_TEST_SUITE_P(Paths, DequantizePathTest, ::testing::Values(true, false), PathName);

TEST_P(DequantizePathTest, ReadsUnalignedRows) {
  std::mt19937 rng(8);
  for (DType t : kAllTypes) {
    SCOPED_TRACE(DTypeName(t));
    const int64_t n = BlockElements(t) == 1 ? 45 : 2 * BlockElements(t);
    const auto row = RandomRow(t, n, &rng);
    const auto aligned = Dequant(t, row, n);
    for (size_t shift = 1; shift < 4; ++shift) {
      std::vector<uint8_t> buf(row.size() + shift);
      std::memcpy(buf.data() + shift, row.data(), row.size());
      std::vector<float> out(static_cast<size_t>(n) + 1);
      DequantizeRow(t, buf.data() + shift, out.data() + 1, n);
      ASSERT_EQ(0, std::memcmp(out.data() + 1, aligned.data(), aligned.size() * sizeof(float)));
    }
  }
}

TEST(DequantizeTest, ZeroLengthRowWritesNothing) {
  for (DType t : kAllTypes) {
    float sentinel = 42.0f;
    DequantizeRow(t, nullptr, &sentinel, 0);
    EXPECT_EQ(sentinel, 42.0f);
    EXPECT_EQ(DotRow(t, nullptr, nullptr, 0), 0.0f);
    EXPECT_EQ(DotRowReference(t, nullptr, nullptr, 0), 0.0f);
  }
}

}  // namespace
}  // namespace sextant::kernels::cpu
