// Replays the checked-in fuzz corpus through the readers: every file must be
// read or refused without a crash (run under ASan in the sanitizer build).
// Files named seed-* are valid by construction (make_seeds.py) and must open.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/testing/testdata.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/safetensors.h"
#include "tests/fuzz/walk.h"

namespace sextant::fuzz {
namespace {

namespace fs = std::filesystem;

struct CorpusFile {
  std::string name;
  std::string bytes;
  bool must_open = false;
};

std::vector<CorpusFile> CorpusFiles(std::string_view kind) {
  const fs::path dir = ::sextant::testing::SourceRoot() / "tests/fuzz/corpus" / kind;
  std::vector<CorpusFile> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    out.push_back({name, ::sextant::testing::ReadFile(entry.path()), name.rfind("seed-", 0) == 0});
  }
  return out;
}

TEST(FuzzCorpusTest, GgufCorpusReplays) {
  const std::vector<CorpusFile> files = CorpusFiles("gguf");
  ASSERT_FALSE(files.empty()) << "tests/fuzz/corpus/gguf is empty";
  int seeds = 0;
  for (const CorpusFile& f : files) {
    auto file = llm::GgufFile::FromBuffer(f.bytes);
    seeds += f.must_open ? 1 : 0;
    if (!file.ok()) {
      EXPECT_FALSE(f.must_open) << f.name << ": " << file.status().ToString();
      EXPECT_FALSE(file.status().message().empty());
      continue;
    }
    EXPECT_GT(WalkGguf(**file), 0u);
  }
  EXPECT_GT(seeds, 0) << "the corpus should hold the valid seeds";
}

TEST(FuzzCorpusTest, SafetensorsCorpusReplays) {
  const std::vector<CorpusFile> files = CorpusFiles("safetensors");
  ASSERT_FALSE(files.empty()) << "tests/fuzz/corpus/safetensors is empty";
  int seeds = 0;
  for (const CorpusFile& f : files) {
    auto file = llm::SafetensorsFile::FromBuffer(f.bytes);
    seeds += f.must_open ? 1 : 0;
    if (!file.ok()) {
      EXPECT_FALSE(f.must_open) << f.name << ": " << file.status().ToString();
      EXPECT_FALSE(file.status().message().empty());
      continue;
    }
    WalkSafetensors(**file);
  }
  EXPECT_GT(seeds, 0) << "the corpus should hold the valid seeds";
}

}  // namespace
}  // namespace sextant::fuzz
