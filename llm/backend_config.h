// Config keys that choose and set up the chat backend (llm.backend,
// llm.openai.*, llm.scripted.*). The embedded runtime's own keys are in
// llm/runtime/runtime_config.h.
#pragma once

#include "common/config.h"
#include "llm/openai/openai_chat_model.h"

namespace sextant::llm {

// Declares llm.backend ("runtime", "openai" or "scripted"), llm.openai.base_url,
// llm.openai.model, llm.openai.api_key_env, llm.openai.timeout_ms,
// llm.openai.max_retries, llm.openai.context_length, llm.openai.stream and
// llm.scripted.file. A registry may receive them once.
void DeclareBackendConfig(ConfigRegistry& registry);

// The OpenAI client options those keys set. The API key is the secret key
// openai.api_key (declared by DeclareCommonConfig) when that is declared and
// set; otherwise MakeOpenAiChatModel reads it from llm.openai.api_key_env.
OpenAiOptions OpenAiOptionsFromConfig(const Config& config);

}  // namespace sextant::llm
