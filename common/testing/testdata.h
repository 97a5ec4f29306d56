// Finds the shared reference data (../shared/testdata from the project root,
// or $SEXTANT_TESTDATA) for tests, and skips a test with a clear message when
// it is absent.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sextant::testing {

// The testdata root, or nullopt when neither $SEXTANT_TESTDATA nor
// <project root>/../shared/testdata exists.
std::optional<std::filesystem::path> TestDataRoot();

// The project's source root ($SEXTANT_SOURCE_DIR, else the compiled-in path).
std::filesystem::path SourceRoot();

// Writes `text` to `path` (binary), creating parent directories; aborts the
// test program when that fails, since the test environment is then broken.
void WriteFile(const std::filesystem::path& path, std::string_view text);

// The whole file at `path` (binary), or "" after failing the current test
// when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// Whether `text` contains `part`.
inline bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A fresh, empty directory under the system temp dir, removed by its owner.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sextant::testing

// Declares `const std::filesystem::path var` as <testdata>/<relative>, or
// skips the current test when that path does not exist.
#define SEXTANT_TESTDATA_OR_SKIP(var, relative)                                          \
  std::filesystem::path var;                                                             \
  do {                                                                                   \
    auto sextant_root_ = ::sextant::testing::TestDataRoot();                             \
    if (!sextant_root_) {                                                                \
      GTEST_SKIP() << "shared test data not found: set SEXTANT_TESTDATA or place it at " \
                      "../shared/testdata beside the project";                           \
    }                                                                                    \
    var = *sextant_root_ / (relative);                                                   \
    if (!std::filesystem::exists(var)) {                                                 \
      GTEST_SKIP() << "shared test data missing: " << var.string();                      \
    }                                                                                    \
  } while (0)
