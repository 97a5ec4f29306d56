// Malformed, truncated and hostile safetensors input.
#include <gtest/gtest.h>

#include <string>

#include "common/testing/testdata.h"
#include "llm/runtime/readers_test_util.h"
#include "llm/runtime/safetensors.h"

namespace sextant::llm {
namespace {

using namespace ::sextant::llm::testing;  // NOLINT(google-build-using-namespace)
using ::sextant::testing::Contains;

Status Parse(const std::string& bytes, const SafetensorsLimits& limits = {}) {
  return SafetensorsFile::FromBuffer(bytes, limits).status();
}

void ExpectError(const Status& s, StatusCode code, std::string_view part) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), part)) << s.message() << " lacks " << part;
}

std::vector<StTensor> SmallTensors() {
  return {{"w", "F32", {2, 3}, std::string(24, 'a')},
          {"b", "BF16", {4}, std::string(8, 'b')},
          {"pos", "I64", {2}, std::string(16, 'c')},
          {"empty", "F16", {0, 5}, ""}};
}

std::string SmallFile() { return BuildSafetensors(SmallTensors(), {{"format", "pt"}}); }

// A file with one tensor entry `entry` over `data`.
std::string OneEntry(const Json& entry, std::string_view data = std::string(8, 'x')) {
  return SafetensorsBytes({{"t", entry}}, data);
}

TEST(SafetensorsFileTest, ReadsTensorsAndMetadata) {
  const std::string bytes = SmallFile();
  auto file = SafetensorsFile::FromBuffer(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const SafetensorsFile& f = **file;
  ASSERT_EQ(f.tensors().size(), 4u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const SafetensorsTensor* w = f.Find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->supported);
  EXPECT_EQ(w->dtype, kernels::DType::kF32);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->n_elements, 6);
  EXPECT_EQ(w->n_bytes, 24);
  EXPECT_EQ(w->data[0], 'a');
  EXPECT_EQ(f.Find("b")->dtype, kernels::DType::kBF16);
  EXPECT_EQ(f.Find("b")->data[7], 'b');
  const SafetensorsTensor* pos = f.Find("pos");
  EXPECT_FALSE(pos->supported);
  EXPECT_EQ(pos->dtype_name, "I64");
  EXPECT_EQ(pos->data[15], 'c');
  EXPECT_EQ(f.Find("empty")->n_bytes, 0);
  EXPECT_EQ(f.Find("absent"), nullptr);
  // In data order.
  EXPECT_EQ(f.tensors().front().name, "w");
}

TEST(SafetensorsFileTest, HeaderMayBePaddedWithSpaces) {
  const std::string text =
      DumpJson({{"t", {{"dtype", "U8"}, {"shape", {2}}, {"data_offsets", {0, 2}}}}}) + "    ";
  const std::string bytes = U64(text.size()) + text + "xy";
  EXPECT_TRUE(Parse(bytes).ok()) << Parse(bytes).ToString();
}

TEST(SafetensorsFileTest, SubByteDtypes) {
  EXPECT_TRUE(
      Parse(OneEntry({{"dtype", "F4"}, {"shape", {4}}, {"data_offsets", {0, 2}}}, "xy")).ok());
  ExpectError(Parse(OneEntry({{"dtype", "F4"}, {"shape", {3}}, {"data_offsets", {0, 2}}}, "xy")),
              StatusCode::kInvalidArgument, "do not fill whole bytes");
}

TEST(SafetensorsMalformedTest, EveryTruncationIsDataLoss) {
  const std::string bytes = SmallFile();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const Status s = Parse(bytes.substr(0, n));
    ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "prefix " << n << ": " << s.ToString();
  }
}

TEST(SafetensorsMalformedTest, HeaderLength) {
  ExpectError(Parse(U64(~uint64_t{0}) + "{}"), StatusCode::kResourceExhausted, "max_header_bytes");
  ExpectError(Parse(U64(1000) + "{}"), StatusCode::kDataLoss, "header length 1000 exceeds");
  ExpectError(Parse("1234567"), StatusCode::kDataLoss, "shorter than the 8-byte header length");
}

TEST(SafetensorsMalformedTest, HeaderJson) {
  ExpectError(Parse(U64(5) + "{oops"), StatusCode::kInvalidArgument, "invalid JSON");
  ExpectError(Parse(U64(3) + "[1]"), StatusCode::kInvalidArgument, "not an object");
  ExpectError(Parse(SafetensorsBytes({{"a", {{"b", {{"c", {{"d", {{"e", 1}}}}}}}}}}, "")),
              StatusCode::kResourceExhausted, "nesting");
  ExpectError(Parse(SafetensorsBytes({{"t", 5}}, "")), StatusCode::kInvalidArgument,
              "entry is not an object");
  ExpectError(Parse(SafetensorsBytes(
                  {{"", {{"dtype", "U8"}, {"shape", {0}}, {"data_offsets", {0, 0}}}}}, "")),
              StatusCode::kInvalidArgument, "empty tensor name");
}

