// The device layout of GEMV weights, shared by the host repacker and the
// kernels. Offsets are bytes from the start of the matrix.
//
//   F16, BF16  rows of cols 2-byte values, exactly as GGUF.
//   Q4_K       rows of 144-byte super-blocks, exactly as GGUF.
//   Q8_0       quants (rows, cols) int8, then d (rows, cols / 32) fp16.
//   Q4_0       quants (rows, cols / 32, 16) bytes as in the GGUF block, then
//              d (rows, cols / 32) fp16.
//   Q6_K       [ql 128 | qh 64] (rows, cols / 256, 192) bytes, then scales
//              (rows, cols / 256, 16) int8, then d (rows, cols / 256) fp16.
//
// Each region starts at a multiple of kGemvRegionAlign.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace sextant::kernels::cuda::internal {

inline constexpr int64_t kGemvRegionAlign = 256;
inline constexpr int64_t kQ6KPackedQuantBytes = 192;  // ql + qh of one super-block
inline constexpr int64_t kQ6KScaleBytes = 16;

struct GemvLayout {
  int64_t quant_bytes_per_row = 0;  // bytes of row r's quants, at r * this
  int64_t scale_offset = 0;         // Q8_0/Q4_0: d; Q6_K: int8 scales
  int64_t d_offset = 0;             // Q6_K only
  int64_t total = 0;
};

constexpr int64_t CeilDiv(int64_t v, int64_t d) { return (v + d - 1) / d; }
constexpr int64_t AlignUp(int64_t v, int64_t a) { return CeilDiv(v, a) * a; }

// The layout of a rows x cols matrix; the shape is assumed valid for t.
constexpr GemvLayout MakeGemvLayout(DType t, int64_t rows, int64_t cols) {
  GemvLayout l;
  switch (t) {
    case DType::kF16:
    case DType::kBF16:
      l.quant_bytes_per_row = cols * 2;
      l.total = rows * cols * 2;
      break;
    case DType::kQ4_K:
      l.quant_bytes_per_row = cols / 256 * 144;
      l.total = rows * l.quant_bytes_per_row;
      break;
    case DType::kQ8_0:
    case DType::kQ4_0:
      l.quant_bytes_per_row = t == DType::kQ8_0 ? cols : cols / 2;
      l.scale_offset = AlignUp(rows * l.quant_bytes_per_row, kGemvRegionAlign);
      l.total = l.scale_offset + rows * (cols / 32) * 2;
      break;
    case DType::kQ6_K:
      l.quant_bytes_per_row = cols / 256 * kQ6KPackedQuantBytes;
      l.scale_offset = AlignUp(rows * l.quant_bytes_per_row, kGemvRegionAlign);
      l.d_offset = AlignUp(l.scale_offset + rows * (cols / 256) * kQ6KScaleBytes, kGemvRegionAlign);
      l.total = l.d_offset + rows * (cols / 256) * 2;
      break;
    default:
      break;
  }
  return l;
}

}  // namespace sextant::kernels::cuda::internal
