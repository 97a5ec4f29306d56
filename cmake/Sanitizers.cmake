# SEXTANT_SANITIZE=address,undefined instruments every target.
if(SEXTANT_SANITIZE)
  set(_flags -fsanitize=${SEXTANT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_flags}>")
  add_link_options(${_flags})
  # GCC 12 reports false maybe-uninitialized warnings in Boost and libstdc++
  # headers once ASan instrumentation changes inlining; -Werror would stop there.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  endif()
  message(STATUS "Sanitizers: ${SEXTANT_SANITIZE}")
endif()
