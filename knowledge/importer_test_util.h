// Helpers for the importer tests: a temp file and a fresh in-memory store.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "knowledge/importer.h"
#include "knowledge/knowledge_base.h"

namespace sextant::knowledge {

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kb = KnowledgeBase::OpenInMemory();
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(*kb);
  }

  std::filesystem::path Write(std::string_view name, std::string_view text) {
    const auto path = dir_.path() / name;
    testing::WriteFile(path, text);
    return path;
  }

  Result<ImportReport> Import(std::string_view text, ImportFormat format,
                              ImportOptions options = {}, const NameMap* names = nullptr) {
    options.format = format;
    return ImportFile(*kb_, Write("input", text), options, names);
  }

  std::vector<TripleRow> Query(std::optional<std::string> s, std::optional<std::string> r,
                               std::optional<std::string> o) {
    TriplePattern p{std::move(s), std::move(r), std::move(o)};
    auto rows = kb_->Query(p);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<TripleRow>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<KnowledgeBase> kb_;
};

}  // namespace sextant::knowledge
