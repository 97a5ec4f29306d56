# sextant_add_test(NAME <name> LABELS <label...> SOURCES <src...> [LIBS <lib...>])
# One GoogleTest binary; each test case becomes a ctest test carrying LABELS
# (unit, integration, e2e, browser, gpu).
find_package(GTest REQUIRED)
include(GoogleTest)

function(sextant_add_test)
  cmake_parse_arguments(T "" "NAME" "LABELS;SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} sextant_testing GTest::gtest GTest::gmock)
  sextant_set_warnings(${T_NAME})
  gtest_discover_tests(${T_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "SEXTANT_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60)
endfunction()
