# Web page extraction: MB/s over readability's test pages against a Gumbo
# parse alone, and extraction quality (token F1, title match); then the local
# search index over the sqlite3-doc site (pages/s, search p50/p99, recall@3).
if(TARGET sextant_web)
  pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
  add_executable(bench_web ${CMAKE_CURRENT_LIST_DIR}/web.cpp ${CMAKE_CURRENT_LIST_DIR}/web_index.cpp)
  target_link_libraries(bench_web PRIVATE sextant_web sextant_bench_util PkgConfig::GUMBO)
  target_compile_definitions(bench_web PRIVATE SEXTANT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  sextant_set_warnings(bench_web)
endif()
