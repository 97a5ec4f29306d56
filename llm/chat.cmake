# sextant_llm_chat: the ChatModel interface, chat templates and tool-call
# formats, the sampler and stop strings (pure code, no model).
add_library(sextant_llm_chat STATIC
  chat_model.cpp
  runtime/chat_template.cpp
  runtime/chat_template_chatml.cpp
  runtime/chat_template_llama3.cpp
  runtime/chat_template_mistral.cpp
  runtime/sampler.cpp
  runtime/stop_matcher.cpp
)
target_include_directories(sextant_llm_chat PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sextant_llm_chat PUBLIC sextant_common)
sextant_set_warnings(sextant_llm_chat)
target_link_libraries(sextant_llm INTERFACE sextant_llm_chat)

if(SEXTANT_BUILD_TESTS)
  sextant_add_test(NAME llm_chat_test LABELS unit
    SOURCES
      chat_model_test.cpp
      runtime/chat_template_test.cpp
      runtime/chat_template_tools_test.cpp
      runtime/chat_template_parse_test.cpp
      runtime/sampler_test.cpp
      runtime/stop_matcher_test.cpp
    LIBS sextant_llm_chat)
endif()
