#include "toolserver/tools/web/page_cache.h"

#include <chrono>
#include <limits>
#include <system_error>
#include <utility>

namespace sextant::toolserver::web {
namespace {

// "SXPC" in the file header: marks a page cache.
constexpr std::int32_t kPageCacheApplicationId = 0x53585043;
constexpr std::int64_t kMsPerSecond = 1000;

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE pages(
  url TEXT PRIMARY KEY,
  final_url TEXT NOT NULL,
  status INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  charset TEXT NOT NULL,
  charset_from TEXT NOT NULL,
  body TEXT NOT NULL,
  fetched_at_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX pages_fetched_at ON pages(fetched_at_ms);
)sql";

constexpr Migration kMigrations[] = {
    {1, "fetched pages", kSchemaV1},
};

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckOptions(const PageCacheOptions& options) {
  if (options.ttl_seconds < 1) return InvalidArgumentError("page cache: ttl_seconds must be >= 1");
  if (options.max_entries < 1 ||
      options.max_entries > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())) {
    return InvalidArgumentError("page cache: max_entries must be >= 1");
  }
  return Status::Ok();
}

}  // namespace

PageCache::PageCache(std::unique_ptr<Database> db, PageCacheOptions options)
    : options_(options), db_(std::move(db)) {}

PageCache::~PageCache() = default;

Result<std::unique_ptr<PageCache>> PageCache::Create(const std::filesystem::path& path,
                                                     const PageCacheOptions& options) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions(options));
  const std::string context = "page cache " + path.string();
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return PermissionDeniedError("cannot create the directory " + path.parent_path().string() +
                                   ": " + ec.message())
          .WithContext(context);
    }
  }
  DatabaseOptions db_options;
  db_options.application_id = kPageCacheApplicationId;
  auto db = Database::Open(path, db_options);
  if (!db.ok()) return db.status().WithContext(context);
  if (Status st = (*db)->Migrate(kMigrations); !st.ok()) return st.WithContext(context);
  return std::unique_ptr<PageCache>(new PageCache(std::move(db).value(), options));
}

Result<std::optional<CachedPage>> PageCache::Get(std::string_view url) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::int64_t oldest = NowMs() - options_.ttl_seconds * kMsPerSecond;
  SEXTANT_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->PrepareCached("SELECT final_url, status, media_type, charset, charset_from, body, "
                         "fetched_at_ms FROM pages WHERE url = ? AND fetched_at_ms > ?"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(url, oldest));
  SEXTANT_ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
  if (!has_row) return std::optional<CachedPage>();
  CachedPage page;
  page.final_url = stmt.ColumnText(0);
  page.status = static_cast<long>(stmt.ColumnInt(1));
  page.media_type = stmt.ColumnText(2);
  page.charset = stmt.ColumnText(3);
  page.charset_from = stmt.ColumnText(4);
  page.body = stmt.ColumnText(5);
  page.fetched_at_ms = stmt.ColumnInt(6);
  return std::optional<CachedPage>(std::move(page));
}

Status PageCache::Put(std::string_view url, const CachedPage& page) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::int64_t fetched_at = page.fetched_at_ms != 0 ? page.fetched_at_ms : NowMs();
  SEXTANT_ASSIGN_OR_RETURN(Transaction tx, db_->Begin());
  SEXTANT_RETURN_IF_ERROR(db_->Execute(
      "INSERT OR REPLACE INTO pages(url, final_url, status, media_type, charset, charset_from, "
      "body, fetched_at_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
      url, page.final_url, static_cast<std::int64_t>(page.status), page.media_type, page.charset,
      page.charset_from, page.body, fetched_at));
  SEXTANT_RETURN_IF_ERROR(PurgeLocked());
  SEXTANT_RETURN_IF_ERROR(db_->Execute(
      "DELETE FROM pages WHERE url IN (SELECT url FROM pages ORDER BY fetched_at_ms DESC, url "
      "LIMIT -1 OFFSET ?)",
      static_cast<std::int64_t>(options_.max_entries)));
  return tx.Commit();
}

Result<std::int64_t> PageCache::PurgeExpired() {
  std::lock_guard<std::mutex> lock(mutex_);
  SEXTANT_RETURN_IF_ERROR(PurgeLocked());
  return db_->Changes();
}

Result<std::int64_t> PageCache::Count() {
  std::lock_guard<std::mutex> lock(mutex_);
  SEXTANT_ASSIGN_OR_RETURN(auto count, db_->QueryOne<std::int64_t>("SELECT count(*) FROM pages"));
  return count.value_or(0);
}

Status PageCache::PurgeLocked() {
  const std::int64_t oldest = NowMs() - options_.ttl_seconds * kMsPerSecond;
  return db_->Execute("DELETE FROM pages WHERE fetched_at_ms <= ?", oldest);
}

}  // namespace sextant::toolserver::web
