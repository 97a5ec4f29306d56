// Matrix times a batch of vectors, parallel over weight rows.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/internal/simd.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"

namespace sextant::kernels::cpu {
namespace {

// Multiply-adds below which a chunk is not worth handing to another thread.
constexpr int64_t kMinWorkPerChunk = 1 << 15;
// Floats of dequantized rows kept per thread: the row tile stays in L2 while
// every batch row streams past it.
constexpr int64_t kScratchFloats = 1 << 15;
constexpr int64_t kMinTileRows = 4;

void DotTile(const float* w, int64_t w_stride, int64_t n_rows, const float* x, int64_t n_batch,
             int64_t n, float* out, int64_t out_stride) {
  if (internal::HasAvx2Fma()) {
    internal::DotTileAvx2(w, w_stride, n_rows, x, n, n_batch, n, out, out_stride);
  } else {
    internal::DotTileScalar(w, w_stride, n_rows, x, n, n_batch, n, out, out_stride);
  }
}

// Rows [begin, end) for every batch row, in tiles of dequantized rows.
void MatMulRows(const MatrixView& w, const float* x, int64_t batch, float* y, int64_t begin,
                int64_t end) {
  const auto* base = static_cast<const uint8_t*>(w.data);
  const int64_t tile_rows = std::max(kMinTileRows, kScratchFloats / std::max<int64_t>(1, w.cols));
  const bool aligned_f32 = w.type == DType::kF32 &&
                           reinterpret_cast<uintptr_t>(w.data) % alignof(float) == 0 &&
                           w.row_bytes % static_cast<int64_t>(sizeof(float)) == 0;
  if (aligned_f32) {
    const int64_t stride = w.row_bytes / static_cast<int64_t>(sizeof(float));
    for (int64_t r = begin; r < end; r += tile_rows) {
      const int64_t rows = std::min(tile_rows, end - r);
      const auto* wr = reinterpret_cast<const float*>(base + r * w.row_bytes);
      DotTile(wr, stride, rows, x, batch, w.cols, y + r, w.rows);
    }
    return;
  }
  thread_local std::vector<float> scratch;  // (tile_rows, cols)
  scratch.resize(static_cast<size_t>(tile_rows * w.cols));
  for (int64_t r = begin; r < end; r += tile_rows) {
    const int64_t rows = std::min(tile_rows, end - r);
    for (int64_t i = 0; i < rows; ++i) {
      DequantizeRow(w.type, base + (r + i) * w.row_bytes, scratch.data() + i * w.cols, w.cols);
    }
    DotTile(scratch.data(), w.cols, rows, x, batch, w.cols, y + r, w.rows);
  }
}

}  // namespace

void MatMul(const MatrixView& w, const float* x, int64_t batch, float* y, ThreadPool* pool) {
  if (batch <= 0 || w.rows <= 0) return;
  const auto* base = static_cast<const uint8_t*>(w.data);
  const int64_t work_per_row = std::max<int64_t>(1, w.cols * batch);
  const int64_t min_chunk = std::max<int64_t>(1, kMinWorkPerChunk / work_per_row);
  auto body = [&](int64_t begin, int64_t end) {
    if (batch == 1) {
      for (int64_t r = begin; r < end; ++r) {
        y[r] = DotRow(w.type, base + r * w.row_bytes, x, w.cols);
      }
    } else {
      MatMulRows(w, x, batch, y, begin, end);
    }
  };
  if (pool == nullptr) {
    body(0, w.rows);
    return;
  }
  pool->ParallelFor(w.rows, min_chunk, body);
}

}  // namespace sextant::kernels::cpu
