#include "llm/runtime/internal/cuda_weights.h"

#include <cmath>
#include <string>

#include "kernels/cpu/quant.h"

namespace sextant::llm::internal {
namespace {

namespace cuda = kernels::cuda;
using kernels::DType;

// The GPU type a stored type is uploaded as.
DType GpuType(DType t) {
  if (cuda::GemvSupports(t)) return t;
  if (t == DType::kQ5_0) return DType::kQ8_0;  // same scale, 5-bit integers fit int8
  return DType::kF16;
}

constexpr int64_t kQ8Block = 32;
constexpr int64_t kQ8BlockBytes = 34;  // fp16 d, 32 int8
constexpr int64_t kQ5_0BlockBytes = 22;

// One row of Q5_0 as Q8_0 with the same per-block scale: exact.
void Q5_0RowToQ8_0(const uint8_t* src, int64_t cols, uint8_t* dst, std::vector<float>* tmp) {
  tmp->resize(static_cast<size_t>(cols));
  kernels::cpu::DequantizeRow(DType::kQ5_0, src, tmp->data(), cols);
  for (int64_t b = 0; b < cols / kQ8Block; ++b) {
    const uint8_t* block = src + b * kQ5_0BlockBytes;
    uint8_t* out = dst + b * kQ8BlockBytes;
    out[0] = block[0];
    out[1] = block[1];
    const float d = kernels::cpu::Fp16ToFp32(static_cast<uint16_t>(block[0] | (block[1] << 8)));
    for (int64_t i = 0; i < kQ8Block; ++i) {
      const float y = (*tmp)[static_cast<size_t>(b * kQ8Block + i)];
      const long q = d == 0.0f ? 0 : std::lrint(y / d);
      out[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(q));
    }
  }
}

// One row of any type as F16 (round to nearest even).
void RowToF16(DType t, const uint8_t* src, int64_t cols, uint8_t* dst, std::vector<float>* tmp) {
  tmp->resize(static_cast<size_t>(cols));
  kernels::cpu::DequantizeRow(t, src, tmp->data(), cols);
  auto* out = reinterpret_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < cols; ++i)
    out[i] = kernels::cpu::Fp32ToFp16((*tmp)[static_cast<size_t>(i)]);
}

// The rows of `m` in the GPU type (a copy only when converting).
struct HostRows {
  DType type;
  const uint8_t* data;
  int64_t row_bytes;
  std::vector<uint8_t> converted;
};

Result<HostRows> ToGpuType(const kernels::cpu::MatrixView& m) {
  const DType target = GpuType(m.type);
  HostRows rows{target, static_cast<const uint8_t*>(m.data), m.row_bytes, {}};
  if (target == m.type) return rows;
  const auto row_bytes = kernels::RowBytes(target, m.cols);
  if (!row_bytes)
    return UnimplementedError("cannot convert a matrix of " + std::to_string(m.cols) +
                              " columns for the GPU");
  rows.row_bytes = *row_bytes;
  rows.converted.resize(static_cast<size_t>(m.rows * rows.row_bytes));
  std::vector<float> tmp;
  for (int64_t r = 0; r < m.rows; ++r) {
    const uint8_t* src = static_cast<const uint8_t*>(m.data) + r * m.row_bytes;
    uint8_t* dst = rows.converted.data() + r * rows.row_bytes;
    if (target == DType::kQ8_0) {
      Q5_0RowToQ8_0(src, m.cols, dst, &tmp);
    } else {
      RowToF16(m.type, src, m.cols, dst, &tmp);
    }
  }
  rows.data = rows.converted.data();
  return rows;
}

Result<int64_t> MatrixBytes(const kernels::cpu::MatrixView& m) {
  return cuda::GemvLayoutBytes(GpuType(m.type), m.rows, m.cols);
}

Result<DeviceMatrix> UploadMatrix(const kernels::cpu::MatrixView& m) {
  SEXTANT_ASSIGN_OR_RETURN(HostRows rows, ToGpuType(m));
  DeviceMatrix out;
  SEXTANT_RETURN_IF_ERROR(cuda::UploadGemvWeights(rows.type, rows.data, m.rows, m.cols,
                                                  rows.row_bytes, &out.buffer, &out.w));
  return out;
}

Result<cuda::DeviceBuffer> UploadVector(const std::vector<float>& v) {
  if (v.empty()) return cuda::DeviceBuffer();
  const auto bytes = static_cast<int64_t>(v.size() * sizeof(float));
  SEXTANT_ASSIGN_OR_RETURN(cuda::DeviceBuffer buffer, cuda::DeviceBuffer::Allocate(bytes));
  SEXTANT_RETURN_IF_ERROR(buffer.CopyFromHost(v.data(), bytes));
  return buffer;
}

Result<DeviceEmbedding> UploadEmbedding(const kernels::cpu::MatrixView& m) {
  SEXTANT_ASSIGN_OR_RETURN(HostRows rows, ToGpuType(m));
  DeviceEmbedding out;
  const int64_t bytes = m.rows * rows.row_bytes;
  SEXTANT_ASSIGN_OR_RETURN(out.table, cuda::DeviceBuffer::Allocate(bytes));
  SEXTANT_RETURN_IF_ERROR(out.table.CopyFromHost(rows.data, bytes));
  out.params.type = rows.type;
  out.params.table = out.table.data();
  out.params.rows = m.rows;
  out.params.cols = m.cols;
  out.params.row_bytes = rows.row_bytes;
  return out;
}

Result<DeviceLayer> UploadLayer(const LayerWeights& w) {
  DeviceLayer d;
  SEXTANT_ASSIGN_OR_RETURN(d.wq, UploadMatrix(w.wq));
  SEXTANT_ASSIGN_OR_RETURN(d.wk, UploadMatrix(w.wk));
  SEXTANT_ASSIGN_OR_RETURN(d.wv, UploadMatrix(w.wv));
  SEXTANT_ASSIGN_OR_RETURN(d.wo, UploadMatrix(w.wo));
  SEXTANT_ASSIGN_OR_RETURN(d.w_gate, UploadMatrix(w.w_gate));
  SEXTANT_ASSIGN_OR_RETURN(d.w_up, UploadMatrix(w.w_up));
  SEXTANT_ASSIGN_OR_RETURN(d.w_down, UploadMatrix(w.w_down));
  SEXTANT_ASSIGN_OR_RETURN(d.attn_norm, UploadVector(w.attn_norm));
  SEXTANT_ASSIGN_OR_RETURN(d.ffn_norm, UploadVector(w.ffn_norm));
  SEXTANT_ASSIGN_OR_RETURN(d.bq, UploadVector(w.bq));
  SEXTANT_ASSIGN_OR_RETURN(d.bk, UploadVector(w.bk));
  SEXTANT_ASSIGN_OR_RETURN(d.bv, UploadVector(w.bv));
  SEXTANT_ASSIGN_OR_RETURN(d.q_norm, UploadVector(w.q_norm));
  SEXTANT_ASSIGN_OR_RETURN(d.k_norm, UploadVector(w.k_norm));
  return d;
}

}  // namespace

