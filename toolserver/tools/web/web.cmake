# sextant_web: fetching pages behind the egress guard, HTML to text, the local
# search index, the online search backends, and the web_search and
# web_browse tools. Part of the ToolServer; a library of its own so that its
# tests build and run apart (web_test).
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)

set(_web ${CMAKE_CURRENT_LIST_DIR})
add_library(sextant_web STATIC
  # HTML to text
  ${_web}/extract.cpp
  ${_web}/quality.cpp
  ${_web}/url.cpp
  ${_web}/internal/cleaning.cpp
  ${_web}/internal/dom.cpp
  ${_web}/internal/metadata.cpp
  ${_web}/internal/patterns.cpp
  ${_web}/internal/scoring.cpp
  ${_web}/internal/text_render.cpp
  # fetching
  ${_web}/charset.cpp
  ${_web}/egress_guard.cpp
  ${_web}/fetch.cpp
  ${_web}/page_cache.cpp
  ${_web}/web_config.cpp
  ${_web}/internal/charset_sniff.cpp
  ${_web}/internal/meta_prescan.cpp
  # the local search index
  ${_web}/search_index.cpp
  ${_web}/internal/index_text.cpp
  ${_web}/index_sources.cpp
  # the online search backends
  ${_web}/online_backends.cpp
  ${_web}/searxng.cpp
  ${_web}/brave.cpp
  ${_web}/google.cpp
  ${_web}/internal/online_client.cpp
  ${_web}/internal/online_text.cpp
  # browsing: the web_search and web_browse tools
  ${_web}/browser.cpp
  ${_web}/web_tools.cpp
  ${_web}/internal/quote_list.cpp
  ${_web}/internal/quote_match.cpp
  ${_web}/internal/viewport.cpp
)
target_include_directories(sextant_web PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sextant_web PUBLIC sextant_common Threads::Threads
  PRIVATE PkgConfig::GUMBO OpenSSL::Crypto)
sextant_set_warnings(sextant_web)

if(SEXTANT_BUILD_TESTS)
  # Real pages served on 127.0.0.1: readability's test pages and the
  # sqlite3-doc site.
  sextant_add_test(NAME web_test LABELS integration
    SOURCES
      ${_web}/extract_test.cpp
      ${_web}/extract_malformed_test.cpp
      ${_web}/extract_readability_test.cpp
      ${_web}/charset_test.cpp
      ${_web}/egress_guard_test.cpp
      ${_web}/fetch_test.cpp
      ${_web}/page_cache_test.cpp
      ${_web}/web_config_test.cpp
      ${_web}/search_index_test.cpp
      ${_web}/index_sources_test.cpp
      ${_web}/online_backends_test.cpp
      ${_web}/online_errors_test.cpp
      ${_web}/internal/online_text_test.cpp
      ${_web}/browser_test.cpp
      ${_web}/browser_text_test.cpp
      ${_web}/web_tools_test.cpp
    LIBS sextant_web sextant_test_http_server)
endif()
