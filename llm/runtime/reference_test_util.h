// Test helper: reads a JSON file from the shared test data, such as the tiny
// models' reference.json (over a megabyte, past ParseJson's default limit).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace sextant::llm::testing
