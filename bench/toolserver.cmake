# ToolServer benchmarks: sandbox spawn latency against a plain fork+exec.
if(TARGET sextant_toolserver)
  add_executable(bench_sandbox ${CMAKE_CURRENT_LIST_DIR}/toolserver_sandbox.cpp)
  target_link_libraries(bench_sandbox PRIVATE sextant_toolserver sextant_bench_util)
  sextant_set_warnings(bench_sandbox)
endif()

# Call latency of a trivial built-in tool against GET /v1/health, over loopback.
if(TARGET sextant_toolserver AND SEXTANT_BUILD_TESTS)
  add_executable(bench_toolserver ${CMAKE_CURRENT_LIST_DIR}/toolserver_calls.cpp)
  target_link_libraries(bench_toolserver PRIVATE sextant_toolserver sextant_bench_util
    sextant_testing)
  sextant_set_warnings(bench_toolserver)
endif()