TEST(SafetensorsMalformedTest, Dtype) {
  ExpectError(Parse(OneEntry({{"shape", {2}}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "tensor 't': dtype is missing");
  ExpectError(Parse(OneEntry({{"dtype", 3}, {"shape", {2}}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "dtype is missing or not a string");
  ExpectError(Parse(OneEntry({{"dtype", "Q4_0"}, {"shape", {2}}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "unknown dtype 'Q4_0'");
}

TEST(SafetensorsMalformedTest, Shape) {
  ExpectError(Parse(OneEntry({{"dtype", "F32"}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "shape is missing");
  ExpectError(Parse(OneEntry({{"dtype", "F32"}, {"shape", {-2}}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "shape holds -2");
  ExpectError(Parse(OneEntry({{"dtype", "F32"}, {"shape", {2.5}}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "not a non-negative integer");
  ExpectError(
      Parse(OneEntry({{"dtype", "F32"}, {"shape", {~uint64_t{0}}}, {"data_offsets", {0, 8}}})),
      StatusCode::kInvalidArgument, "not a non-negative integer");
  const uint64_t big = uint64_t{1} << 40;
  ExpectError(Parse(OneEntry({{"dtype", "F32"}, {"shape", {big, big}}, {"data_offsets", {0, 8}}})),
              StatusCode::kInvalidArgument, "element count overflows");
  ExpectError(
      Parse(OneEntry({{"dtype", "F64"}, {"shape", {uint64_t{1} << 61}}, {"data_offsets", {0, 8}}})),
      StatusCode::kInvalidArgument, "do not fill whole bytes");
}

TEST(SafetensorsMalformedTest, DataOffsets) {
  const Json base = {{"dtype", "F32"}, {"shape", {2}}};
  auto with = [&](const Json& offsets) {
    Json entry = base;
    entry["data_offsets"] = offsets;
    return Parse(OneEntry(entry));
  };
  ExpectError(Parse(OneEntry(base)), StatusCode::kInvalidArgument, "data_offsets is not a pair");
  ExpectError(with({0, 4, 8}), StatusCode::kInvalidArgument, "not a pair");
  ExpectError(with({-1, 8}), StatusCode::kInvalidArgument, "not a pair");
  ExpectError(with({8, 0}), StatusCode::kInvalidArgument, "end before they begin");
  ExpectError(with({0, 9}), StatusCode::kDataLoss, "extend past the data section of 8 bytes");
  ExpectError(with({0, ~uint64_t{0}}), StatusCode::kDataLoss, "extend past");
  ExpectError(with({0, 4}), StatusCode::kInvalidArgument,
              "span 4 bytes, but 2 elements of F32 need 8");
}

TEST(SafetensorsMalformedTest, Overlap) {
  const Json header = {
      {"a", {{"dtype", "U8"}, {"shape", {4}}, {"data_offsets", {0, 4}}}},
      {"b", {{"dtype", "U8"}, {"shape", {4}}, {"data_offsets", {3, 7}}}},
  };
  ExpectError(Parse(SafetensorsBytes(header, std::string(8, 'x'))), StatusCode::kInvalidArgument,
              "overlaps");
}

TEST(SafetensorsMalformedTest, Metadata) {
  ExpectError(Parse(SafetensorsBytes({{"__metadata__", 1}}, "")), StatusCode::kInvalidArgument,
              "__metadata__ is not an object");
  ExpectError(Parse(SafetensorsBytes({{"__metadata__", {{"k", 1}}}}, "")),
              StatusCode::kInvalidArgument, "__metadata__ 'k' is not a string");
}

TEST(SafetensorsLimitsTest, EachLimitIsEnforced) {
  const std::string bytes = SmallFile();
  SafetensorsLimits limits;
  limits.max_tensors = 4;  // "__metadata__" does not count
  EXPECT_TRUE(Parse(bytes, limits).ok());
  limits.max_tensors = 3;
  ExpectError(Parse(bytes, limits), StatusCode::kResourceExhausted, "max_tensors 3");

  limits = {};
  limits.max_dims = 2;
  EXPECT_TRUE(Parse(bytes, limits).ok());
  limits.max_dims = 1;
  ExpectError(Parse(bytes, limits), StatusCode::kResourceExhausted, "max_dims 1");

  limits = {};
  const auto header_size = static_cast<int64_t>(bytes[0] & 0xff) + 256 * (bytes[1] & 0xff);
  limits.max_header_bytes = header_size;
  EXPECT_TRUE(Parse(bytes, limits).ok());
  limits.max_header_bytes = header_size - 1;
  ExpectError(Parse(bytes, limits), StatusCode::kResourceExhausted, "max_header_bytes");
}

}  // namespace
}  // namespace sextant::llm
