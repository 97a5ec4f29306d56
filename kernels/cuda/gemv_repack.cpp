// Host side of the GEMV: shape checks, the repack into the device layout
// (internal/gemv_layout.h) and the upload.
#include <cstring>
#include <string>

#include "kernels/cpu/internal/blocks.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/gemv_layout.h"

namespace sextant::kernels::cuda {
namespace {

namespace blocks = ::sextant::kernels::cpu::internal;
using internal::MakeGemvLayout;

// F16/BF16 rows are read 8 values (16 bytes) at a time.
constexpr int64_t kHalfRowMultiple = 8;

Status CheckShape(DType t, int64_t rows, int64_t cols) {
  if (!GemvSupports(t)) {
    return UnimplementedError("GEMV: no CUDA path for " + std::string(DTypeName(t)));
  }
  if (rows <= 0 || cols <= 0) return InvalidArgumentError("GEMV: rows and cols must be positive");
  const int64_t multiple = IsQuantized(t) ? BlockElements(t) : kHalfRowMultiple;
  if (cols % multiple != 0) {
    return InvalidArgumentError("GEMV: cols " + std::to_string(cols) + " of " +
                                std::string(DTypeName(t)) + " is not a multiple of " +
                                std::to_string(multiple));
  }
  if (!RowBytes(t, cols) || rows > (int64_t{1} << 40) / *RowBytes(t, cols)) {
    return InvalidArgumentError("GEMV: matrix too large");
  }
  return Status::Ok();
}

}  // namespace

bool GemvSupports(DType t) {
  switch (t) {
    case DType::kQ8_0:
    case DType::kQ4_0:
    case DType::kQ4_K:
    case DType::kQ6_K:
    case DType::kBF16:
    case DType::kF16:
      return true;
    default:
      return false;
  }
}

Result<int64_t> GemvLayoutBytes(DType t, int64_t rows, int64_t cols) {
  SEXTANT_RETURN_IF_ERROR(CheckShape(t, rows, cols));
  return MakeGemvLayout(t, rows, cols).total;
}

Status RepackForGemv(DType t, const void* src, int64_t rows, int64_t cols, int64_t row_bytes,
                     std::vector<uint8_t>* dst) {
  SEXTANT_RETURN_IF_ERROR(CheckShape(t, rows, cols));
  if (src == nullptr || dst == nullptr) return InvalidArgumentError("GEMV repack: null pointer");
  if (row_bytes < *RowBytes(t, cols)) {
    return InvalidArgumentError("GEMV repack: row_bytes " + std::to_string(row_bytes) +
                                " is shorter than a row");
  }
  const auto layout = MakeGemvLayout(t, rows, cols);
  dst->assign(static_cast<size_t>(layout.total), 0);
  const auto* in = static_cast<const uint8_t*>(src);
  uint8_t* out = dst->data();
  const int64_t n_blocks = cols / BlockElements(t);
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = in + r * row_bytes;
    uint8_t* quants = out + r * layout.quant_bytes_per_row;
    switch (t) {
      case DType::kF16:
      case DType::kBF16:
      case DType::kQ4_K:
        std::memcpy(quants, row, static_cast<size_t>(layout.quant_bytes_per_row));
        break;
      case DType::kQ8_0:
      case DType::kQ4_0: {
        const bool q8 = t == DType::kQ8_0;
        const int64_t block_bytes = q8 ? blocks::kQ8_0Bytes : blocks::kQ4_0Bytes;
        const int64_t qs_bytes = q8 ? blocks::kQk : blocks::kQk / 2;
        const int64_t qs_at = q8 ? blocks::kQ8_0Qs : blocks::kQ4_0Qs;
        uint8_t* d = out + layout.scale_offset + r * n_blocks * 2;
        for (int64_t b = 0; b < n_blocks; ++b) {
          const uint8_t* block = row + b * block_bytes;
          std::memcpy(quants + b * qs_bytes, block + qs_at, static_cast<size_t>(qs_bytes));
          std::memcpy(d + 2 * b, block, 2);
        }
        break;
      }
      case DType::kQ6_K: {
        uint8_t* scales = out + layout.scale_offset + r * n_blocks * internal::kQ6KScaleBytes;
        uint8_t* d = out + layout.d_offset + r * n_blocks * 2;
        for (int64_t b = 0; b < n_blocks; ++b) {
          const uint8_t* block = row + b * blocks::kQ6_KBytes;
          std::memcpy(quants + b * internal::kQ6KPackedQuantBytes, block + blocks::kQ6_KQl,
                      static_cast<size_t>(internal::kQ6KPackedQuantBytes));
          std::memcpy(scales + b * internal::kQ6KScaleBytes, block + blocks::kQ6_KScales,
                      static_cast<size_t>(internal::kQ6KScaleBytes));
          std::memcpy(d + 2 * b, block + blocks::kQ6_KD, 2);
        }
        break;
      }
      default:
        return InternalError("GEMV repack: unexpected type");
    }
  }
  return Status::Ok();
}

Status UploadGemvWeights(DType t, const void* src, int64_t rows, int64_t cols, int64_t row_bytes,
                         DeviceBuffer* buffer, GemvWeights* weights) {
  if (buffer == nullptr || weights == nullptr) {
    return InvalidArgumentError("GEMV upload: null pointer");
  }
  std::vector<uint8_t> packed;
  SEXTANT_RETURN_IF_ERROR(RepackForGemv(t, src, rows, cols, row_bytes, &packed));
  SEXTANT_ASSIGN_OR_RETURN(*buffer, DeviceBuffer::Allocate(static_cast<int64_t>(packed.size())));
  SEXTANT_RETURN_IF_ERROR(buffer->CopyFromHost(packed.data(), static_cast<int64_t>(packed.size())));
  weights->type = t;
  weights->data = buffer->data();
  weights->rows = rows;
  weights->cols = cols;
  return Status::Ok();
}

}  // namespace sextant::kernels::cuda
