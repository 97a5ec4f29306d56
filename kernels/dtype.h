// Element types of model tensors, with the exact GGUF (ggml) block layouts.
// Quantized types store a row as consecutive blocks of BlockElements(t)
// values, each BlockBytes(t) bytes long.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sextant::kernels {

// Values are the ggml type ids used in GGUF tensor infos.
enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ6_K = 14,
  kBF16 = 30,
};

// "F32", "Q4_K", ... as GGUF tools print them.
std::string_view DTypeName(DType t);
// The type with this ggml id, or nullopt when it is not supported.
std::optional<DType> DTypeFromGgmlId(uint32_t id);
// The type with this name (case-insensitive), or nullopt.
std::optional<DType> DTypeFromName(std::string_view name);

// Elements per block: 1 for F32/F16/BF16, 32 for Q4_0..Q8_0, 256 for K-quants.
int64_t BlockElements(DType t);
// Bytes per block.
int64_t BlockBytes(DType t);
bool IsQuantized(DType t);
// Bytes of a row of n elements, or nullopt when n is not a multiple of the
// block size or the size overflows int64.
std::optional<int64_t> RowBytes(DType t, int64_t n);

}  // namespace sextant::kernels
