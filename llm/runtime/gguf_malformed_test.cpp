// Malformed, truncated and hostile GGUF input: every case must give a clear
// error, never a crash or a huge allocation.
#include <gtest/gtest.h>

#include <string>

#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/readers_test_util.h"

namespace sextant::llm {
namespace {

using namespace ::sextant::llm::testing;  // NOLINT(google-build-using-namespace)
using ::sextant::testing::Contains;

constexpr uint32_t kF32 = 0;
constexpr uint32_t kQ4_0 = 2;
constexpr size_t kHeaderSize = 24;  // magic, version, tensor count, metadata count

Status Parse(const std::string& bytes, const GgufLimits& limits = {}) {
  return GgufFile::FromBuffer(bytes, limits).status();
}

// A small valid file with arrays, strings and two tensors.
GgufBuilder SmallFile() {
  GgufBuilder b;
  b.Kv("general.name", GgufType::kString, Str("tiny"))
      .Kv("ids", GgufType::kArray, Array(GgufType::kUint32, {U32(1), U32(2), U32(3)}))
      .Kv("words", GgufType::kArray, Array(GgufType::kString, {Str("ab"), Str("c")}))
      .Kv("nested", GgufType::kArray, Array(GgufType::kArray, {Array(GgufType::kInt8, {U8(1)})}))
      .Kv("flag", GgufType::kBool, U8(0));
  b.AddTensor("a", {4, 2}, kF32).AddTensor("b", {32}, kQ4_0);
  return b;
}

// A file whose only key holds `value` of `type`.
std::string OneKey(GgufType type, const std::string& value) {
  GgufBuilder b;
  b.Kv("k", type, value);
  return b.Build();
}

// Nested arrays `depth` deep around one uint8.
std::string Nested(int depth) {
  std::string value = Array(GgufType::kUint8, {U8(1)});
  for (int i = 1; i < depth; ++i) value = Array(GgufType::kArray, {value});
  return OneKey(GgufType::kArray, value);
}

void ExpectError(const Status& s, StatusCode code, std::string_view part) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), part)) << s.message() << " lacks " << part;
}

TEST(GgufMalformedTest, SmallFileIsValid) {
  const std::string bytes = SmallFile().Build();
  EXPECT_TRUE(Parse(bytes).ok()) << Parse(bytes).ToString();
}

TEST(GgufMalformedTest, EveryTruncationIsDataLoss) {
  const std::string bytes = SmallFile().Build();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const Status s = Parse(bytes.substr(0, n));
    ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "prefix " << n << ": " << s.ToString();
  }
}

TEST(GgufMalformedTest, EveryTruncationOfAVocabFileFails) {
  GgufBuilder b = SmallFile();
  b.tensors.clear();
  const std::string bytes = b.Build();
  ASSERT_TRUE(Parse(bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    ASSERT_EQ(Parse(bytes.substr(0, n)).code(), StatusCode::kDataLoss) << "prefix " << n;
  }
}

TEST(GgufMalformedTest, BadMagic) {
  GgufBuilder b = SmallFile();
  b.magic = 0x46554746;
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "bad magic");
}

TEST(GgufMalformedTest, VersionOneIsRefusedClearly) {
  GgufBuilder b = SmallFile();
  b.version = 1;
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "version 1 is not supported");
}

TEST(GgufMalformedTest, UnknownAndBigEndianVersions) {
  GgufBuilder b = SmallFile();
  b.version = 4;
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "unsupported version 4");
  b.version = 0x03000000;
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "big-endian");
}

TEST(GgufMalformedTest, HugeCounts) {
  GgufBuilder b = SmallFile();
  b.tensor_count = ~uint64_t{0};
  ExpectError(Parse(b.Build()), StatusCode::kResourceExhausted, "max_tensors");
  b.tensor_count = std::nullopt;
  b.kv_count = uint64_t{1} << 62;
  ExpectError(Parse(b.Build()), StatusCode::kResourceExhausted, "max_metadata_entries");
  // Within the limits, but more than the bytes left could hold.
  b.kv_count = 60000;
  ExpectError(Parse(b.Build()), StatusCode::kDataLoss, "cannot fit");
  b.kv_count = std::nullopt;
  b.tensor_count = 60000;
  ExpectError(Parse(b.Build()), StatusCode::kDataLoss, "cannot fit");
}

