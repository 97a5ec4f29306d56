#include "common/config.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/internal/config_toml.h"
#include "common/internal/config_value.h"
#include "common/json.h"

namespace sextant {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEnvPrefix = "SEXTANT_";
constexpr std::string_view kConfigEnvVar = "SEXTANT_CONFIG";
constexpr std::string_view kMasked = "***";
// SEXTANT_* variables that are not config keys and are never warned about.
constexpr std::array<std::string_view, 5> kReservedEnvVars = {
    "SEXTANT_CONFIG", "SEXTANT_TESTDATA", "SEXTANT_SOURCE_DIR", "SEXTANT_BUILD_DIR",
    "SEXTANT_BINARY"};

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;
constexpr std::int64_t kSecondMs = 1000;
constexpr std::int64_t kHourMs = 3600 * kSecondMs;

[[noreturn]] void ConfigMisuse(const std::string& message) {
  std::fprintf(stderr, "sextant: config misuse (a bug): %s\n", message.c_str());
  std::abort();
}

bool IsValidKeyName(std::string_view name) {
  if (name.find('.') == std::string_view::npos) return false;
  bool segment_start = true;
  for (char c : name) {
    if (c == '.') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit_or_underscore = (c >= '0' && c <= '9') || c == '_';
    if (segment_start ? !lower : !(lower || digit_or_underscore)) return false;
    segment_start = false;
  }
  return !segment_start;
}

std::string Mask(const ConfigKey& key, std::string text) {
  if (!key.secret || text.empty() || text == "[]") return text;
  return std::string(kMasked);
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

std::string Lookup(const std::map<std::string, std::string>& env, std::string_view name) {
  auto it = env.find(std::string(name));
  return it == env.end() ? std::string() : it->second;
}

// The config file to read and whether it must exist, or nullopt.
struct FileChoice {
  std::string path;
  std::string named_by;  // "--config", "SEXTANT_CONFIG", or "" for the implicit default
};

std::optional<FileChoice> ChooseFile(const ConfigSources& sources) {
  if (sources.config_file) return FileChoice{*sources.config_file, "--config"};
  if (std::string p = Lookup(sources.env, kConfigEnvVar); !p.empty()) {
    return FileChoice{p, std::string(kConfigEnvVar)};
  }
  const std::string xdg = Lookup(sources.env, "XDG_CONFIG_HOME");
  if (!xdg.empty() && fs::path(xdg).is_absolute()) {
    return FileChoice{(fs::path(xdg) / "sextant" / "config.toml").string(), ""};
  }
  const std::string home = Lookup(sources.env, "HOME");
  if (!home.empty()) {
    return FileChoice{(fs::path(home) / ".config" / "sextant" / "config.toml").string(), ""};
  }
  return std::nullopt;
}

}  // namespace

struct Config::Impl {
  struct Slot {
    ConfigKey key;
    ConfigValue value;
    std::string source;
  };
  std::map<std::string, Slot, std::less<>> slots;
  std::optional<std::string> file;
  std::vector<std::string> warnings;

  const Slot& Get(std::string_view key, ConfigType type) const {
    auto it = slots.find(key);
    if (it == slots.end()) ConfigMisuse("key '" + std::string(key) + "' is not declared");
    if (it->second.key.type != type) {
      ConfigMisuse("key '" + std::string(key) + "' is " +
                   std::string(internal::ConfigTypeArticleName(it->second.key.type)) +
                   ", read as " + std::string(internal::ConfigTypeArticleName(type)));
    }
    return it->second;
  }
};

std::string_view ConfigTypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kString:
      return "string";
    case ConfigType::kInt:
      return "integer";
    case ConfigType::kBool:
      return "boolean";
    case ConfigType::kDouble:
      return "double";
    case ConfigType::kStringList:
      return "string list";
  }
  return "unknown";
}

