# Plugins: MCP servers over stdio and manifest tools (docs/plugins.md).
add_library(sextant_toolserver_plugins STATIC
  plugins/child_process.cpp
  plugins/jsonrpc.cpp
  plugins/manifest_tool.cpp
  plugins/mcp_connection.cpp
  plugins/mcp_result.cpp
  plugins/mcp_server.cpp
  plugins/plugin_host.cpp
  plugins/plugins_config.cpp
)
target_include_directories(sextant_toolserver_plugins PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sextant_toolserver_plugins PUBLIC sextant_common Threads::Threads)
# Manifest tools use the sandbox only through its interface (ToolContext::sandbox),
# so the library needs the header and not sextant_toolserver_sandbox.
sextant_set_warnings(sextant_toolserver_plugins)

if(SEXTANT_BUILD_TESTS)
  set(plugins_test_sources
    plugins/jsonrpc_test.cpp
    plugins/mcp_result_test.cpp
    plugins/plugins_config_test.cpp
    plugins/manifest_parse_test.cpp
    plugins/mcp_real_servers_test.cpp
    plugins/mcp_failures_test.cpp
    plugins/plugins_test_util.cpp
  )
  set(plugins_test_libs sextant_toolserver_plugins)
  if(TARGET sextant_toolserver_sandbox)
    list(APPEND plugins_test_sources plugins/manifest_tool_test.cpp)
    list(APPEND plugins_test_libs sextant_toolserver_sandbox)
  endif()
  sextant_add_test(NAME plugins_test LABELS integration
    SOURCES ${plugins_test_sources}
    LIBS ${plugins_test_libs})
  target_compile_definitions(plugins_test PRIVATE
    SEXTANT_MCP_TEST_DIR="${PROJECT_SOURCE_DIR}/tests/mcp")
endif()
