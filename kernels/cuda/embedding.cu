// Embedding gather from a table in its GGUF layout, dequantizing each element
// with the CPU reference's rounding (no fused multiply-add).
#include "kernels/cuda/embedding.cuh"

#include <cmath>
#include <string>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

constexpr int kBlock = 256;

__device__ __forceinline__ uint16_t LoadU16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

__device__ __forceinline__ float HalfAt(const uint8_t* p) {
  return internal::HalfBitsToFloat(LoadU16(p));
}

// The Q4_K 6-bit scale (which == 0) or min (which == 1) of sub-block s.
__device__ __forceinline__ int Q4KSixBit(const uint8_t* scales, int s, int which) {
  if (s < 4) return scales[s + 4 * which] & 63;
  const int low4 = which == 0 ? scales[s + 4] & 15 : scales[s + 4] >> 4;
  const int top2 = scales[which == 0 ? s - 4 : s] >> 6;
  return low4 + 16 * top2;
}

// Element e of a row; the block layouts are those of kernels/cpu/internal/blocks.h.
__device__ float ElementAt(DType t, const uint8_t* row, int64_t e) {
  switch (t) {
    case DType::kF32:
      return __uint_as_float(static_cast<uint32_t>(LoadU16(row + 4 * e)) |
                             (static_cast<uint32_t>(LoadU16(row + 4 * e + 2)) << 16));
    case DType::kF16:
      return HalfAt(row + 2 * e);
    case DType::kBF16:
      return internal::Bf16BitsToFloat(LoadU16(row + 2 * e));
    case DType::kQ8_0: {
      const uint8_t* b = row + (e / 32) * 34;
      return __fmul_rn(static_cast<float>(static_cast<int8_t>(b[2 + e % 32])), HalfAt(b));
    }
    case DType::kQ4_0: {
      const uint8_t* b = row + (e / 32) * 18;
      const int j = static_cast<int>(e % 32);
      const int q = j < 16 ? b[2 + j] & 15 : b[2 + j - 16] >> 4;
      return __fmul_rn(static_cast<float>(q - 8), HalfAt(b));
    }
    case DType::kQ4_K: {
      const uint8_t* b = row + (e / 256) * 144;
      const int j = static_cast<int>(e % 256);
      const int chunk = j / 64;
      const int within = j % 64;
      const int sub = 2 * chunk + within / 32;
      const uint8_t byte = b[16 + 32 * chunk + within % 32];
      const int q = within < 32 ? byte & 15 : byte >> 4;
      const float scale = __fmul_rn(HalfAt(b), static_cast<float>(Q4KSixBit(b + 4, sub, 0)));
      const float min = __fmul_rn(HalfAt(b + 2), static_cast<float>(Q4KSixBit(b + 4, sub, 1)));
      return __fsub_rn(__fmul_rn(scale, static_cast<float>(q)), min);
    }
    case DType::kQ6_K: {
      const uint8_t* b = row + (e / 256) * 210;
      const int j = static_cast<int>(e % 256);
      const int half = j / 128;
      const int kind = (j % 128) / 32;
      const int l = j % 32;
      const uint8_t low_byte = b[64 * half + 32 * (kind % 2) + l];
      const int low4 = kind < 2 ? low_byte & 15 : low_byte >> 4;
      const int high2 = (b[128 + 32 * half + l] >> (2 * kind)) & 3;
      const int q = low4 + 16 * high2 - 32;
      const auto sc = static_cast<int8_t>(b[192 + 8 * half + l / 16 + 2 * kind]);
      return __fmul_rn(__fmul_rn(HalfAt(b + 208), static_cast<float>(sc)), static_cast<float>(q));
    }
    default:
      return NAN;
  }
}

// grid (ceil(cols / kBlock), n_tokens)
__global__ void EmbeddingGatherKernel(DType type, const uint8_t* __restrict__ table, int64_t rows,
                                      int64_t cols, int64_t row_bytes,
                                      const int32_t* __restrict__ ids, float* __restrict__ out) {
  internal::EnterKernel();
  const int64_t t = blockIdx.y;
  const int64_t e = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (e >= cols) return;
  const int64_t id = ids[t];
  out[t * cols + e] = id < 0 || id >= rows ? NAN : ElementAt(type, table + id * row_bytes, e);
}

bool EmbeddingSupports(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ8_0:
    case DType::kQ4_0:
    case DType::kQ4_K:
    case DType::kQ6_K:
      return true;
    default:
      return false;
  }
}

}  // namespace

namespace internal {

Status LaunchEmbeddingGather(const EmbeddingParams& p, cudaStream_t stream) {
  const dim3 grid(GridFor(p.cols, kBlock), static_cast<unsigned int>(p.n_tokens));
  CUDA_CHECK(internal::Launch(EmbeddingGatherKernel, grid, kBlock, 0, stream, p.type,
                              static_cast<const uint8_t*>(p.table), p.rows, p.cols, p.row_bytes,
                              p.ids, p.out));
  return Status::Ok();
}

}  // namespace internal

Status EmbeddingGather(const EmbeddingParams& p, Stream stream) {
  constexpr int64_t kMaxGridY = 65535;
  if (!EmbeddingSupports(p.type)) {
    return UnimplementedError("EmbeddingGather: no CUDA path for " +
                              std::string(DTypeName(p.type)));
  }
  if (p.table == nullptr || p.ids == nullptr || p.out == nullptr) {
    return InvalidArgumentError("EmbeddingGather: null pointer");
  }
  if (p.rows <= 0 || p.cols <= 0 || p.n_tokens < 0 || p.n_tokens > kMaxGridY) {
    return InvalidArgumentError("EmbeddingGather: bad shape");
  }
  const auto row_bytes = RowBytes(p.type, p.cols);
  if (!row_bytes || p.row_bytes < *row_bytes) {
    return InvalidArgumentError("EmbeddingGather: cols " + std::to_string(p.cols) +
                                " does not fit rows of " + std::to_string(p.row_bytes) +
                                " bytes of " + std::string(DTypeName(p.type)));
  }
  if (p.n_tokens == 0) return Status::Ok();
  return internal::LaunchEmbeddingGather(p, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