std::string FormatConfigValue(const ConfigValue& value) {
  switch (static_cast<ConfigType>(value.index())) {
    case ConfigType::kString:
      return std::get<std::string>(value);
    case ConfigType::kInt:
      return std::to_string(std::get<std::int64_t>(value));
    case ConfigType::kBool:
      return std::get<bool>(value) ? "true" : "false";
    case ConfigType::kDouble: {
      std::array<char, 64> buf{};
      auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), std::get<double>(value));
      return ec == std::errc() ? std::string(buf.data(), end) : std::string("nan");
    }
    case ConfigType::kStringList: {
      std::string out = "[";
      for (const auto& item : std::get<std::vector<std::string>>(value)) {
        if (out.size() > 1) out += ", ";
        out += DumpJson(Json(item));
      }
      return out + "]";
    }
  }
  return "";
}

std::string ConfigEnvVarName(std::string_view key) {
  std::string out(kEnvPrefix);
  for (char c : key) {
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

ConfigKey MakeKey(std::string name, ConfigType type, ConfigValue default_value,
                  std::string description) {
  ConfigKey key;
  key.name = std::move(name);
  key.type = type;
  key.default_value = std::move(default_value);
  key.description = std::move(description);
  return key;
}

}  // namespace

ConfigKey ConfigKey::String(std::string name, std::string default_value, std::string description) {
  return MakeKey(std::move(name), ConfigType::kString, std::move(default_value),
                 std::move(description));
}
ConfigKey ConfigKey::Int(std::string name, std::int64_t default_value, std::string description) {
  return MakeKey(std::move(name), ConfigType::kInt, default_value, std::move(description));
}
ConfigKey ConfigKey::Bool(std::string name, bool default_value, std::string description) {
  return MakeKey(std::move(name), ConfigType::kBool, default_value, std::move(description));
}
ConfigKey ConfigKey::Double(std::string name, double default_value, std::string description) {
  return MakeKey(std::move(name), ConfigType::kDouble, default_value, std::move(description));
}
ConfigKey ConfigKey::StringList(std::string name, std::vector<std::string> default_value,
                                std::string description) {
  return MakeKey(std::move(name), ConfigType::kStringList, std::move(default_value),
                 std::move(description));
}
ConfigKey&& ConfigKey::Range(std::int64_t min_value, std::int64_t max_value) && {
  min = min_value;
  max = max_value;
  return std::move(*this);
}
ConfigKey&& ConfigKey::OneOf(std::vector<std::string> values) && {
  allowed = std::move(values);
  return std::move(*this);
}
ConfigKey&& ConfigKey::Secret() && {
  secret = true;
  return std::move(*this);
}

Status ConfigRegistry::Declare(ConfigKey key) {
  const std::string& name = key.name;
  if (!IsValidKeyName(name)) {
    return InvalidArgumentError("config key '" + name +
                                "': a name is two or more dot-separated lowercase words");
  }
  if (key.default_value.index() != static_cast<std::size_t>(key.type)) {
    return InvalidArgumentError("config key '" + name + "': the default is not " +
                                std::string(internal::ConfigTypeArticleName(key.type)));
  }
  if ((key.min || key.max) && key.type != ConfigType::kInt) {
    return InvalidArgumentError("config key '" + name + "': bounds apply to integers only");
  }
  if (key.min && key.max && *key.min > *key.max) {
    return InvalidArgumentError("config key '" + name + "': minimum above maximum");
  }
  if (!key.allowed.empty() && key.type != ConfigType::kString) {
    return InvalidArgumentError("config key '" + name + "': allowed values apply to strings only");
  }
  if (Status st = internal::CheckConfigValue(key, key.default_value); !st.ok()) {
    return InvalidArgumentError("config key '" + name + "': bad default: " + st.message());
  }
  const std::string env = ConfigEnvVarName(name);
  for (const auto& [other, other_key] : keys_) {
    if (other == name) return AlreadyExistsError("config key '" + name + "' is declared twice");
    if (other.starts_with(name + ".") || name.starts_with(other + ".")) {
      return InvalidArgumentError("config keys '" + other + "' and '" + name +
                                  "' would make one name both a value and a table");
    }
    if (ConfigEnvVarName(other) == env) {
      return AlreadyExistsError("config keys '" + other + "' and '" + name +
                                "' share the environment variable " + env);
    }
  }
  keys_.emplace(name, std::move(key));
  return Status::Ok();
}

const ConfigKey* ConfigRegistry::Find(std::string_view name) const {
  auto it = keys_.find(name);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<const ConfigKey*> ConfigRegistry::Keys() const {
  std::vector<const ConfigKey*> out;
  out.reserve(keys_.size());
  for (const auto& [name, key] : keys_) out.push_back(&key);
  return out;
}

void DeclareCommonConfig(ConfigRegistry& registry) {
  const std::vector<ConfigKey> keys = {
      ConfigKey::String("log.level", "info", "Least severe log level written")
          .OneOf({"trace", "debug", "info", "warn", "error", "off"}),
      ConfigKey::String("log.format", "text", "Log line format: text, or json (one object a line)")
          .OneOf({"text", "json"}),
      ConfigKey::Int("http.connect_timeout_ms", 10 * kSecondMs,
                     "HTTP client: time limit to connect, in milliseconds")
          .Range(1, kHourMs),
      ConfigKey::Int("http.timeout_ms", 120 * kSecondMs,
                     "HTTP client: time limit for a whole request, in milliseconds")
          .Range(1, 24 * kHourMs),
      ConfigKey::Int("http.max_response_bytes", 64 * kMiB,
                     "HTTP client: largest response body accepted, in bytes")
          .Range(1, 16 * kGiB),
      ConfigKey::Int("http.max_redirects", 5, "HTTP client: redirects followed at most")
          .Range(0, 50),
      ConfigKey::Int("server.max_body_bytes", 16 * kMiB,
                     "HTTP servers: largest request body accepted, in bytes")
          .Range(1, 16 * kGiB),
      ConfigKey::Int("server.max_header_bytes", 16 * kKiB,
                     "HTTP servers: largest request header block accepted, in bytes")
          .Range(1 * kKiB, 1 * kMiB),
      ConfigKey::Int("server.read_timeout_ms", 30 * kSecondMs,
                     "HTTP servers: time limit to read one request, in milliseconds")
          .Range(1, kHourMs),
      ConfigKey::Int("server.ws_send_queue_limit", 1024,
                     "HTTP servers: WebSocket messages queued per client before it is dropped")
          .Range(1, 1 << 20),
      ConfigKey::String("openai.api_key", "", "API key for the OpenAI-compatible endpoint")
          .Secret(),
  };
  for (const ConfigKey& key : keys) {
    if (Status st = registry.Declare(key); !st.ok()) ConfigMisuse(st.message());
  }
}

Result<ConfigOverride> ParseSetFlag(std::string_view text) {
  const std::size_t eq = text.find('=');
  std::string_view key = eq == std::string_view::npos ? std::string_view() : text.substr(0, eq);
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.front()))) {
    key.remove_prefix(1);
  }
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) {
    key.remove_suffix(1);
  }
  if (key.empty()) {
    return InvalidArgumentError("flag --set: expected KEY=VALUE, got \"" + std::string(text) +
                                "\"");
  }
  return ConfigOverride{std::string(key), std::string(text.substr(eq + 1)), "--set"};
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