Result<int64_t> DeviceWeightBytes(const ModelConfig& config, const ModelWeights& weights) {
  int64_t total = 0;
  for (const LayerWeights& w : weights.layers) {
    for (const auto* m : {&w.wq, &w.wk, &w.wv, &w.wo, &w.w_gate, &w.w_up, &w.w_down}) {
      SEXTANT_ASSIGN_OR_RETURN(int64_t bytes, MatrixBytes(*m));
      total += bytes;
    }
    const size_t floats = w.attn_norm.size() + w.ffn_norm.size() + w.bq.size() + w.bk.size() +
                          w.bv.size() + w.q_norm.size() + w.k_norm.size();
    total += static_cast<int64_t>(floats * sizeof(float));
  }
  SEXTANT_ASSIGN_OR_RETURN(int64_t output_bytes, MatrixBytes(weights.output));
  const DType embd_type = GpuType(weights.token_embd.type);
  const auto embd_row = kernels::RowBytes(embd_type, weights.token_embd.cols);
  if (!embd_row) return UnimplementedError("embedding table type");
  total += output_bytes + weights.token_embd.rows * *embd_row;
  total += static_cast<int64_t>((config.n_embd + config.rope.dim / 2) * sizeof(float));
  return total;
}

Result<DeviceWeights> UploadWeights(const ModelConfig& config, const ModelWeights& weights) {
  DeviceWeights d;
  SEXTANT_ASSIGN_OR_RETURN(d.embedding, UploadEmbedding(weights.token_embd));
  SEXTANT_ASSIGN_OR_RETURN(d.output, UploadMatrix(weights.output));
  SEXTANT_ASSIGN_OR_RETURN(d.output_norm, UploadVector(weights.output_norm));
  SEXTANT_ASSIGN_OR_RETURN(
      d.inv_freq, UploadVector(RopeInverseFrequencies(config.rope, weights.rope_freq_factors)));
  d.layers.reserve(weights.layers.size());
  for (const LayerWeights& w : weights.layers) {
    SEXTANT_ASSIGN_OR_RETURN(DeviceLayer layer, UploadLayer(w));
    d.layers.push_back(std::move(layer));
  }
  return d;
}

}  // namespace sextant::llm::internal
