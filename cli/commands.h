// Registration of the `sextant` subcommand groups. Each Add*Command adds its
// subcommands to `app` and sets their callbacks; callbacks set `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace sextant::cli {

struct Context {
  int exit_code = 0;
};

void AddVersionCommand(CLI::App& app, Context& ctx);

}  // namespace sextant::cli
