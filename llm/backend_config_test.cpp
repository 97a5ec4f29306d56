#include "llm/backend_config.h"

#include <gtest/gtest.h>

#include "llm/runtime/runtime_config.h"

namespace sextant::llm {
namespace {

ConfigRegistry Registry(bool with_common) {
  ConfigRegistry registry;
  if (with_common) DeclareCommonConfig(registry);
  DeclareLlmConfig(registry);
  DeclareBackendConfig(registry);
  return registry;
}

TEST(BackendConfigTest, DefaultsMatchTheOptions) {
  auto config = LoadConfig(Registry(true), {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("llm.backend"), "runtime");
  EXPECT_EQ(config->GetString("llm.scripted.file"), "");
  const OpenAiOptions o = OpenAiOptionsFromConfig(*config);
  const OpenAiOptions defaults;
  EXPECT_EQ(o.base_url, defaults.base_url);
  EXPECT_EQ(o.model, "");
  EXPECT_EQ(o.api_key, "");
  EXPECT_EQ(o.api_key_env, "OPENAI_API_KEY");
  EXPECT_EQ(o.timeout, defaults.timeout);
  EXPECT_EQ(o.max_retries, defaults.max_retries);
  EXPECT_EQ(o.context_length, defaults.context_length);
  EXPECT_EQ(o.stream, defaults.stream);
}

TEST(BackendConfigTest, ValuesFromFlagsAndEnvironment) {
  ConfigSources sources;
  sources.env = {{"SEXTANT_LLM_OPENAI_MODEL", "qwen2.5-7b"},
                 {"SEXTANT_OPENAI_API_KEY", "sk-config-key-123456"}};
  sources.flags = {{"llm.backend", "openai", "--set"},
                   {"llm.openai.base_url", "https://api.example.com/v1", "--set"},
                   {"llm.openai.api_key_env", "MY_KEY", "--set"},
                   {"llm.openai.timeout_ms", "5000", "--set"},
                   {"llm.openai.max_retries", "0", "--set"},
                   {"llm.openai.context_length", "32768", "--set"},
                   {"llm.openai.stream", "false", "--set"}};
  auto config = LoadConfig(Registry(true), sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("llm.backend"), "openai");
  const OpenAiOptions o = OpenAiOptionsFromConfig(*config);
  EXPECT_EQ(o.base_url, "https://api.example.com/v1");
  EXPECT_EQ(o.model, "qwen2.5-7b");
  EXPECT_EQ(o.api_key, "sk-config-key-123456");
  EXPECT_EQ(o.api_key_env, "MY_KEY");
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(o.max_retries, 0);
  EXPECT_EQ(o.context_length, 32768);
  EXPECT_FALSE(o.stream);
}

TEST(LlmConfigTest, RuntimeKeysSetTheLoadOptions) {
  auto defaults = LoadConfig(Registry(true), {});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  const LoadOptions d = LoadOptionsFromConfig(*defaults);
  EXPECT_EQ(d.gpu_slots, LoadOptions{}.gpu_slots);
  EXPECT_EQ(d.gpu_batch, LoadOptions{}.gpu_batch);
  EXPECT_TRUE(d.gpu_int8_gemv);
  EXPECT_TRUE(d.gpu_int8_gemm);
  EXPECT_EQ(d.device, Device::kAuto);
  ConfigSources sources;
  sources.flags = {{"llm.device", "cpu", "--set"},
                   {"llm.gpu_slots", "8", "--set"},
                   {"llm.gpu_batch", "256", "--set"},
                   {"llm.gpu_int8_gemv", "false", "--set"},
                   {"llm.gpu_int8_gemm", "false", "--set"}};
  auto config = LoadConfig(Registry(true), sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const LoadOptions o = LoadOptionsFromConfig(*config);
  EXPECT_EQ(o.device, Device::kCpu);
  EXPECT_EQ(o.gpu_slots, 8);
  EXPECT_EQ(o.gpu_batch, 256);
  EXPECT_FALSE(o.gpu_int8_gemv);
  EXPECT_FALSE(o.gpu_int8_gemm);
  sources.flags = {{"llm.gpu_int8_gemv", "maybe", "--set"}};
  EXPECT_FALSE(LoadConfig(Registry(true), sources).ok());
  sources.flags = {{"llm.gpu_slots", "0", "--set"}};
  EXPECT_FALSE(LoadConfig(Registry(true), sources).ok());
}

TEST(BackendConfigTest, WorksWithoutCommonKeys) {
  auto config = LoadConfig(Registry(false), {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(OpenAiOptionsFromConfig(*config).api_key, "");
}

TEST(BackendConfigTest, BadValuesAreRefused) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"llm.backend", "gpt"},
                                                        {"llm.openai.timeout_ms", "0"},
                                                        {"llm.openai.max_retries", "-1"},
                                                        {"llm.openai.context_length", "0"},
                                                        {"llm.openai.stream", "maybe"}}) {
    ConfigSources sources;
    sources.flags = {{key, value, "--set"}};
    auto config = LoadConfig(Registry(true), sources);
    EXPECT_FALSE(config.ok()) << key << "=" << value;
  }
}

}  // namespace
}  // namespace sextant::llm
