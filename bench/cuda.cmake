# GPU benchmarks (built only with CUDA): GEMV against the device copy bandwidth.
if(SEXTANT_HAVE_CUDA AND TARGET sextant_kernels_cuda)
  add_executable(bench_gemv_cuda ${CMAKE_CURRENT_LIST_DIR}/gemv_cuda.cu)
  target_link_libraries(bench_gemv_cuda PRIVATE sextant_kernels_cuda sextant_bench_util)
  sextant_set_warnings(bench_gemv_cuda)
endif()

# The CUDA forward pass on synthesized models against the decode roofline.
if(SEXTANT_HAVE_CUDA AND TARGET sextant_llm)
  add_executable(bench_llm_gpu ${CMAKE_CURRENT_LIST_DIR}/llm_gpu/llm_gpu.cpp)
  target_link_libraries(bench_llm_gpu PRIVATE sextant_llm sextant_bench_util)
  sextant_set_warnings(bench_llm_gpu)
endif()
