// GEMM for prefill: dequantize a tile of weight rows to fp16 with the GEMV
// traits (BF16 and F16 weights are read in place), round the activations to
// the weights' half type once, and multiply on tensor cores through cuBLAS
// with float32 accumulation. fp16 keeps three more mantissa bits than bf16,
// which a quantized weight's scale times its integer needs.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <string>
#include <type_traits>

#include "kernels/cuda/internal/cublas_api.h"
#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/gemv_layout.h"
#include "kernels/cuda/internal/gemv_traits.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::GemvLayout;

constexpr int kBlock = 256;
// Weight rows are dequantized in tiles of at most this many elements
// (64 MiB of bf16), so the scratch does not grow with the vocabulary.
constexpr int64_t kTileElems = int64_t{32} << 20;

// Two floats as a packed pair of T (half or bfloat16), rounded to nearest.
template <typename T>
__device__ __forceinline__ uint32_t PackPair(float a, float b) {
  if constexpr (std::is_same_v<T, __half>) {
    const __half2 h = __floats2half2_rn(a, b);
    return *reinterpret_cast<const uint32_t*>(&h);
  } else {
    const __nv_bfloat162 h = __floats2bfloat162_rn(a, b);
    return *reinterpret_cast<const uint32_t*>(&h);
  }
}

// One thread per step of a row: writes the step's kElems weights as T.
template <class Traits, typename T>
__global__ void DequantKernel(const uint8_t* __restrict__ w, GemvLayout layout, int64_t cols,
                              int64_t row_begin, int64_t n_rows, uint16_t* __restrict__ out) {
  constexpr int kRuns = Traits::kElems / Traits::kRun;
  internal::EnterKernel();
  const int64_t steps = cols / Traits::kElems;
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (idx >= n_rows * steps) return;
  const int64_t r = idx / steps;
  const int64_t c = idx % steps;
  const Traits tr(w, layout, row_begin + r, cols);
  const typename Traits::Raw raw = tr.Load(c);
  uint16_t* row = out + r * cols;
#pragma unroll
  for (int part = 0; part < kRuns; ++part) {
    internal::Run<Traits::kRun> run;
    Traits::Dequant(raw, c, part, &run);
    uint16_t* dst = row + Traits::RunStart(c, part);
#pragma unroll
    for (int i = 0; i < Traits::kRun; i += 2) {
      const float a = run.scale * run.w[i] - run.min;
      const float b = run.scale * run.w[i + 1] - run.min;
      *reinterpret_cast<uint32_t*>(dst + i) = PackPair<T>(a, b);
    }
  }
}

template <typename T>
__global__ void ToHalfKernel(const float* __restrict__ x, int64_t n, T* __restrict__ out) {
  internal::EnterKernel();
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (i >= n) return;
  if constexpr (std::is_same_v<T, __half>) {
    out[i] = __float2half_rn(x[i]);
  } else {
    out[i] = __float2bfloat16_rn(x[i]);
  }
}

template <class Traits>
Status LaunchDequant(const GemvWeights& w, int64_t row_begin, int64_t n_rows, bool bf16,
                     uint16_t* out, cudaStream_t stream) {
  const GemvLayout layout = internal::MakeGemvLayout(w.type, w.rows, w.cols);
  const unsigned int grid = internal::GridFor(n_rows * (w.cols / Traits::kElems), kBlock);
  const auto* data = static_cast<const uint8_t*>(w.data);
  if (bf16) {
    CUDA_CHECK(internal::Launch(DequantKernel<Traits, __nv_bfloat16>, grid, kBlock, 0, stream, data,
                                layout, w.cols, row_begin, n_rows, out));
  } else {
    CUDA_CHECK(internal::Launch(DequantKernel<Traits, __half>, grid, kBlock, 0, stream, data,
                                layout, w.cols, row_begin, n_rows, out));
  }
  return Status::Ok();
}

Status LaunchDequantFor(const GemvWeights& w, int64_t row_begin, int64_t n_rows, bool bf16,
                        uint16_t* out, cudaStream_t stream) {
  switch (w.type) {
    case DType::kF16:
      return LaunchDequant<internal::HalfTraits<false>>(w, row_begin, n_rows, bf16, out, stream);
    case DType::kBF16:
      return LaunchDequant<internal::HalfTraits<true>>(w, row_begin, n_rows, bf16, out, stream);
    case DType::kQ8_0:
      return LaunchDequant<internal::Q8Traits>(w, row_begin, n_rows, bf16, out, stream);
    case DType::kQ4_0:
      return LaunchDequant<internal::Q4Traits>(w, row_begin, n_rows, bf16, out, stream);
    case DType::kQ4_K:
      return LaunchDequant<internal::Q4KTraits>(w, row_begin, n_rows, bf16, out, stream);
    case DType::kQ6_K:
      return LaunchDequant<internal::Q6KTraits>(w, row_begin, n_rows, bf16, out, stream);
    default:
      return UnimplementedError("GEMM: no CUDA path for " + std::string(DTypeName(w.type)));
  }
}

