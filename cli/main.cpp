// sextant: the command-line entry point. Parses flags and dispatches to the
// subcommand groups; all real work lives in the components.
#include <csignal>

#include <CLI/CLI.hpp>

#include "cli/build_info.h"
#include "cli/commands.h"

namespace {
constexpr int kUsageError = 2;
}  // namespace

int main(int argc, char** argv) {
  // A peer that closes a socket must give an error, not kill the process
  // (libcurl runs with CURLOPT_NOSIGNAL, and TLS writes can raise SIGPIPE).
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Sextant: a self-hosted autonomous agent", "sextant"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string(SEXTANT_VERSION));

  sextant::cli::Context ctx;
  sextant::cli::DeclareAllConfig(ctx.registry);
  sextant::cli::AddGlobalFlags(app, ctx);
  sextant::cli::AddVersionCommand(app, ctx);
  sextant::cli::AddConfigCommand(app, ctx);
  sextant::cli::AddModelCommand(app, ctx);
  sextant::cli::AddKbCommand(app, ctx);
  sextant::cli::AddRunCommand(app, ctx);
  sextant::cli::AddRunsCommand(app, ctx);
#ifdef SEXTANT_HAVE_TOOLSERVER
  sextant::cli::AddToolServerCommand(app, ctx);
  sextant::cli::AddWebCommand(app, ctx);
  sextant::cli::AddIndexCommand(app, ctx);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  return ctx.exit_code;
}
