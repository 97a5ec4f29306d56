// Configuration: declared keys, loaded from a TOML file, the environment and
// command-line flags, with the source of every value recorded.
//
// Every setting is a key declared in code (ConfigRegistry::Declare) with a
// type, a default, a description and whether it is secret. Keys are dotted
// lowercase names ("http.timeout_ms"); a duration is an integer key named
// "*_ms". Each component declares its keys explicitly, e.g. common's through
// DeclareCommonConfig(); there is no registration by static initialisation.
//
// Sources, highest precedence first:
//   1. flags: ConfigSources::flags in order, a later one winning (the CLI
//      passes every `--set KEY=VALUE` first, then dedicated flags such as
//      `--log-level`, so those win over --set);
//   2. the environment: SEXTANT_ + the key upper-cased with '.' -> '_'
//      (log.level -> SEXTANT_LOG_LEVEL);
//   3. the TOML file: `--config FILE`, else $SEXTANT_CONFIG, else
//      $XDG_CONFIG_HOME/sextant/config.toml (when XDG_CONFIG_HOME is an
//      absolute path), else $HOME/.config/sextant/config.toml. A file named by
//      --config or $SEXTANT_CONFIG must exist; the implicit one may be absent.
//      Tables map to dotted keys: `[http]` + `timeout_ms = 5000`.
//   4. the declared default.
//
// Text values (environment and flags) are parsed by the key's type: integers
// in decimal; booleans as true/false, 1/0, yes/no, on/off (any case); doubles
// as finite decimal numbers; string lists either as a TOML array
// (`["a", "b,c"]`) or as comma-separated items with surrounding blanks
// trimmed (`a, b`; the empty text is the empty list).
//
// Environment variables that start with SEXTANT_ but name no declared key are
// ignored. Those that are not reserved (SEXTANT_CONFIG, SEXTANT_TESTDATA,
// SEXTANT_SOURCE_DIR, SEXTANT_BUILD_DIR, SEXTANT_BINARY) also produce a
// warning in Config::warnings(), with the closest key's variable suggested.
// Everything else in a source (an unknown file key or --set key, a wrong type,
// an out-of-range integer, a value not in a key's allowed list, a TOML syntax
// error) is an error whose message names the place: "file /p/config.toml:3:14",
// "env SEXTANT_HTTP_TIMEOUT_MS", "flag --set".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace sextant {

// The index of each alternative in ConfigValue matches this enum.
enum class ConfigType { kString = 0, kInt, kBool, kDouble, kStringList };
using ConfigValue = std::variant<std::string, std::int64_t, bool, double, std::vector<std::string>>;

// "string", "integer", "boolean", "double", "string list".
std::string_view ConfigTypeName(ConfigType type);

// The value as text: strings as they are, integers in decimal, booleans as
// true/false, doubles in their shortest exact form, string lists as a TOML
// (and JSON) array such as ["a", "b"].
std::string FormatConfigValue(const ConfigValue& value);

// The environment variable for a key: "log.level" -> "SEXTANT_LOG_LEVEL".
std::string ConfigEnvVarName(std::string_view key);

// The declaration of one setting. Build one with a factory and the modifiers:
//   ConfigKey::Int("http.timeout_ms", 60000, "Whole-request time limit").Range(1, 3600000)
//   ConfigKey::String("log.level", "info", "...").OneOf({"trace", "debug", ...})
//   ConfigKey::String("openai.api_key", "", "...").Secret()
struct ConfigKey {
  std::string name;
  ConfigType type = ConfigType::kString;
  ConfigValue default_value;
  std::string description;
  bool secret = false;              // its value is shown as *** and redacted from logs
  std::optional<std::int64_t> min;  // integers only: inclusive bounds
  std::optional<std::int64_t> max;
  std::vector<std::string> allowed;  // strings only: the allowed values (empty: any)

  static ConfigKey String(std::string name, std::string default_value, std::string description);
  static ConfigKey Int(std::string name, std::int64_t default_value, std::string description);
  static ConfigKey Bool(std::string name, bool default_value, std::string description);
  static ConfigKey Double(std::string name, double default_value, std::string description);
  static ConfigKey StringList(std::string name, std::vector<std::string> default_value,
                              std::string description);