Result<Config> LoadConfig(const ConfigRegistry& registry, const ConfigSources& sources,
                          const ConfigLoadOptions& options) {
  auto impl = std::make_shared<Config::Impl>();
  std::vector<std::string> names;
  std::map<std::string, std::string> env_to_key;
  for (const ConfigKey* key : registry.Keys()) {
    impl->slots.emplace(key->name, Config::Impl::Slot{*key, key->default_value, "default"});
    names.push_back(key->name);
    env_to_key.emplace(ConfigEnvVarName(key->name), key->name);
  }
  auto set = [&](const ConfigKey& key, std::string_view text, const std::string& source) {
    ConfigValue value;
    Status st = internal::ParseConfigText(key, text, value);
    if (st.ok()) st = internal::CheckConfigValue(key, value);
    if (!st.ok()) return st.WithContext(source);
    auto& slot = impl->slots.at(key.name);
    slot.value = std::move(value);
    slot.source = source;
    return Status::Ok();
  };

  if (auto choice = ChooseFile(sources)) {
    if (choice->path.empty()) return InvalidArgumentError(choice->named_by + " is empty");
    const std::string path = AbsolutePath(choice->path);
    std::error_code ec;
    const bool present = fs::exists(path, ec);
    if (!choice->named_by.empty() || present) {
      auto settings = internal::ReadConfigFile(registry, path, options.max_file_bytes);
      if (!settings.ok()) {
        if (!choice->named_by.empty() && settings.status().code() == StatusCode::kNotFound) {
          return NotFoundError("config file " + path + " (named by " + choice->named_by +
                               ") does not exist");
        }
        return settings.status();
      }
      for (auto& s : *settings) {
        auto& slot = impl->slots.at(s.key);
        slot.value = std::move(s.value);
        slot.source = std::move(s.source);
      }
      impl->file = path;
    }
  }

  for (const auto& [var, text] : sources.env) {
    if (!var.starts_with(kEnvPrefix)) continue;
    if (auto it = env_to_key.find(var); it != env_to_key.end()) {
      SEXTANT_RETURN_IF_ERROR(set(*registry.Find(it->second), text, "env " + var));
      continue;
    }
    if (std::find(kReservedEnvVars.begin(), kReservedEnvVars.end(), var) !=
        kReservedEnvVars.end()) {
      continue;
    }
    std::vector<std::string> vars;
    for (const auto& [env_name, key_name] : env_to_key) vars.push_back(env_name);
    impl->warnings.push_back("ignoring environment variable " + var + ": it names no config key" +
                             internal::DidYouMean(var, vars));
  }

  for (const ConfigOverride& flag : sources.flags) {
    const std::string source = "flag " + flag.flag;
    const ConfigKey* key = registry.Find(flag.key);
    if (!key) {
      return InvalidArgumentError(source + ": unknown config key '" + flag.key + "'" +
                                  internal::DidYouMean(flag.key, names));
    }
    SEXTANT_RETURN_IF_ERROR(set(*key, flag.value, source));
  }
  return Config(std::move(impl));
}

