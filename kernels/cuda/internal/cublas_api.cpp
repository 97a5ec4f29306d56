#include "kernels/cuda/internal/cublas_api.h"

#include <dlfcn.h>

#include <string>

namespace sextant::kernels::cuda::internal {
namespace {

#define SEXTANT_CUBLAS_STR2(x) #x
#define SEXTANT_CUBLAS_STR(x) SEXTANT_CUBLAS_STR2(x)
constexpr const char* kSoname = "libcublas.so." SEXTANT_CUBLAS_STR(CUBLAS_VER_MAJOR);

template <typename Fn>
Status Bind(void* lib, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (fn == nullptr) {
    return FailedPreconditionError(std::string(kSoname) + " has no symbol " + name);
  }
  return Status::Ok();
}

Result<CublasApi> Load() {
  void* lib = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  std::string error = lib == nullptr ? dlerror() : "";
  if (lib == nullptr) {
    const std::string fallback = std::string(SEXTANT_CUDA_LIBRARY_DIR) + "/" + kSoname;
    lib = dlopen(fallback.c_str(), RTLD_NOW | RTLD_LOCAL);
  }
  if (lib == nullptr) {
    return FailedPreconditionError("cannot load cuBLAS (" + error +
                                   "); put the CUDA toolkit's lib64 folder on LD_LIBRARY_PATH");
  }
  CublasApi api;
  SEXTANT_RETURN_IF_ERROR(Bind(lib, "cublasCreate_v2", api.create));
  SEXTANT_RETURN_IF_ERROR(Bind(lib, "cublasDestroy_v2", api.destroy));
  SEXTANT_RETURN_IF_ERROR(Bind(lib, "cublasSetStream_v2", api.set_stream));
  SEXTANT_RETURN_IF_ERROR(Bind(lib, "cublasGemmEx", api.gemm_ex));
  SEXTANT_RETURN_IF_ERROR(Bind(lib, "cublasGetStatusName", api.status_name));
  return api;
}

}  // namespace

Result<const CublasApi*> LoadCublas() {
  static const Result<CublasApi> loaded = Load();
  if (!loaded.ok()) return loaded.status();
  return &*loaded;
}

}  // namespace sextant::kernels::cuda::internal
