// Registration of the `sextant` subcommand groups. Each Add*Command adds its
// subcommands to `app` and sets their callbacks; callbacks set `exit_code`.
#pragma once

#include <optional>

#include "common/config.h"

namespace CLI {
class App;
}

namespace sextant::cli {

struct Context {
  int exit_code = 0;
  // Every declared config key (DeclareAllConfig).
  ConfigRegistry registry;
  // The effective configuration, loaded after parsing and before any
  // subcommand callback runs (AddGlobalFlags); always set in a callback.
  std::optional<Config> config;
};

// Declares the config keys of every component linked into the binary.
void DeclareAllConfig(ConfigRegistry& registry);

// Adds --config, --set, --log-level and --log-format to the main app and
// loads the configuration into ctx.config once parsing is complete, then
// configures logging from it. A config error prints the message and exits
// with code 2, except for `version`, which warns and runs with the defaults.
void AddGlobalFlags(CLI::App& app, Context& ctx);

void AddVersionCommand(CLI::App& app, Context& ctx);
// `config show [--json]` and `config keys [--json]`.
void AddConfigCommand(CLI::App& app, Context& ctx);
// `model info|tokenize|generate|chat|synth`.
void AddModelCommand(CLI::App& app, Context& ctx);
// `kb import|query|search|neighbors|stats`.
void AddKbCommand(CLI::App& app, Context& ctx);
// `run "TASK"` and `run --resume ID`: one agent run, shown live.
void AddRunCommand(CLI::App& app, Context& ctx);
// `runs list|show|replay|export`.
void AddRunsCommand(CLI::App& app, Context& ctx);
// `toolserver --listen HOST:PORT --token-file F --workspace-root DIR [--plugins FILE]`.
void AddToolServerCommand(CLI::App& app, Context& ctx);
// `web extract FILE|URL [--json] [--base-url URL] [--allow-address ADDR]...`.
void AddWebCommand(CLI::App& app, Context& ctx);
// `index add SOURCE`, `index stats`, `index search "QUERY"`: the local web index.
void AddIndexCommand(CLI::App& app, Context& ctx);

}  // namespace sextant::cli
