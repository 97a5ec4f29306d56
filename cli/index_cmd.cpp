// `sextant index add|stats|search`: the local web search index from the
// command line (toolserver/tools/web/search_index.h). Results go to stdout;
// indexing failures and errors to stderr.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/json.h"
#include "toolserver/tools/web/fetch.h"
#include "toolserver/tools/web/index_sources.h"
#include "toolserver/tools/web/search_index.h"
#include "toolserver/tools/web/web_config.h"

namespace sextant::cli {
namespace {

namespace fs = std::filesystem;
namespace web = toolserver::web;

// Exit codes: 1 for a runtime failure, 2 for a usage error (a bad flag value
// or a query without words included).
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Status& status) {
  std::fprintf(stderr, "sextant index: %s\n", status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

// --db, else web.index_path with ~ expanded.
fs::path DbPath(const std::string& flag, const Config& config) {
  const char* home = std::getenv("HOME");
  return web::ExpandHome(flag.empty() ? config.GetString("web.index_path") : flag,
                         home == nullptr ? "" : home);
}

Result<std::unique_ptr<web::SearchIndex>> OpenIndex(const fs::path& path, bool write) {
  web::SearchIndexOptions options;
  options.read_only = !write;
  if (write && path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return PermissionDeniedError("cannot create " + path.parent_path().string() + ": " +
                                   ec.message());
    }
  }
  auto index = web::SearchIndex::Open(path, options);
  if (!index.ok() && index.status().code() == StatusCode::kNotFound) {
    return NotFoundError("no index at " + path.string() + " (make one with `sextant index add`)");
  }
  return index;
}

std::string UtcTime(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return "never";
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

struct AddFlags {
  std::string source;
  std::string base_url;
  std::string db;
  std::vector<std::string> allow_addresses;
  web::IndexSourceOptions options;
};

Result<web::IndexReport> IndexUrlFile(web::SearchIndex& index, const AddFlags& f,
                                      const Config& config) {
  SEXTANT_ASSIGN_OR_RETURN(const std::vector<std::string> urls,
                           web::ReadUrlList(f.source, f.options));
  web::FetchOptions fetch = web::FetchOptionsFromConfig(config);
  fetch.allow_addresses.insert(fetch.allow_addresses.end(), f.allow_addresses.begin(),
                               f.allow_addresses.end());
  SEXTANT_ASSIGN_OR_RETURN(std::unique_ptr<web::Fetcher> fetcher,
                           web::Fetcher::Create(std::move(fetch)));
  return web::IndexUrlList(index, *fetcher, urls, f.options);
}

int RunAdd(const AddFlags& f, const Config& config) {
  std::error_code ec;
  const bool is_dir = fs::is_directory(f.source, ec);
  if (!is_dir && !fs::is_regular_file(f.source, ec)) {
    return Fail(NotFoundError("no such directory or URL list: " + f.source));
  }
  if (!is_dir && !f.base_url.empty()) {
    return Fail(InvalidArgumentError("--base-url applies to a directory only"));
  }
  auto index = OpenIndex(DbPath(f.db, config), /*write=*/true);
  if (!index.ok()) return Fail(index.status());
  auto report = is_dir ? web::IndexDirectory(**index, f.source, f.base_url, f.options)
                       : IndexUrlFile(**index, f, config);
  if (!report.ok()) return Fail(report.status());
  for (const auto& failure : report->failed) {
    std::fprintf(stderr, "failed: %s: %s\n", failure.source.c_str(), failure.reason.c_str());
  }
  std::printf("added %zu, updated %zu, unchanged %zu, failed %zu in %.2f s (%.1f pages/s)\n",
              report->added, report->updated, report->unchanged, report->failed.size(),
              report->seconds, report->PagesPerSecond());
  return 0;
}

int RunStats(const std::string& db, bool json, const Config& config) {
  auto index = OpenIndex(DbPath(db, config), /*write=*/false);
  if (!index.ok()) return Fail(index.status());
  auto stats = (*index)->Stats();
  if (!stats.ok()) return Fail(stats.status());
  const std::string path = (*index)->path().string();
  if (json) {
    std::printf("%s\n", DumpJson({{"path", path},
                                  {"documents", stats->documents},
                                  {"text_bytes", stats->text_bytes},
                                  {"database_bytes", stats->database_bytes},
                                  {"last_indexed_at", stats->last_indexed_at}},
                                 2)
                            .c_str());
    return 0;
  }
  std::printf(
      "index\t%s\ndocuments\t%lld\ntext bytes\t%lld\ndatabase bytes\t%lld\n"
      "last indexed\t%s\n",
      path.c_str(), static_cast<long long>(stats->documents),
      static_cast<long long>(stats->text_bytes), static_cast<long long>(stats->database_bytes),
      UtcTime(stats->last_indexed_at).c_str());
  return 0;
}

struct SearchFlags {
  std::string query;
  std::string db;
  std::size_t k = 10;
  bool json = false;
};

int RunSearch(const SearchFlags& f, const Config& config) {
  auto index = OpenIndex(DbPath(f.db, config), /*write=*/false);
  if (!index.ok()) return Fail(index.status());
  auto hits = (*index)->Search(f.query, f.k);
  if (!hits.ok()) return Fail(hits.status());
  if (f.json) {
    Json out = Json::array();
    for (const auto& hit : *hits) {
      out.push_back({{"rank", hit.rank},
                     {"score", hit.score},
                     {"url", hit.url},
                     {"title", hit.title},
                     {"snippet", hit.snippet}});
    }
    std::printf("%s\n", DumpJson(out, 2).c_str());
    return 0;
  }
  for (const auto& hit : *hits) {
    std::printf("%d\t%.3f\t%s\t%s\n", hit.rank, hit.score, hit.url.c_str(), hit.title.c_str());
  }
  return 0;
}

void AddDbFlag(CLI::App& cmd, std::string& db) {
  cmd.add_option("--db", db, "Index file (default: the web.index_path setting)")->type_name("FILE");
}

}  // namespace

void AddIndexCommand(CLI::App& app, Context& ctx) {
  auto* index = app.add_subcommand("index", "The local web search index: add pages, search");
  index->require_subcommand(1);

  auto* add = index->add_subcommand(
      "add", "Index a directory of saved pages, or fetch and index a file of URLs (one a line)");
  auto af = std::make_shared<AddFlags>();
  add->add_option("SOURCE", af->source, "A directory, or a URL list file")->required();
  add->add_option("--base-url", af->base_url,
                  "Directory: pages get this URL + their relative path (default file://)");
  AddDbFlag(*add, af->db);
  add->add_option("--allow-address", af->allow_addresses,
                  "URL list: let the fetcher reach this non-public address or CIDR block "
                  "(repeatable)")
      ->allow_extra_args(false);
  add->add_option("--batch", af->options.batch_docs, "Pages per transaction")
      ->capture_default_str();
  add->add_option("--max-file-bytes", af->options.max_file_bytes,
                  "Skip files larger than this (and refuse a larger URL list)")
      ->capture_default_str();
  add->callback([&ctx, af] { ctx.exit_code = RunAdd(*af, *ctx.config); });

  auto* stats = index->add_subcommand("stats", "Documents, sizes and the last indexing time");
  auto db = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  AddDbFlag(*stats, *db);
  stats->add_flag("--json", *json, "Print JSON");
  stats->callback([&ctx, db, json] { ctx.exit_code = RunStats(*db, *json, *ctx.config); });

  auto* search = index->add_subcommand("search", "Search the index (BM25); best first");
  auto sf = std::make_shared<SearchFlags>();
  search->add_option("QUERY", sf->query, "Free text")->required();
  search->add_option("-k,--k", sf->k, "Most results")->capture_default_str();
  AddDbFlag(*search, sf->db);
  search->add_flag("--json", sf->json, "Print [{rank, score, url, title, snippet}]");
  search->callback([&ctx, sf] { ctx.exit_code = RunSearch(*sf, *ctx.config); });
}

}  // namespace sextant::cli
