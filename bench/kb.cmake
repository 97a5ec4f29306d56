# Knowledge base: import rows/s for the WordNet triples against plain SQLite
# inserts of the same rows, query and search calls/s, and the size on disk
# against the raw TSV.
if(TARGET sextant_knowledge AND SEXTANT_BUILD_TESTS)
  add_executable(bench_kb ${CMAKE_CURRENT_LIST_DIR}/kb.cpp)
  target_link_libraries(bench_kb PRIVATE sextant_knowledge sextant_bench_util sextant_testing)
  sextant_set_warnings(bench_kb)
endif()
