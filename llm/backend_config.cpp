#include "llm/backend_config.h"

#include <cstdio>
#include <cstdlib>

namespace sextant::llm {
namespace {

constexpr std::int64_t kMaxTimeoutMs = std::int64_t{24} * 60 * 60 * 1000;
constexpr std::int64_t kMaxRetries = 100;
constexpr std::int64_t kMaxContextLength = std::int64_t{1} << 24;
constexpr std::string_view kApiKeyKey = "openai.api_key";

}  // namespace

void DeclareBackendConfig(ConfigRegistry& registry) {
  const OpenAiOptions defaults;
  const ConfigKey keys[] = {
      ConfigKey::String("llm.backend", "runtime",
                        "Chat backend: runtime (embedded model), openai (an OpenAI-compatible "
                        "server) or scripted (replays a transcript)")
          .OneOf({"runtime", "openai", "scripted"}),
      ConfigKey::String("llm.openai.base_url", defaults.base_url,
                        "OpenAI backend: the API root; /chat/completions is appended"),
      ConfigKey::String("llm.openai.model", defaults.model,
                        "OpenAI backend: the model name sent with each request (empty: none)"),
      ConfigKey::String("llm.openai.api_key_env", defaults.api_key_env,
                        "OpenAI backend: environment variable holding the API key, used when "
                        "openai.api_key is empty"),
      ConfigKey::Int("llm.openai.timeout_ms", defaults.timeout.count(),
                     "OpenAI backend: time limit of one chat call, retries included")
          .Range(1, kMaxTimeoutMs),
      ConfigKey::Int("llm.openai.max_retries", defaults.max_retries,
                     "OpenAI backend: retries on 429, 5xx and transport errors")
          .Range(0, kMaxRetries),
      ConfigKey::Int("llm.openai.context_length", defaults.context_length,
                     "OpenAI backend: the model's context window in tokens")
          .Range(1, kMaxContextLength),
      ConfigKey::Bool("llm.openai.stream", defaults.stream,
                      "OpenAI backend: stream replies over server-sent events"),
      ConfigKey::String("llm.scripted.file", "",
                        "Scripted backend: the JSON transcript of responses to replay"),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) {
      std::fprintf(stderr, "config declaration error: %s\n", st.message().c_str());
      std::abort();
    }
  }
}

OpenAiOptions OpenAiOptionsFromConfig(const Config& config) {
  OpenAiOptions o;
  o.base_url = config.GetString("llm.openai.base_url");
  o.model = config.GetString("llm.openai.model");
  o.api_key_env = config.GetString("llm.openai.api_key_env");
  o.timeout = std::chrono::milliseconds(config.GetInt("llm.openai.timeout_ms"));
  o.max_retries = static_cast<int>(config.GetInt("llm.openai.max_retries"));
  o.context_length = config.GetInt("llm.openai.context_length");
  o.stream = config.GetBool("llm.openai.stream");
  for (const ConfigEntry& entry : config.Entries()) {
    if (entry.key == kApiKeyKey) {
      o.api_key = config.GetString(kApiKeyKey);
      break;
    }
  }
  return o;
}

}  // namespace sextant::llm
