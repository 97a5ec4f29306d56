# sextant_kernels_cuda: the CUDA ops (kernels/cuda/), built when nvcc is found.
# CMAKE_CUDA_RUNTIME_LIBRARY picks the CUDA runtime (Shared by default;
# scripts/gpu/build.sh links it statically).
add_library(sextant_kernels_cuda STATIC
  cuda/attention.cu
  cuda/device.cpp
  cuda/gemv_repack.cpp
  cuda/elementwise.cu
  cuda/embedding.cu
  cuda/gemm.cu
  cuda/gemm_int8.cu
  cuda/internal/cublas_api.cpp
  cuda/gemv.cu
  cuda/gemv_int8.cu
  cuda/norm.cu
  cuda/rope.cu
  cuda/sampling.cu
)
target_include_directories(sextant_kernels_cuda PUBLIC ${PROJECT_SOURCE_DIR})
if(CMAKE_CUDA_RUNTIME_LIBRARY STREQUAL "Static")
  set(sextant_cudart CUDA::cudart_static)
else()
  set(sextant_cudart CUDA::cudart)
endif()
# cuBLAS stays a shared library (its static archive is hundreds of
# megabytes), loaded with dlopen when the first GEMM is made
# (cuda/internal/cublas_api.h); only its headers are used here.
target_link_libraries(sextant_kernels_cuda PUBLIC sextant_kernels ${sextant_cudart}
  PRIVATE ${CMAKE_DL_LIBS})
target_compile_definitions(sextant_kernels_cuda PRIVATE
  SEXTANT_CUDA_LIBRARY_DIR="${CUDAToolkit_LIBRARY_DIR}")
target_compile_options(sextant_kernels_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra --expt-relaxed-constexpr>)
if(SEXTANT_WERROR)
  target_compile_options(sextant_kernels_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings>)
endif()
sextant_set_warnings(sextant_kernels_cuda)

if(SEXTANT_BUILD_TESTS)
  # Loading cuBLAS needs no GPU: a unit test.
  target_sources(kernels_test PRIVATE cuda/internal/cublas_api_test.cpp)
  target_link_libraries(kernels_test PRIVATE sextant_kernels_cuda)
  sextant_add_test(NAME kernels_cuda_test LABELS gpu
    SOURCES
      cuda/attention_test.cpp
      cuda/cuda_ops_test.cpp
      cuda/gemm_test.cpp
      cuda/gemm_int8_test.cpp
      cuda/gemv_test.cpp
      cuda/sampling_test.cpp
    LIBS sextant_kernels_cuda)
endif()
