#include "common/testing/testdata.h"

#include <cstdlib>
#include <random>
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
