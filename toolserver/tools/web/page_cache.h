// A SQLite cache of fetched pages, keyed by the URL asked for.
//
// Get returns a page only while it is fresh (fetched less than ttl_seconds
// ago). Put replaces the URL's row, deletes rows that have expired, and then
// the oldest rows beyond max_entries. Bodies are stored as decoded UTF-8.
//
// Ownership: a PageCache owns its SQLite connection.
// Thread safety: every method may be called from many threads at once (a
// mutex guards the connection); several processes may share one file.
// Errors: Create gives data_loss for a file that is not SQLite or is
// corrupt, failed_precondition for a SQLite file of another application,
// invalid_argument for bad options, and SQLite's errors as they come (see
// common/sqlite.h); every message names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/sqlite.h"
#include "common/status.h"

namespace sextant::toolserver::web {

struct PageCacheOptions {
  static constexpr int kDefaultTtlSeconds = 3600;
  static constexpr std::size_t kDefaultMaxEntries = 1000;

  // A page older than this is not served; >= 1.
  int ttl_seconds = kDefaultTtlSeconds;
  // Rows kept at most; >= 1.
  std::size_t max_entries = kDefaultMaxEntries;
};

struct CachedPage {
  std::string final_url;
  long status = 0;
  std::string media_type;
  std::string charset;
  std::string charset_from;
  std::string body;  // UTF-8
  // When it was fetched, in milliseconds since the Unix epoch; Put fills in
  // the current time when it is 0.
  std::int64_t fetched_at_ms = 0;
};

class PageCache {
 public:
  // Opens or creates the cache file (and its parent directories).
  [[nodiscard]] static Result<std::unique_ptr<PageCache>> Create(
      const std::filesystem::path& path, const PageCacheOptions& options = {});
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The fresh page stored for `url`, or nullopt.
  [[nodiscard]] Result<std::optional<CachedPage>> Get(std::string_view url);
  // Stores `page` for `url`, then purges as the file comment says.
  [[nodiscard]] Status Put(std::string_view url, const CachedPage& page);
  // Deletes the expired rows; returns how many went.
  [[nodiscard]] Result<std::int64_t> PurgeExpired();
  // Rows stored, fresh or not.
  [[nodiscard]] Result<std::int64_t> Count();

 private:
  PageCache(std::unique_ptr<Database> db, PageCacheOptions options);

  Status PurgeLocked();

  const PageCacheOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Database> db_;  // guarded by mutex_
};

}  // namespace sextant::toolserver::web
