# SEXTANT_SANITIZE=address,undefined instruments every target.
if(SEXTANT_SANITIZE)
  set(_flags -fsanitize=${SEXTANT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_flags}>")
  add_link_options(${_flags})
  message(STATUS "Sanitizers: ${SEXTANT_SANITIZE}")
endif()
