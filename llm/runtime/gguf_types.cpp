// Names of the GGUF metadata value types and the block layouts of every ggml
// tensor type (ggml.h `enum ggml_type` and ggml-common.h block structs).
#include <array>

#include "llm/runtime/gguf.h"

namespace sextant::llm {
namespace {

constexpr int64_t kQk = 32;    // elements per block of the legacy quants
constexpr int64_t kQkK = 256;  // elements per super-block of K-, IQ- and TQ-quants
constexpr int64_t kHalf = 2;   // bytes of an fp16 scale

struct TypeRow {
  uint32_t id;
  GgmlTypeTraits traits;
};

// Ids 4, 5 (Q4_2, Q4_3), 31..33 (Q4_0_4_4 ...) and 36..38 (IQ4_NL_4_4 ...)
// were removed from ggml and are unknown here.
constexpr std::array<TypeRow, 32> kGgmlTypes = {{
    {0, {"F32", 1, 4}},
    {1, {"F16", 1, 2}},
    {2, {"Q4_0", kQk, kHalf + kQk / 2}},
    {3, {"Q4_1", kQk, 2 * kHalf + kQk / 2}},
    {6, {"Q5_0", kQk, kHalf + 4 + kQk / 2}},
    {7, {"Q5_1", kQk, 2 * kHalf + 4 + kQk / 2}},
    {8, {"Q8_0", kQk, kHalf + kQk}},
    {9, {"Q8_1", kQk, 2 * kHalf + kQk}},
    {10, {"Q2_K", kQkK, 2 * kHalf + kQkK / 16 + kQkK / 4}},
    {11, {"Q3_K", kQkK, kHalf + kQkK / 4 + kQkK / 8 + 12}},
    {12, {"Q4_K", kQkK, 2 * kHalf + 12 + kQkK / 2}},
    {13, {"Q5_K", kQkK, 2 * kHalf + 12 + kQkK / 8 + kQkK / 2}},
    {14, {"Q6_K", kQkK, kHalf + kQkK / 16 + 3 * kQkK / 4}},
    {15, {"Q8_K", kQkK, 4 + kQkK + kQkK / 8}},
    {16, {"IQ2_XXS", kQkK, kHalf + kQkK / 4}},
    {17, {"IQ2_XS", kQkK, kHalf + kQkK / 4 + kQkK / 32}},
    {18, {"IQ3_XXS", kQkK, kHalf + kQkK / 4 + kQkK / 8}},
    {19, {"IQ1_S", kQkK, kHalf + kQkK / 8 + kQkK / 16}},
    {20, {"IQ4_NL", kQk, kHalf + kQk / 2}},
    {21, {"IQ3_S", kQkK, kHalf + kQkK / 4 + kQkK / 8 + kQkK / 32 + 4}},
    {22, {"IQ2_S", kQkK, kHalf + kQkK / 4 + kQkK / 16}},
    {23, {"IQ4_XS", kQkK, 2 * kHalf + kQkK / 64 + kQkK / 2}},
    {24, {"I8", 1, 1}},
    {25, {"I16", 1, 2}},
    {26, {"I32", 1, 4}},
    {27, {"I64", 1, 8}},
    {28, {"F64", 1, 8}},
    {29, {"IQ1_M", kQkK, kQkK / 8 + kQkK / 16 + kQkK / 32}},
    {30, {"BF16", 1, 2}},
    {34, {"TQ1_0", kQkK, kHalf + 4 * 13}},
    {35, {"TQ2_0", kQkK, kHalf + kQkK / 4}},
    {39, {"MXFP4", kQk, 1 + kQk / 2}},
}};

}  // namespace

std::string_view GgufTypeName(GgufType t) {
  switch (t) {
    case GgufType::kUint8:
      return "uint8";
    case GgufType::kInt8:
      return "int8";
    case GgufType::kUint16:
      return "uint16";
    case GgufType::kInt16:
      return "int16";
    case GgufType::kUint32:
      return "uint32";
    case GgufType::kInt32:
      return "int32";
    case GgufType::kFloat32:
      return "float32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kUint64:
      return "uint64";
    case GgufType::kInt64:
      return "int64";
    case GgufType::kFloat64:
      return "float64";
  }
  return "unknown";
}

std::optional<GgmlTypeTraits> GgmlTypeInfo(uint32_t id) {
  for (const TypeRow& row : kGgmlTypes) {
    if (row.id == id) return row.traits;
  }
  return std::nullopt;
}

}  // namespace sextant::llm
