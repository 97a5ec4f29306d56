# The per-call namespace sandbox (DESIGN §5).
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)

set(_sandbox_dir ${CMAKE_CURRENT_LIST_DIR})
add_library(sextant_toolserver_sandbox STATIC
  ${_sandbox_dir}/sandbox.cpp
  ${_sandbox_dir}/internal/cgroup.cpp
  ${_sandbox_dir}/internal/child.cpp
  ${_sandbox_dir}/internal/io_pump.cpp
  ${_sandbox_dir}/internal/namespaces.cpp
  ${_sandbox_dir}/internal/plan.cpp
  ${_sandbox_dir}/internal/seccomp_filter.cpp
)
target_include_directories(sextant_toolserver_sandbox PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sextant_toolserver_sandbox PUBLIC sextant_common PRIVATE PkgConfig::SECCOMP)
sextant_set_warnings(sextant_toolserver_sandbox)

if(SEXTANT_BUILD_TESTS)
  sextant_add_test(NAME sandbox_test LABELS unit
    SOURCES
      ${_sandbox_dir}/sandbox_test.cpp
      ${_sandbox_dir}/sandbox_escape_test.cpp
      ${_sandbox_dir}/sandbox_limits_test.cpp
    LIBS sextant_toolserver_sandbox)
endif()
