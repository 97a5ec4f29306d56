// Filling the local search index: from a directory of saved pages, or by
// fetching a list of URLs.
//
// IndexDirectory walks a directory tree in path order and indexes each
// *.html, *.htm (extracted with ExtractPage) and *.txt file (as it is, titled
// by its file name). A page's URL is base_url + "/" + its relative path, with
// bytes outside RFC 3986's unreserved set and '/' percent-encoded; with an
// empty base_url it is the file:// URL of its absolute path.
//
// IndexUrlList fetches each URL with a Fetcher and indexes HTML pages
// (ExtractPage, against the final URL) and plain text. The document's URL is
// the one listed, so that indexing the list again finds it.
//
// A file or URL that cannot be read, fetched or extracted is recorded in the
// report and skipped; the run goes on. Documents are written in transactions
// of batch_docs.
//
// Thread safety: free functions; the index serialises its own calls.
// Errors: invalid_argument for bad options; not_found when the directory or
// list file cannot be read; resource_exhausted for a list over its limits;
// the index's write errors (they stop the run, since every later write would
// fail the same way).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "toolserver/tools/web/extract.h"
#include "toolserver/tools/web/fetch.h"
#include "toolserver/tools/web/search_index.h"

namespace sextant::toolserver::web {

struct IndexSourceOptions {
  static constexpr std::size_t kDefaultBatchDocs = 64;
  static constexpr std::size_t kDefaultMaxFileBytes = std::size_t{8} << 20;  // 8 MiB
  static constexpr std::size_t kDefaultMaxFiles = 100'000;
  static constexpr int kDefaultFetchTimeoutMs = 30'000;

  // Documents per transaction, at least 1.
  std::size_t batch_docs = kDefaultBatchDocs;
  // A larger file is a failure (resource_exhausted) and is skipped.
  std::size_t max_file_bytes = kDefaultMaxFileBytes;
  // More matching files than this, or more URLs in a list, stop the run with
  // resource_exhausted before anything is indexed.
  std::size_t max_files = kDefaultMaxFiles;
  // The deadline of each fetch.
  int fetch_timeout_ms = kDefaultFetchTimeoutMs;
  // Passed to ExtractPage (its base_url is set per page). Links are not
  // numbered by default: "[n]" would read like a snippet's marks.
  ExtractOptions extract = UnnumberedLinks();

  static ExtractOptions UnnumberedLinks() {
    ExtractOptions options;
    options.number_links = false;
    return options;
  }
};

struct IndexFailure {
  std::string source;  // the file path or URL
  std::string reason;  // the Status as text
};

struct IndexReport {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t unchanged = 0;
  std::vector<IndexFailure> failed;
  double seconds = 0;

  std::size_t pages() const { return added + updated + unchanged; }
  // Pages (indexed or found unchanged) per second; 0 when no time passed.
  double PagesPerSecond() const;
};

// Indexes the files under `dir` (see the file comment).
[[nodiscard]] Result<IndexReport> IndexDirectory(SearchIndex& index,
                                                 const std::filesystem::path& dir,
                                                 const std::string& base_url,
                                                 const IndexSourceOptions& options = {});

// Reads a URL list: one URL a line; blank lines and lines starting with '#'
// are skipped, surrounding blanks trimmed. A file over options.max_file_bytes
// or with more than options.max_files URLs is resource_exhausted.
[[nodiscard]] Result<std::vector<std::string>> ReadUrlList(const std::filesystem::path& path,
                                                           const IndexSourceOptions& options = {});

// Fetches and indexes `urls` in order (see the file comment).
[[nodiscard]] Result<IndexReport> IndexUrlList(SearchIndex& index, Fetcher& fetcher,
                                               const std::vector<std::string>& urls,
                                               const IndexSourceOptions& options = {});

// The URL IndexDirectory gives `relative` (a path under the directory).
std::string PageUrl(const std::string& base_url, const std::filesystem::path& dir,
                    const std::filesystem::path& relative);

}  // namespace sextant::toolserver::web