// `api` is the loaded internal::CublasApi.
#define CUBLAS_CHECK(api, stmt)                                                                  \
  do {                                                                                           \
    const cublasStatus_t sextant_blas_st_ = (stmt);                                              \
    if (sextant_blas_st_ != CUBLAS_STATUS_SUCCESS) {                                             \
      return InternalError(std::string("cuBLAS error ") + (api)->status_name(sextant_blas_st_) + \
                           " in `" #stmt "` at " + __FILE__ + ":" + std::to_string(__LINE__));   \
    }                                                                                            \
  } while (0)

int64_t TileRows(int64_t cols) { return std::max<int64_t>(1, kTileElems / cols); }

class CublasGemm final : public Gemm {
 public:
  CublasGemm(const internal::CublasApi* api, cublasHandle_t handle, cudaStream_t stream,
             DeviceBuffer weights, DeviceBuffer acts, int64_t max_batch, int64_t max_cols)
      : api_(api),
        handle_(handle),
        stream_(stream),
        weights_(std::move(weights)),
        acts_(std::move(acts)),
        max_batch_(max_batch),
        max_cols_(max_cols) {}
  ~CublasGemm() override { api_->destroy(handle_); }

  Status Run(const GemvWeights& w, const float* x, int64_t batch, float* y) override {
    SEXTANT_RETURN_IF_ERROR(GemvLayoutBytes(w.type, w.rows, w.cols).status());
    if (w.data == nullptr || x == nullptr || y == nullptr) {
      return InvalidArgumentError("GEMM: null pointer");
    }
    if (batch < 1 || batch > max_batch_ || w.cols > max_cols_) {
      return InvalidArgumentError("GEMM: batch " + std::to_string(batch) + " x " +
                                  std::to_string(w.cols) + " columns is past the scratch for " +
                                  std::to_string(max_batch_) + " x " + std::to_string(max_cols_));
    }
    // BF16 and F16 weights are used in place; the rest become fp16 tiles.
    const bool bf16 = w.type == DType::kBF16;
    const bool in_place = bf16 || w.type == DType::kF16;
    const cudaDataType_t half = bf16 ? CUDA_R_16BF : CUDA_R_16F;
    const unsigned int grid = internal::GridFor(batch * w.cols, kBlock);
    if (bf16) {
      CUDA_CHECK(internal::Launch(ToHalfKernel<__nv_bfloat16>, grid, kBlock, 0, stream_, x,
                                  batch * w.cols, acts_.as<__nv_bfloat16>()));
    } else {
      CUDA_CHECK(internal::Launch(ToHalfKernel<__half>, grid, kBlock, 0, stream_, x, batch * w.cols,
                                  acts_.as<__half>()));
    }
    const void* xh = acts_.data();
    const float one = 1.0f;
    const float zero = 0.0f;
    const int64_t tile = in_place ? w.rows : TileRows(w.cols);
    for (int64_t r0 = 0; r0 < w.rows; r0 += tile) {
      const int64_t n_rows = std::min(tile, w.rows - r0);
      const void* a = nullptr;
      if (in_place) {
        a = static_cast<const uint16_t*>(w.data) + r0 * w.cols;
      } else {
        SEXTANT_RETURN_IF_ERROR(
            LaunchDequantFor(w, r0, n_rows, false, weights_.as<uint16_t>(), stream_));
        a = weights_.data();
      }
      // Column-major view: y^T (rows x batch) = W (rows x cols, stored as
      // its transpose) times x^T (cols x batch).
      CUBLAS_CHECK(
          api_, api_->gemm_ex(handle_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n_rows),
                              static_cast<int>(batch), static_cast<int>(w.cols), &one, a, half,
                              static_cast<int>(w.cols), xh, half, static_cast<int>(w.cols), &zero,
                              y + r0, CUDA_R_32F, static_cast<int>(w.rows), CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT));
    }
    return Status::Ok();
  }

 private:
  const internal::CublasApi* api_;
  cublasHandle_t handle_;
  cudaStream_t stream_;
  DeviceBuffer weights_;  // one dequantized tile, fp16
  DeviceBuffer acts_;     // (max_batch, max_cols) fp16 or bf16
  int64_t max_batch_;
  int64_t max_cols_;
};

}  // namespace

int64_t Gemm::ScratchBytes(int64_t max_batch, int64_t max_cols) {
  const int64_t tile = TileRows(max_cols) * max_cols;
  return 2 * (tile + max_batch * max_cols);
}

Result<std::unique_ptr<Gemm>> Gemm::Create(Stream stream, int64_t max_batch, int64_t max_cols) {
  if (max_batch < 1 || max_cols < 1) return InvalidArgumentError("GEMM: bad scratch sizes");
  SEXTANT_ASSIGN_OR_RETURN(DeviceBuffer weights,
                           DeviceBuffer::Allocate(2 * TileRows(max_cols) * max_cols));
  SEXTANT_ASSIGN_OR_RETURN(DeviceBuffer acts, DeviceBuffer::Allocate(2 * max_batch * max_cols));
  SEXTANT_ASSIGN_OR_RETURN(const internal::CublasApi* api, internal::LoadCublas());
  cublasHandle_t handle = nullptr;
  CUBLAS_CHECK(api, api->create(&handle));
  const cublasStatus_t st = api->set_stream(handle, internal::ToCuda(stream));
  if (st != CUBLAS_STATUS_SUCCESS) {
    api->destroy(handle);
    return InternalError(std::string("cuBLAS error ") + api->status_name(st) +
                         " in cublasSetStream");
  }
  return std::unique_ptr<Gemm>(new CublasGemm(api, handle, internal::ToCuda(stream),
                                              std::move(weights), std::move(acts), max_batch,
                                              max_cols));
}

Status DequantizeToHalf(const GemvWeights& w, int64_t row_begin, int64_t n_rows, bool bf16,
                        uint16_t* out, Stream stream) {
  SEXTANT_RETURN_IF_ERROR(GemvLayoutBytes(w.type, w.rows, w.cols).status());
  if (w.data == nullptr || out == nullptr) return InvalidArgumentError("dequantize: null pointer");
  if (row_begin < 0 || n_rows < 0 || row_begin + n_rows > w.rows) {
    return InvalidArgumentError("dequantize: rows out of range");
  }
  if (n_rows == 0) return Status::Ok();
  return LaunchDequantFor(w, row_begin, n_rows, bf16, out, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
