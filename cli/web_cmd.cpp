// `sextant web extract FILE [--json] [--base-url URL]`: the main text of an
// HTML file, readability-style (toolserver/tools/web/extract.h).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/json.h"
#include "toolserver/tools/web/extract.h"

namespace sextant::cli {
namespace {

// Exit codes: 1 for a file or extraction failure, 2 for a usage error.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct ExtractFlags {
  std::string source;
  std::string base_url;
  bool json = false;
};

bool IsUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

int RunExtract(const ExtractFlags& flags) {
  if (IsUrl(flags.source)) {
    std::fprintf(stderr,
                 "sextant web extract: fetching URLs comes later; save the page and pass the "
                 "file (with --base-url %s)\n",
                 flags.source.c_str());
    return kExitUsage;
  }
  toolserver::web::ExtractOptions options;
  options.base_url = flags.base_url;
  std::ifstream in(flags.source, std::ios::binary | std::ios::ate);
  if (!in) {
    std::fprintf(stderr, "sextant web extract: cannot read %s\n", flags.source.c_str());
    return kExitFailure;
  }
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > options.max_bytes) {
    std::fprintf(stderr, "sextant web extract: %s is %zu bytes, over the limit of %zu\n",
                 flags.source.c_str(), size, options.max_bytes);
    return kExitFailure;
  }
  in.seekg(0);
  std::ostringstream html;
  html << in.rdbuf();
  auto page = toolserver::web::ExtractPage(html.str(), options);
  if (!page.ok()) {
    std::fprintf(stderr, "sextant web extract: %s: %s\n", flags.source.c_str(),
                 page.status().ToString().c_str());
    return kExitFailure;
  }
  if (flags.json) {
    std::cout << DumpJson(toolserver::web::ExtractedPageToJson(*page), 2) << "\n";
  } else {
    std::cout << page->title << "\n\n" << page->text << "\n";
    if (!page->links.empty()) {
      std::cout << "\nLinks:\n";
      for (const auto& l : page->links) std::cout << "[" << l.n << "] " << l.url << "\n";
    }
  }
  return 0;
}

}  // namespace

void AddWebCommand(CLI::App& app, Context& ctx) {
  auto* web = app.add_subcommand("web", "Web page tools");
  web->require_subcommand(1);
  auto flags = std::make_shared<ExtractFlags>();
  auto* extract = web->add_subcommand("extract", "Print the title and main text of an HTML file");
  extract->add_option("FILE", flags->source, "The HTML file (URLs come later)")->required();
  extract->add_flag("--json", flags->json,
                    "Print {title, byline, lang, excerpt, site_name, text, links} as JSON");
  extract->add_option("--base-url", flags->base_url, "Resolve relative links against this URL");
  extract->callback([flags, &ctx] { ctx.exit_code = RunExtract(*flags); });
}

}  // namespace sextant::cli
