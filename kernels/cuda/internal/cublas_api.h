// The few cuBLAS entry points the GEMM uses, loaded with dlopen on first
// use. Linking libcublas instead makes every start of every binary that
// holds the CUDA kernels pay for libcublasLt's constructors and page faults
// (about 0.4 s of CPU for `sextant version`), whether or not it ever runs a
// GEMM on the GPU.
//
// Thread safety: LoadCublas may be called from any thread; the library is
// loaded once and never unloaded. Errors: failed_precondition naming the
// library and the loader's message when it or a symbol cannot be found.
#pragma once

#include <cublas_v2.h>

#include "common/status.h"

namespace sextant::kernels::cuda::internal {

struct CublasApi {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  // The exported cublasGemmEx (C++ also sees an inline overload taking
  // cudaDataType as the compute type).
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const void*, const void*, cudaDataType, int, const void*, cudaDataType,
                            int, const void*, void*, cudaDataType, int, cublasComputeType_t,
                            cublasGemmAlgo_t) = nullptr;
  decltype(&cublasGetStatusName) status_name = nullptr;
};

// The loaded entry points. The library is looked up by its soname
// (LD_LIBRARY_PATH, then the system's paths), then in the CUDA toolkit's
// library folder this was built against.
[[nodiscard]] Result<const CublasApi*> LoadCublas();

}  // namespace sextant::kernels::cuda::internal
