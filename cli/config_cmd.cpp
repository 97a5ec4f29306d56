// The global config flags (--config, --set, --log-level, --log-format), the
// loading of the configuration before any subcommand runs, and
// `sextant config show|keys [--json]`.
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/agent_config.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/json.h"
#include "common/log.h"
#include "llm/backend_config.h"
#include "llm/runtime/runtime_config.h"
#ifdef SEXTANT_HAVE_TOOLSERVER
#include "toolserver/server_config.h"
#include "toolserver/tools/web/web_config.h"
#endif

namespace sextant::cli {
namespace {

constexpr int kConfigErrorExitCode = 2;
// Subcommands that run, with a warning and the defaults, when the
// configuration cannot be loaded: they never need it, and `version` is what
// one runs to diagnose a broken installation.
constexpr std::array<const char*, 1> kConfigFreeCommands = {"version"};

struct GlobalFlags {
  std::string config_file;
  std::vector<std::string> sets;
  std::string log_level;
  std::string log_format;
  CLI::Option* config_option = nullptr;
  CLI::Option* log_level_option = nullptr;
  CLI::Option* log_format_option = nullptr;
};

Result<Config> LoadFromFlags(const ConfigRegistry& registry, const GlobalFlags& flags) {
  ConfigSources sources;
  if (flags.config_option->count() > 0) sources.config_file = flags.config_file;
  sources.env = ProcessEnvironment();
  for (const std::string& text : flags.sets) {
    SEXTANT_ASSIGN_OR_RETURN(ConfigOverride flag, ParseSetFlag(text));
    sources.flags.push_back(std::move(flag));
  }
  if (flags.log_level_option->count() > 0) {
    sources.flags.push_back({"log.level", flags.log_level, "--log-level"});
  }
  if (flags.log_format_option->count() > 0) {
    sources.flags.push_back({"log.format", flags.log_format, "--log-format"});
  }
  return LoadConfig(registry, sources);
}

void LoadConfiguration(const CLI::App& app, Context& ctx, const GlobalFlags& flags) {
  auto config = LoadFromFlags(ctx.registry, flags);
  if (!config.ok()) {
    const bool config_free =
        std::any_of(kConfigFreeCommands.begin(), kConfigFreeCommands.end(),
                    [&](const char* name) { return app.got_subcommand(name); });
    if (!config_free) {
      std::fprintf(stderr, "sextant: %s\n", config.status().message().c_str());
      throw CLI::RuntimeError(kConfigErrorExitCode);
    }
    std::fprintf(stderr, "sextant: warning: using the default configuration: %s\n",
                 config.status().message().c_str());
    config = LoadConfig(ctx.registry, ConfigSources{});
    if (!config.ok()) {
      std::fprintf(stderr, "sextant: %s\n", config.status().message().c_str());
      throw CLI::RuntimeError(kConfigErrorExitCode);
    }
  }
  ctx.config.emplace(std::move(config).value());
  ConfigureLogging(*ctx.config);
  for (const std::string& warning : ctx.config->warnings()) LogWarn("config", warning);
}

// Prints rows as left-aligned columns separated by two spaces.
void PrintColumns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string Shown(const std::string& value) { return value.empty() ? "\"\"" : value; }

void ShowConfig(const Config& config, bool json) {
  const std::vector<ConfigEntry> entries = config.Entries();
  if (json) {
    Json out = Json::array();
    for (const ConfigEntry& e : entries) {
      out.push_back({{"key", e.key},
                     {"value", e.value},
                     {"source", e.source},
                     {"description", e.description}});
    }
    std::printf("%s\n", DumpJson(out, 2).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"KEY", "VALUE", "SOURCE"}};
  for (const ConfigEntry& e : entries) rows.push_back({e.key, Shown(e.value), e.source});
  PrintColumns(rows);
}

void ShowKeys(const ConfigRegistry& registry, bool json) {
  if (json) {
    Json out = Json::array();
    for (const ConfigKey* key : registry.Keys()) {
      std::string def = FormatConfigValue(key->default_value);
      if (key->secret && !def.empty()) def = "***";
      out.push_back({{"key", key->name},
                     {"type", ConfigTypeName(key->type)},
                     {"default", def},
                     {"env", ConfigEnvVarName(key->name)},
                     {"secret", key->secret},
                     {"description", key->description}});
    }
    std::printf("%s\n", DumpJson(out, 2).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"KEY", "TYPE", "DEFAULT", "DESCRIPTION"}};
  for (const ConfigKey* key : registry.Keys()) {
    std::string def = FormatConfigValue(key->default_value);
    if (key->secret && !def.empty()) def = "***";
    std::string description = key->description;
    if (!key->allowed.empty()) {
      std::string values;
      for (const auto& v : key->allowed) values += (values.empty() ? "" : "|") + v;
      description += " (" + values + ")";
    }
    if (key->min || key->max) {
      description += " [" + (key->min ? std::to_string(*key->min) : std::string()) + ".." +
                     (key->max ? std::to_string(*key->max) : std::string()) + "]";
    }
    if (key->secret) description += " (secret)";
    rows.push_back({key->name, std::string(ConfigTypeName(key->type)), Shown(def), description});
  }
  PrintColumns(rows);
}

}  // namespace

void DeclareAllConfig(ConfigRegistry& registry) {
  DeclareCommonConfig(registry);
  llm::DeclareLlmConfig(registry);
  llm::DeclareBackendConfig(registry);
  agent::DeclareAgentConfig(registry);
#ifdef SEXTANT_HAVE_TOOLSERVER
  toolserver::DeclareToolServerConfig(registry);
  toolserver::web::DeclareWebConfig(registry);
#endif
}

void AddGlobalFlags(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<GlobalFlags>();
  flags->config_option = app.add_option("--config", flags->config_file,
                                        "TOML config file (default: $SEXTANT_CONFIG, else "
                                        "$XDG_CONFIG_HOME/sextant/config.toml "
                                        "or ~/.config/sextant/config.toml when present)")
                             ->type_name("FILE");
  app.add_option("--set", flags->sets,
                 "Set a config key, e.g. --set http.timeout_ms=5000 (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  flags->log_level_option = app.add_option("--log-level", flags->log_level,
                                           "Log level: trace, debug, info, warn, error or off")
                                ->type_name("LEVEL");
  flags->log_format_option =
      app.add_option("--log-format", flags->log_format, "Log format: text or json")
          ->type_name("FORMAT");
  app.parse_complete_callback([&app, &ctx, flags] { LoadConfiguration(app, ctx, *flags); });
}

void AddConfigCommand(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("config", "Show the effective configuration and its keys");
  group->require_subcommand(1);

  auto* show = group->add_subcommand(
      "show", "Print every key's effective value and where it came from (secrets as ***)");
  auto show_json = std::make_shared<bool>(false);
  show->add_flag("--json", *show_json, "Print a JSON array of {key, value, source, description}");
  show->callback([show_json, &ctx] {
    ShowConfig(*ctx.config, *show_json);
    ctx.exit_code = 0;
  });

  auto* keys = group->add_subcommand("keys", "List the declared keys: type, default, description");
  auto keys_json = std::make_shared<bool>(false);
  keys->add_flag("--json", *keys_json, "Print a JSON array");
  keys->callback([keys_json, &ctx] {
    ShowKeys(ctx.registry, *keys_json);
    ctx.exit_code = 0;
  });
}

}  // namespace sextant::cli
