// Config internals: reading the TOML config file into checked values.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace sextant::internal {

// One setting read from the file; `source` is "file /path:LINE".
struct FileSetting {
  std::string key;
  ConfigValue value;
  std::string source;
};

// Reads the TOML file at `path` (at most `max_bytes`) and checks every
// setting in it against `registry`: each must be a declared key holding a
// value of the key's type, within its bounds and allowed values.
// Errors: not_found, permission_denied or unavailable when the file cannot be
// read; resource_exhausted when it is over `max_bytes`; invalid_argument for a
// syntax error or a bad setting, naming "file PATH:LINE:COLUMN". When several
// settings are bad, the first in the file is reported with a count of the rest.
Result<std::vector<FileSetting>> ReadConfigFile(const ConfigRegistry& registry,
                                                const std::string& path, std::size_t max_bytes);

}  // namespace sextant::internal
