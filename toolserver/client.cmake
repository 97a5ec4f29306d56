# sextant_toolserver_client: the agent's side of the ToolServer HTTP API
# (client.h) and the tool description type it returns (tool.h). Only
# common/ underneath, so the agent links it without the server, and it is
# built even when SEXTANT_BUILD_TOOLSERVER is off.
add_library(sextant_toolserver_client STATIC
  ${PROJECT_SOURCE_DIR}/toolserver/client.cpp
  ${PROJECT_SOURCE_DIR}/toolserver/tool.cpp
)
target_include_directories(sextant_toolserver_client PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sextant_toolserver_client PUBLIC sextant_common)
sextant_set_warnings(sextant_toolserver_client)