TEST(GgufMalformedTest, StringLengthPastTheFileNamesKeyAndOffset) {
  GgufBuilder b;
  b.Kv("general.arch", GgufType::kString, Str("x"));
  b.kvs.push_back(Str("general.name") + Type(GgufType::kString) + U64(9999999) + "abc");
  const std::string bytes = b.Build();
  const size_t at = bytes.size() - 3 - 8;
  ExpectError(Parse(bytes), StatusCode::kDataLoss,
              "gguf: metadata key #1 'general.name': string length 9999999 exceeds file at "
              "offset " +
                  std::to_string(at));
}

TEST(GgufMalformedTest, KeyLengthPastTheFile) {
  GgufBuilder b;
  b.kvs.push_back(U64(1000) + std::string(20, 'k'));
  ExpectError(Parse(b.Build()), StatusCode::kDataLoss, "key length 1000 exceeds file");
}

TEST(GgufMalformedTest, ArrayCounts) {
  ExpectError(Parse(OneKey(GgufType::kArray, Type(GgufType::kUint8) + U64(~uint64_t{0}))),
              StatusCode::kResourceExhausted, "max_array_elements");
  ExpectError(Parse(OneKey(GgufType::kArray, Type(GgufType::kUint32) + U64(1000) + U32(1))),
              StatusCode::kDataLoss, "array of 1000 uint32 elements exceeds file");
  // Strings need at least their 8-byte length each.
  ExpectError(Parse(OneKey(GgufType::kArray, Type(GgufType::kString) + U64(2) + U64(0) + "1234")),
              StatusCode::kDataLoss, "exceeds file");
}

TEST(GgufMalformedTest, BadValueTypes) {
  ExpectError(Parse(OneKey(static_cast<GgufType>(13), U8(0))), StatusCode::kInvalidArgument,
              "unknown value type 13");
  ExpectError(Parse(OneKey(GgufType::kArray, U32(99) + U64(0))), StatusCode::kInvalidArgument,
              "unknown array element type 99");
  ExpectError(Parse(OneKey(GgufType::kBool, U8(2))), StatusCode::kInvalidArgument,
              "neither 0 nor 1");
}

TEST(GgufMalformedTest, ErrorsInsideArraysNameTheElement) {
  const std::string value =
      Array(GgufType::kArray, {Array(GgufType::kBool, {U8(0)}), Array(GgufType::kBool, {U8(7)})});
  ExpectError(Parse(OneKey(GgufType::kArray, value)), StatusCode::kInvalidArgument,
              "metadata key #0 'k'[1][0]: bool value 7");
}

TEST(GgufMalformedTest, DuplicateAndEmptyKeys) {
  GgufBuilder b;
  b.Kv("a", GgufType::kUint8, U8(1)).Kv("a", GgufType::kUint8, U8(2));
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "#1 'a': duplicate key");
  ExpectError(Parse(GgufBuilder().Kv("", GgufType::kUint8, U8(1)).Build()),
              StatusCode::kInvalidArgument, "empty key");
}

TEST(GgufMalformedTest, Alignment) {
  auto with_alignment = [](GgufType type, const std::string& value) {
    GgufBuilder b;
    b.Kv("general.alignment", type, value);
    b.AddTensor("t", {8}, kF32);
    return b.Build();
  };
  ExpectError(Parse(with_alignment(GgufType::kUint64, U64(32))), StatusCode::kInvalidArgument,
              "expected uint32");
  ExpectError(Parse(with_alignment(GgufType::kUint32, U32(0))), StatusCode::kInvalidArgument,
              "not a nonzero power of two");
  ExpectError(Parse(with_alignment(GgufType::kUint32, U32(48))), StatusCode::kInvalidArgument,
              "48 is not a nonzero power of two");
  EXPECT_TRUE(Parse(with_alignment(GgufType::kUint32, U32(16))).ok());
}

TEST(GgufMalformedTest, MisalignedOffset) {
  GgufBuilder b = SmallFile();
  b.tensors[1].offset = 40;
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument,
              "tensor #1 'b': offset 40 is not a multiple of the alignment 32");
}

TEST(GgufMalformedTest, TensorPastTheEndOfTheFile) {
  GgufBuilder b = SmallFile();
  std::string bytes = b.Build();
  bytes.pop_back();
  ExpectError(Parse(bytes), StatusCode::kDataLoss, "extends past the data section");
  b.tensors[1].offset = uint64_t{1} << 63;
  ExpectError(Parse(b.Build()), StatusCode::kDataLoss, "extends past the data section");
}

TEST(GgufMalformedTest, OverlappingTensors) {
  GgufBuilder b = SmallFile();
  b.tensors[1].offset = 0;
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "overlaps");
}

