// Config internals: parsing text values, checking bounds and allowed values,
// and suggesting the closest known name. Error messages start with the key and
// carry no source; the caller adds it with Status::WithContext.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace sextant::internal {

// Parses an environment or flag value by `key`'s type (see config.h) into
// `out`, which is left alone on error.
Status ParseConfigText(const ConfigKey& key, std::string_view text, ConfigValue& out);

// Checks a value of the right type against `key`'s bounds and allowed values.
Status CheckConfigValue(const ConfigKey& key, const ConfigValue& value);

// The candidate nearest to `name` by edit distance, when it is near enough to
// be a plausible typo.
std::optional<std::string> ClosestName(std::string_view name,
                                       const std::vector<std::string>& candidates);

// "; did you mean 'x'?" or "".
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

// `text` in double quotes for an error message, shortened and with control
// bytes escaped; "a secret value" for secret keys.
std::string QuoteValue(const ConfigKey& key, std::string_view text);

// "an integer", "a string", ... for messages.
std::string_view ConfigTypeArticleName(ConfigType type);

// Parses `text` as a TOML array of strings (`["a", "b"]`); defined in
// config_toml.cpp.
Result<std::vector<std::string>> ParseTomlStringArray(std::string_view text);

}  // namespace sextant::internal