Config::Config(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

const std::string& Config::GetString(std::string_view key) const {
  return std::get<std::string>(impl_->Get(key, ConfigType::kString).value);
}
std::int64_t Config::GetInt(std::string_view key) const {
  return std::get<std::int64_t>(impl_->Get(key, ConfigType::kInt).value);
}
bool Config::GetBool(std::string_view key) const {
  return std::get<bool>(impl_->Get(key, ConfigType::kBool).value);
}
double Config::GetDouble(std::string_view key) const {
  return std::get<double>(impl_->Get(key, ConfigType::kDouble).value);
}
const std::vector<std::string>& Config::GetStringList(std::string_view key) const {
  return std::get<std::vector<std::string>>(impl_->Get(key, ConfigType::kStringList).value);
}

std::vector<ConfigEntry> Config::Entries() const {
  std::vector<ConfigEntry> out;
  out.reserve(impl_->slots.size());
  for (const auto& [name, slot] : impl_->slots) {
    out.push_back({name, slot.key.type, Mask(slot.key, FormatConfigValue(slot.value)),
                   Mask(slot.key, FormatConfigValue(slot.key.default_value)), slot.source,
                   slot.key.description, slot.key.secret});
  }
  return out;
}

std::vector<std::string> Config::SecretValues() const {
  std::vector<std::string> out;
  for (const auto& [name, slot] : impl_->slots) {
    if (!slot.key.secret) continue;
    if (const auto* s = std::get_if<std::string>(&slot.value); s && !s->empty()) {
      out.push_back(*s);
    } else if (const auto* list = std::get_if<std::vector<std::string>>(&slot.value)) {
      for (const auto& item : *list) {
        if (!item.empty()) out.push_back(item);
      }
    }
  }
  return out;
}

const std::optional<std::string>& Config::file() const { return impl_->file; }

const std::vector<std::string>& Config::warnings() const { return impl_->warnings; }

}  // namespace sextant