TEST(GgufMalformedTest, DuplicateAndEmptyTensorNames) {
  GgufBuilder b = SmallFile();
  b.tensors[1].name = "a";
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "duplicate tensor name");
  b.tensors[1].name = "";
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "empty name");
}

TEST(GgufMalformedTest, BadShapes) {
  GgufBuilder b;
  b.AddTensor("t", {4, 0}, kF32);
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "dimension 1 (0) is 0");
  b.tensors[0].dims = {};
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "0 dimensions");
  b.tensors[0].dims = {uint64_t{1} << 32, uint64_t{1} << 32};
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "element count overflows");
  b.tensors[0].dims = {~uint64_t{0}};
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "exceeds int64");
  b.tensors[0].dims = {uint64_t{1} << 62};  // fits int64 as elements, not as bytes
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument, "byte size overflows");
  b.tensors[0] = {"q", {33}, kQ4_0, std::nullopt};
  ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument,
              "row length 33 is not a multiple of the block size 32 of Q4_0");
}

TEST(GgufMalformedTest, UnknownGgmlType) {
  for (uint32_t id : {4u, 31u, 40u, 1000u}) {
    GgufBuilder b;
    b.AddTensor("t", {32}, id);
    ExpectError(Parse(b.Build()), StatusCode::kInvalidArgument,
                "unknown ggml type " + std::to_string(id));
  }
}

TEST(GgufMalformedTest, EmptyAndHeaderOnlyBuffers) {
  ExpectError(Parse(""), StatusCode::kDataLoss, "magic needs 4 bytes");
  const std::string header = GgufBuilder().Build();
  ASSERT_EQ(header.size(), kHeaderSize);
  EXPECT_TRUE(Parse(header).ok());
}

// Each limit: a file exactly at the limit opens; one step over fails.
TEST(GgufLimitsTest, EachLimitIsEnforced) {
  GgufLimits limits;
  limits.max_string_bytes = 4;
  EXPECT_TRUE(Parse(OneKey(GgufType::kString, Str("abc")), limits).ok());  // key "k" + 3 bytes
  ExpectError(Parse(OneKey(GgufType::kString, Str("abcde")), limits),
              StatusCode::kResourceExhausted, "max_string_bytes 4");

  limits = {};
  limits.max_array_elements = 2;
  EXPECT_TRUE(
      Parse(OneKey(GgufType::kArray, Array(GgufType::kUint8, {U8(1), U8(2)})), limits).ok());
  ExpectError(
      Parse(OneKey(GgufType::kArray, Array(GgufType::kUint8, {U8(1), U8(2), U8(3)})), limits),
      StatusCode::kResourceExhausted, "max_array_elements 2");

  limits = {};
  limits.max_total_array_elements = 3;
  const std::string two = Array(GgufType::kUint8, {U8(1), U8(2)});
  EXPECT_TRUE(Parse(OneKey(GgufType::kArray, Array(GgufType::kArray, {two})), limits).ok());
  ExpectError(Parse(OneKey(GgufType::kArray, Array(GgufType::kArray, {two, two})), limits),
              StatusCode::kResourceExhausted, "max_total_array_elements 3");

  limits = {};
  limits.max_array_depth = 3;
  EXPECT_TRUE(Parse(Nested(3), limits).ok());
  ExpectError(Parse(Nested(4), limits), StatusCode::kResourceExhausted, "max_array_depth 3");
  EXPECT_EQ(Parse(Nested(1000)).code(), StatusCode::kResourceExhausted);  // default limit

  limits = {};
  limits.max_metadata_entries = 5;
  EXPECT_TRUE(Parse(SmallFile().Build(), limits).ok());
  limits.max_metadata_entries = 4;
  ExpectError(Parse(SmallFile().Build(), limits), StatusCode::kResourceExhausted,
              "max_metadata_entries 4");

  limits = {};
  limits.max_tensors = 2;
  EXPECT_TRUE(Parse(SmallFile().Build(), limits).ok());
  limits.max_tensors = 1;
  ExpectError(Parse(SmallFile().Build(), limits), StatusCode::kResourceExhausted, "max_tensors 1");

  limits = {};
  limits.max_dims = 2;
  EXPECT_TRUE(Parse(SmallFile().Build(), limits).ok());
  limits.max_dims = 1;
  ExpectError(Parse(SmallFile().Build(), limits), StatusCode::kResourceExhausted, "max_dims 1");
}

}  // namespace
}  // namespace sextant::llm
