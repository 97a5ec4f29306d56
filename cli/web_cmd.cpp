// `sextant web extract FILE|URL [--json] [--base-url URL] [--allow-address
// ADDR]...`: the main text of an HTML file or of a fetched page,
// readability-style (toolserver/tools/web/extract.h, fetch.h).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/json.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/fetch.h"
#include "toolserver/tools/web/web_config.h"

namespace sextant::cli {
namespace {

// Exit codes: 1 for a file, fetch or extraction failure, 2 for a usage error
// (a bad --allow-address included).
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct ExtractFlags {
  std::string source;
  std::string base_url;
  std::vector<std::string> allow_addresses;
  bool json = false;
};

bool IsUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// Reads the HTML file named by flags.source into `html`; returns an exit code.
int ReadSource(const ExtractFlags& flags, std::size_t max_bytes, std::string& html) {
  std::ifstream in(flags.source, std::ios::binary | std::ios::ate);
  if (!in) {
    std::fprintf(stderr, "sextant web extract: cannot read %s\n", flags.source.c_str());
    return kExitFailure;
  }
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > max_bytes) {
    std::fprintf(stderr, "sextant web extract: %s is %zu bytes, over the limit of %zu\n",
                 flags.source.c_str(), size, max_bytes);
    return kExitFailure;
  }
  in.seekg(0);
  std::ostringstream text;
  text << in.rdbuf();
  html = text.str();
  return 0;
}

// Fetches flags.source; returns an exit code.
int FetchSource(const ExtractFlags& flags, const Config& config,
                toolserver::web::FetchedPage& page) {
  toolserver::web::FetchOptions options = toolserver::web::FetchOptionsFromConfig(config);
  options.allow_addresses.insert(options.allow_addresses.end(), flags.allow_addresses.begin(),
                                 flags.allow_addresses.end());
  auto fetcher = toolserver::web::Fetcher::Create(options);
  if (!fetcher.ok()) {
    std::fprintf(stderr, "sextant web extract: %s\n", fetcher.status().ToString().c_str());
    return fetcher.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  auto fetched = (*fetcher)->Fetch(flags.source, deadline);
  if (!fetched.ok()) {
    std::fprintf(stderr, "sextant web extract: %s\n", fetched.status().ToString().c_str());
    return kExitFailure;
  }
  page = std::move(fetched).value();
  return 0;
}

int RunExtract(const ExtractFlags& flags, const Config& config) {
  toolserver::web::ExtractOptions options;
  options.base_url = flags.base_url;
  std::string html;
  bool is_html = true;
  if (IsUrl(flags.source)) {
    toolserver::web::FetchedPage fetched;
    if (const int code = FetchSource(flags, config, fetched); code != 0) return code;
    if (options.base_url.empty()) options.base_url = fetched.final_url;
    is_html = fetched.is_html();
    html = std::move(fetched.body);
  } else if (const int code = ReadSource(flags, options.max_bytes, html); code != 0) {
    return code;
  }
  Result<toolserver::web::ExtractedPage> page = toolserver::web::ExtractedPage{};
  if (is_html) {
    page = toolserver::web::ExtractPage(html, options);
  } else {
    page->text = std::move(html);  // plain text is its own main text
  }
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
  auto* extract =
      web->add_subcommand("extract", "Print the title and main text of an HTML file or a web page");
  extract->add_option("SOURCE", flags->source, "An HTML file, or an http(s) URL to fetch")
      ->required();
  extract->add_flag("--json", flags->json,
                    "Print {title, byline, lang, excerpt, site_name, text, links} as JSON");
  extract->add_option("--base-url", flags->base_url,
                      "Resolve relative links against this URL (default for a URL: the page's "
                      "final URL)");
  extract
      ->add_option("--allow-address", flags->allow_addresses,
                   "Let fetches reach this private or loopback address or CIDR block "
                   "(repeatable; adds to web.allow_addresses)")
      ->allow_extra_args(false)
      ->type_name("ADDR");
  extract->callback([flags, &ctx] { ctx.exit_code = RunExtract(*flags, *ctx.config); });
}

}  // namespace sextant::cli