  ConfigKey&& Range(std::int64_t min_value, std::int64_t max_value) &&;
  ConfigKey&& OneOf(std::vector<std::string> values) &&;
  ConfigKey&& Secret() &&;
};

// The set of declared keys.
//
// Ownership: a plain value that owns its declarations.
// Thread safety: declare from one thread; afterwards const use from many
// threads is safe.
// Errors: Declare gives invalid_argument for a malformed name, a default of the
// wrong type or outside its own bounds or allowed values, and a key that
// would be both a value and a table ("a.b" and "a.b.c"); already_exists for a
// duplicate name or environment variable name.
class ConfigRegistry {
 public:
  Status Declare(ConfigKey key);

  // The key, or nullptr when undeclared.
  const ConfigKey* Find(std::string_view name) const;

  // Every declared key, sorted by name.
  std::vector<const ConfigKey*> Keys() const;

 private:
  std::map<std::string, ConfigKey, std::less<>> keys_;
};

// Declares common's keys: log.level, log.format, http.*, server.*,
// openai.api_key. A registry may receive them once.
void DeclareCommonConfig(ConfigRegistry& registry);

// One flag-given value. `flag` names it in sources and errors ("--set").
struct ConfigOverride {
  std::string key;
  std::string value;
  std::string flag;
};

// Parses the text of `--set KEY=VALUE` (the key's surrounding blanks trimmed,
// the value kept as is). No '=' or an empty key gives invalid_argument.
Result<ConfigOverride> ParseSetFlag(std::string_view text);

// Where values come from. The environment is passed in so that tests need not
// touch the process's; ProcessEnvironment() reads the real one.
struct ConfigSources {
  std::optional<std::string> config_file;  // from --config
  std::map<std::string, std::string> env;
  std::vector<ConfigOverride> flags;  // applied in order; a later one wins
};

std::map<std::string, std::string> ProcessEnvironment();

struct ConfigLoadOptions {
  static constexpr std::size_t kDefaultMaxFileBytes = std::size_t{1} << 20;  // 1 MiB

  std::size_t max_file_bytes = kDefaultMaxFileBytes;  // larger file: resource_exhausted
};

// One effective setting, for display. Secret values that are set read "***".
struct ConfigEntry {
  std::string key;
  ConfigType type = ConfigType::kString;
  std::string value;
  std::string default_value;  // secrets' defaults are masked too
  std::string source;         // "default", "file /p/config.toml:12", "env SEXTANT_X", "flag --set"
  std::string description;
  bool secret = false;
};

class Config;

// Loads the effective configuration from `sources` over `registry`'s defaults.
// Errors: not_found for a missing explicit file; resource_exhausted for a file
// over options.max_file_bytes; permission_denied or unavailable when it cannot
// be read; invalid_argument for any bad content, naming its source.
Result<Config> LoadConfig(const ConfigRegistry& registry, const ConfigSources& sources,
                          const ConfigLoadOptions& options = {});

// An effective configuration: one value and its source per declared key.
//
// Ownership: a value; copies share one immutable state, so copying is cheap
// and references returned by the getters live as long as any copy.
// Thread safety: immutable after LoadConfig; share by const reference.
// Errors: getters are for keys declared in code, so an undeclared key or a
// getter of the wrong type is a programmer error: it aborts with a message.
class Config {
 public:
  const std::string& GetString(std::string_view key) const;
  std::int64_t GetInt(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  double GetDouble(std::string_view key) const;
  const std::vector<std::string>& GetStringList(std::string_view key) const;

  // Every declared key, sorted by name.
  std::vector<ConfigEntry> Entries() const;

  // The non-empty values of secret keys (string or string list), for the
  // redactor.
  std::vector<std::string> SecretValues() const;

  // The TOML file that was read, if any.
  const std::optional<std::string>& file() const;

  // Things worth telling the user that did not stop loading (unknown
  // SEXTANT_* variables).
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  friend Result<Config> LoadConfig(const ConfigRegistry&, const ConfigSources&,
                                   const ConfigLoadOptions&);
  explicit Config(std::shared_ptr<const Impl> impl);

  std::shared_ptr<const Impl> impl_;
};

}  // namespace sextant
