# sextant_set_warnings(target): the project's warning set; errors when SEXTANT_WERROR is on (CI).
function(sextant_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wnon-virtual-dtor>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wshadow=local>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:Clang>>:-Wshadow-uncaptured-local>
    # GCC 12 at -O3 (Release) warns inside libstdc++ on `"literal" + std::string`
    # (-Wrestrict, GCC bug 105329) and on destroying some std::variant results
    # (-Wfree-nonheap-object): false positives that fill a clean build's log.
    "$<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict;-Wno-free-nonheap-object>")
  if(SEXTANT_WERROR)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
  endif()
endfunction()
