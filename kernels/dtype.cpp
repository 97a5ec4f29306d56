#include "kernels/dtype.h"

#include <array>
#include <cctype>
#include <limits>

namespace sextant::kernels {
namespace {

struct TypeInfo {
  DType type;
  std::string_view name;
  int64_t block_elements;
  int64_t block_bytes;
};

constexpr int64_t kQk = 32;    // elements per block of the legacy quants
constexpr int64_t kQkK = 256;  // elements per K-quant super-block
constexpr int64_t kHalf = 2;   // bytes of an fp16 scale

constexpr std::array<TypeInfo, 10> kTypes = {{
    {DType::kF32, "F32", 1, 4},
    {DType::kF16, "F16", 1, 2},
    {DType::kQ4_0, "Q4_0", kQk, kHalf + kQk / 2},
    {DType::kQ4_1, "Q4_1", kQk, 2 * kHalf + kQk / 2},
    {DType::kQ5_0, "Q5_0", kQk, kHalf + 4 + kQk / 2},
    {DType::kQ5_1, "Q5_1", kQk, 2 * kHalf + 4 + kQk / 2},
    {DType::kQ8_0, "Q8_0", kQk, kHalf + kQk},
    // d, dmin, scales[12], qs[128]
    {DType::kQ4_K, "Q4_K", kQkK, 2 * kHalf + 12 + kQkK / 2},
    // ql[128], qh[64], scales[16], d
    {DType::kQ6_K, "Q6_K", kQkK, kQkK / 2 + kQkK / 4 + kQkK / 16 + kHalf},
    {DType::kBF16, "BF16", 1, 2},
}};

const TypeInfo& Info(DType t) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == t) return info;
  }
  return kTypes[0];
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view DTypeName(DType t) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == t) return info.name;
  }
  return "unknown";
}

std::optional<DType> DTypeFromGgmlId(uint32_t id) {
  for (const TypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == id) return info.type;
  }
  return std::nullopt;
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const TypeInfo& info : kTypes) {
    if (EqualsIgnoreCase(info.name, name)) return info.type;
  }
  return std::nullopt;
}

int64_t BlockElements(DType t) { return Info(t).block_elements; }

int64_t BlockBytes(DType t) { return Info(t).block_bytes; }

bool IsQuantized(DType t) { return Info(t).block_elements > 1; }

std::optional<int64_t> RowBytes(DType t, int64_t n) {
  const TypeInfo& info = Info(t);
  if (n < 0 || n % info.block_elements != 0) return std::nullopt;
  const int64_t blocks = n / info.block_elements;
  if (blocks > std::numeric_limits<int64_t>::max() / info.block_bytes) return std::nullopt;
  return blocks * info.block_bytes;
}

}  // namespace sextant::kernels
