# Tokenizer throughput against the Node.js peer in bench/tokenizer_peer
# (run `npm install` there first).
add_library(sextant_bench_tokenizer STATIC ${CMAKE_CURRENT_LIST_DIR}/tokenizer_measure.cpp)
target_link_libraries(sextant_bench_tokenizer PUBLIC sextant_llm sextant_common
  sextant_bench_util)
sextant_set_warnings(sextant_bench_tokenizer)

add_executable(bench_tokenizer ${CMAKE_CURRENT_LIST_DIR}/tokenizer_bench.cpp)
target_link_libraries(bench_tokenizer PRIVATE sextant_bench_tokenizer)
target_compile_definitions(bench_tokenizer PRIVATE SEXTANT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sextant_set_warnings(bench_tokenizer)

# Prefill/decode speed of the CPU path, plus the tokenizer table.
add_executable(bench_llm_cpu ${CMAKE_CURRENT_LIST_DIR}/llm_cpu.cpp)
target_link_libraries(bench_llm_cpu PRIVATE sextant_llm sextant_bench_tokenizer)
target_compile_definitions(bench_llm_cpu PRIVATE SEXTANT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sextant_set_warnings(bench_llm_cpu)
