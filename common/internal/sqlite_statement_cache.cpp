#include "common/internal/sqlite_statement_cache.h"

#include <cassert>
#include <utility>

namespace sextant::internal {

SqliteStatementCache::~SqliteStatementCache() {
  assert(checked_out_ == 0 && "a cached Statement outlived its Database");
  for (Entry& entry : lru_) sqlite3_finalize(entry.stmt);
}

std::optional<SqliteStatementCache::Entry> SqliteStatementCache::Take(std::string_view sql) {
  ++checked_out_;
  auto it = index_.find(sql);
  if (it == index_.end()) return std::nullopt;
  auto node = it->second;
  index_.erase(it);
  Entry entry = std::move(*node);
  lru_.erase(node);
  return entry;
}

void SqliteStatementCache::Cancel() {
  assert(checked_out_ > 0);
  --checked_out_;
}

void SqliteStatementCache::Give(std::string sql, sqlite3_stmt* stmt) {
  assert(checked_out_ > 0);
  --checked_out_;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (capacity_ == 0 || index_.contains(sql)) {
    sqlite3_finalize(stmt);
    return;
  }
  lru_.push_front(Entry{std::move(sql), stmt});
  index_.emplace(lru_.front().sql, lru_.begin());
  Evict();
}

void SqliteStatementCache::Evict() {
  while (lru_.size() > capacity_) {
    Entry& oldest = lru_.back();
    index_.erase(oldest.sql);
    sqlite3_finalize(oldest.stmt);
    lru_.pop_back();
  }
}

}  // namespace sextant::internal
