// Turning CUDA errors into Status values, and helpers every kernel file uses.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/gemv_layout.h"

namespace sextant::kernels::cuda::internal {

// Internal error "CUDA error <name> (<text>) in `stmt` at file:line".
inline Status CudaError(cudaError_t err, const char* stmt, const char* file, int line) {
  return InternalError(std::string("CUDA error ") + cudaGetErrorName(err) + " (" +
                       cudaGetErrorString(err) + ") in `" + stmt + "` at " + file + ":" +
                       std::to_string(line));
}

inline cudaStream_t ToCuda(Stream s) { return reinterpret_cast<cudaStream_t>(s); }

// Grid size for n items in blocks of `block`.
inline unsigned int GridFor(int64_t n, int block) {
  return static_cast<unsigned int>(CeilDiv(n, block));
}

}  // namespace sextant::kernels::cuda::internal

// Evaluates a CUDA runtime call; on failure returns an Internal Status that
// names the statement, file and line.
#define CUDA_CHECK(stmt)                                                                       \
  do {                                                                                         \
    const cudaError_t sextant_cuda_err_ = (stmt);                                              \
    if (sextant_cuda_err_ != cudaSuccess) {                                                    \
      return ::sextant::kernels::cuda::internal::CudaError(sextant_cuda_err_, #stmt, __FILE__, \
                                                           __LINE__);                          \
    }                                                                                          \
  } while (0)

// Checks the launch just issued (configuration errors surface here).
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
