// Helpers shared by the config tests.
#pragma once

#include <filesystem>
#include <string>

#include "common/config.h"
#include "common/testing/testdata.h"

namespace sextant::config_test {

inline ConfigRegistry CommonRegistry() {
  ConfigRegistry registry;
  DeclareCommonConfig(registry);
  return registry;
}

// The source of `key`'s effective value, or "(no such key)".
inline std::string SourceOf(const Config& config, const std::string& key) {
  for (const ConfigEntry& e : config.Entries()) {
    if (e.key == key) return e.source;
  }
  return "(no such key)";
}

// Loads with the file `toml` given by --config.
inline Result<Config> LoadToml(const ConfigRegistry& registry, const testing::TempDir& dir,
                               const std::string& toml, std::string* path_out = nullptr) {
  const std::filesystem::path path = dir.path() / "config.toml";
  testing::WriteFile(path, toml);
  if (path_out) *path_out = path.string();
  ConfigSources sources;
  sources.config_file = path.string();
  return LoadConfig(registry, sources);
}

}  // namespace sextant::config_test
