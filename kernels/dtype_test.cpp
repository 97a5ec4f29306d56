#include "kernels/dtype.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace sextant::kernels {
namespace {

struct Expected {
  DType type;
  uint32_t ggml_id;
  const char* name;
  int64_t block_elements;
  int64_t block_bytes;
};

// Ids and sizes from ggml.h / ggml-common.h.
constexpr Expected kExpected[] = {
    {DType::kF32, 0, "F32", 1, 4},        {DType::kF16, 1, "F16", 1, 2},
    {DType::kQ4_0, 2, "Q4_0", 32, 18},    {DType::kQ4_1, 3, "Q4_1", 32, 20},
    {DType::kQ5_0, 6, "Q5_0", 32, 22},    {DType::kQ5_1, 7, "Q5_1", 32, 24},
    {DType::kQ8_0, 8, "Q8_0", 32, 34},    {DType::kQ4_K, 12, "Q4_K", 256, 144},
    {DType::kQ6_K, 14, "Q6_K", 256, 210}, {DType::kBF16, 30, "BF16", 1, 2},
};

TEST(DTypeTest, SizesNamesAndIdsMatchGgml) {
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.name);
    EXPECT_EQ(DTypeName(e.type), e.name);
    EXPECT_EQ(BlockElements(e.type), e.block_elements);
    EXPECT_EQ(BlockBytes(e.type), e.block_bytes);
    EXPECT_EQ(IsQuantized(e.type), e.block_elements > 1);
    EXPECT_EQ(DTypeFromGgmlId(e.ggml_id), e.type);
    EXPECT_EQ(DTypeFromName(e.name), e.type);
  }
}

TEST(DTypeTest, NameLookupIsCaseInsensitive) {
  EXPECT_EQ(DTypeFromName("q4_k"), DType::kQ4_K);
  EXPECT_EQ(DTypeFromName("bf16"), DType::kBF16);
  EXPECT_EQ(DTypeFromName("Q4_K_M"), std::nullopt);
  EXPECT_EQ(DTypeFromName(""), std::nullopt);
}

TEST(DTypeTest, UnsupportedGgmlIdsAreRejected) {
  for (uint32_t id : {4u, 5u, 9u, 10u, 11u, 13u, 15u, 16u, 29u, 31u, 1000u, 0xffffffffu}) {
    EXPECT_EQ(DTypeFromGgmlId(id), std::nullopt) << id;
  }
}

TEST(DTypeTest, RowBytes) {
  EXPECT_EQ(RowBytes(DType::kF32, 7), 28);
  EXPECT_EQ(RowBytes(DType::kBF16, 3), 6);
  EXPECT_EQ(RowBytes(DType::kQ4_K, 512), 288);
  EXPECT_EQ(RowBytes(DType::kQ8_0, 64), 68);
  EXPECT_EQ(RowBytes(DType::kQ8_0, 0), 0);
  EXPECT_EQ(RowBytes(DType::kQ8_0, 33), std::nullopt);
  EXPECT_EQ(RowBytes(DType::kQ6_K, 128), std::nullopt);
  EXPECT_EQ(RowBytes(DType::kF32, -4), std::nullopt);
}

TEST(DTypeTest, RowBytesOverflowIsRejected) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(RowBytes(DType::kF32, kMax), std::nullopt);
  EXPECT_EQ(RowBytes(DType::kF16, kMax), std::nullopt);
  EXPECT_EQ(RowBytes(DType::kQ8_0, kMax / 32 * 32), std::nullopt);    // 34 bytes per 32
  EXPECT_TRUE(RowBytes(DType::kQ6_K, kMax / 256 * 256).has_value());  // 210 bytes per 256
  EXPECT_TRUE(RowBytes(DType::kF32, kMax / 4).has_value());
}

}  // namespace
}  // namespace sextant::kernels
