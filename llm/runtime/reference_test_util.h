// Test helpers for the tiny reference models: reading a JSON file from the
// shared test data, such as reference.json (over a megabyte, past
// ParseJson's default limit), and naming parameterized cases.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/testing/testdata.h"

namespace sextant::llm::testing {

inline constexpr size_t kReferenceJsonMaxBytes = size_t{64} << 20;

// The parsed file, or null after failing the current test.
inline Json ReadReferenceJson(const std::filesystem::path& path) {
  JsonLimits limits;
  limits.max_bytes = kReferenceJsonMaxBytes;
  auto json = ParseJson(::sextant::testing::ReadFile(path), limits);
  EXPECT_TRUE(json.ok()) << path << ": " << json.status().ToString();
  return json.ok() ? *json : Json();
}

// One model file of the test data: a model folder and a variant key of its
// reference.json.
struct Case {
  const char* model;
  const char* variant;
};

// "tiny_llama_gguf_Q4_K": the case as a test name.
inline std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string s = std::string(info.param.model) + "_" + info.param.variant;
  std::replace_if(
      s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
}

inline std::vector<int32_t> Ids(const Json& j) { return j.get<std::vector<int32_t>>(); }

}  // namespace sextant::llm::testing
