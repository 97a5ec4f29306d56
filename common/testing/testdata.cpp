#include "common/testing/testdata.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <system_error>

namespace sextant::testing {
namespace fs = std::filesystem;

fs::path SourceRoot() {
  if (const char* env = std::getenv("SEXTANT_SOURCE_DIR"); env && *env) return fs::path(env);
  return fs::path(SEXTANT_SOURCE_DIR_DEFAULT);
}

std::optional<fs::path> TestDataRoot() {
  if (const char* env = std::getenv("SEXTANT_TESTDATA"); env && *env) {
    fs::path p(env);
    if (fs::is_directory(p)) return p;
    return std::nullopt;
  }
  fs::path p = SourceRoot() / ".." / "shared" / "testdata";
  std::error_code ec;
  if (fs::is_directory(p, ec)) return fs::weakly_canonical(p, ec);
  return std::nullopt;
}

void WriteFile(const fs::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) std::abort();  // cannot write a test file: the environment is broken
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path.string();
    return "";
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = fs::temp_directory_path() / ("sextant-test-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  std::abort();  // cannot make a temp dir: the test environment is broken
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace sextant::testing
