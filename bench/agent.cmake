# Agent: run store events/s (one transaction per event, ~300 B and ~4 KB
# events) against plain SQLite inserts with the same transaction pattern,
# resume time for a 10,000-event run, bytes on disk per event, and the
# runner's own time per step.
if(TARGET sextant_agent)
  add_executable(bench_agent ${CMAKE_CURRENT_LIST_DIR}/agent.cpp)
  target_link_libraries(bench_agent PRIVATE sextant_agent sextant_bench_util)
  sextant_set_warnings(bench_agent)
endif()
