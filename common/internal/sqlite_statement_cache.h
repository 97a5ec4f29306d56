// The per-connection cache of idle prepared statements behind
// Database::PrepareCached: at most `capacity` idle statements, keyed by their
// SQL text, least recently used finalized first.
//
// Ownership: owns the idle statements (finalized on eviction and in the
// destructor); a statement taken out belongs to its Statement until given
// back. Thread safety: none, like the Database that owns it.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

namespace sextant::internal {

class SqliteStatementCache {
 public:
  struct Entry {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
  };

  explicit SqliteStatementCache(std::size_t capacity) : capacity_(capacity) {}
  SqliteStatementCache(const SqliteStatementCache&) = delete;
  SqliteStatementCache& operator=(const SqliteStatementCache&) = delete;
  ~SqliteStatementCache();

  // Removes and returns the idle statement prepared from `sql`, if any. Every
  // Take, hit or miss, must be matched by one Give, or by one Cancel when no
  // statement came of it.
  std::optional<Entry> Take(std::string_view sql);
  void Cancel();

  // Takes back a statement after use: it is reset, its bindings cleared, and
  // kept as the most recently used, or finalized when an idle statement for
  // the same SQL is already kept or the capacity is 0.
  void Give(std::string sql, sqlite3_stmt* stmt);

  std::size_t size() const { return lru_.size(); }

 private:
  void Evict();

  std::size_t capacity_;
  std::size_t checked_out_ = 0;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys view lru_
};

}  // namespace sextant::internal
