// The local web search index: pages (URL, title, extracted text) in SQLite
// with an FTS5 full-text index, searched with BM25.
//
// Storage: a `docs` table (url unique, title, text, content hash, indexed_at)
// and an external-content FTS5 table over its title and text, kept in step by
// triggers, tokenized with porter over unicode61 (remove_diacritics 2).
//
// Adding is incremental: a URL whose title and text hash as stored is left
// alone (unchanged, nothing written); a changed one is re-indexed (updated).
//
// Searching never passes the user's text to FTS5 as syntax. The text is cut
// into words (runs of ASCII letters and digits and of non-ASCII characters
// outside the punctuation and space blocks; invalid UTF-8 separates words),
// each word is quoted as an FTS5 string, and the words are joined with AND.
// When that finds fewer than k pages, pages that hold any of the words (OR)
// fill the rest. AND hits always rank above OR hits, so the score (-bm25, with
// the title weighted above the text) may rise across that boundary.
//
// Snippets are made here (internal/index_text.h MakeSnippet) rather than by
// FTS5's snippet(), whose time grows with the square of the query words'
// occurrences in a page: a second per search with common words over the
// largest sqlite3-doc pages. Ours is linear in the page's text.
//
// Ownership: a SearchIndex owns its SQLite connection.
// Thread safety: every method may be called from many threads at once; calls
// on one index run one at a time. Several processes may open the same file
// (SQLite WAL): readers run beside one writer.
// Errors: Open gives SQLite's errors (data_loss for a file that is not SQLite,
// failed_precondition for another application's SQLite file, not_found for a
// missing file opened read-only); Add on a read-only index is
// permission_denied; invalid_argument for a bad document, query or k (see the
// options); SQLite errors as they come otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite.h"
#include "common/status.h"
#include "toolserver/tools/web/search_backend.h"

namespace sextant::toolserver::web {

struct SearchIndexOptions {
  static constexpr std::size_t kDefaultMaxTextBytes = std::size_t{1} << 20;  // 1 MiB
  static constexpr std::size_t kDefaultMaxTitleBytes = 1024;
  static constexpr std::size_t kDefaultMaxUrlBytes = 4096;
  static constexpr std::size_t kDefaultMaxQueryBytes = 1024;
  static constexpr std::size_t kDefaultMaxQueryTerms = 32;
  static constexpr std::size_t kDefaultMaxResults = 100;
  static constexpr int kDefaultSnippetTokens = 24;
  static constexpr int kMaxSnippetTokens = 256;

  // Opens the file read-only: Add fails with permission_denied, and a missing
  // file is not_found instead of being created.
  bool read_only = false;
  // A document's text is cut to this many bytes (at a character boundary)
  // before it is hashed and stored; its title to max_title_bytes.
  std::size_t max_text_bytes = kDefaultMaxTextBytes;
  std::size_t max_title_bytes = kDefaultMaxTitleBytes;
  // A longer URL is invalid_argument.
  std::size_t max_url_bytes = kDefaultMaxUrlBytes;
  // A longer query is invalid_argument; words past max_query_terms are
  // dropped.
  std::size_t max_query_bytes = kDefaultMaxQueryBytes;
  std::size_t max_query_terms = kDefaultMaxQueryTerms;
  // k above this is invalid_argument.
  std::size_t max_results = kDefaultMaxResults;
  // Words in a snippet, 1..kMaxSnippetTokens.
  int snippet_tokens = kDefaultSnippetTokens;
};

struct IndexDocument {
  std::string url;  // the key; not empty
  std::string title;
  std::string text;  // plain text, e.g. ExtractPage's
};

enum class AddOutcome { kAdded, kUpdated, kUnchanged };

// "added", "updated" or "unchanged".
std::string_view AddOutcomeName(AddOutcome outcome);

struct IndexHit {
  int rank = 0;  // 1 for the best
  std::string url;
  std::string title;
  std::string snippet;  // from the text, one line, query words marked [like this]
  double score = 0;     // -bm25: higher is better
};

struct IndexStats {
  std::int64_t documents = 0;
  std::int64_t text_bytes = 0;       // the stored texts, summed
  std::int64_t database_bytes = 0;   // the file with its -wal and -shm
  std::int64_t last_indexed_at = 0;  // Unix seconds; 0 when empty
};

// The words of `text` as the file comment defines them, at most `max_terms`.
std::vector<std::string> QueryWords(std::string_view text, std::size_t max_terms);

// An FTS5 query matching documents with all the words or any of them: each
// word quoted as an FTS5 string (any '"' doubled), joined by spaces (FTS5's
// implicit AND, which also skips a word the tokenizer turns into no token)
// or by OR. Empty for no words.
std::string BuildFtsQuery(const std::vector<std::string>& words, bool all_words);

// `path` with a leading "~" (alone or before '/') replaced by `home`, as the
// web.index_path setting is written. Unchanged otherwise, or when `home` is
// empty.
std::filesystem::path ExpandHome(std::string_view path, std::string_view home);

class SearchIndex {
 public:
  [[nodiscard]] static Result<std::unique_ptr<SearchIndex>> Open(
      const std::filesystem::path& path, const SearchIndexOptions& options = {});
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Adds or re-indexes one document (see the file comment).
  [[nodiscard]] Result<AddOutcome> Add(const IndexDocument& doc);
  // Adds many in one transaction. A document that is invalid gets its
  // invalid_argument in its place and the others are written; a write error
  // rolls the whole batch back and is returned.
  [[nodiscard]] Result<std::vector<Result<AddOutcome>>> AddAll(std::span<const IndexDocument> docs);

  // At most k hits, best first. invalid_argument for a query without words,
  // over max_query_bytes, or k outside 1..max_results.
  [[nodiscard]] Result<std::vector<IndexHit>> Search(std::string_view query, std::size_t k);

  [[nodiscard]] Result<IndexStats> Stats();

  const SearchIndexOptions& options() const { return options_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  SearchIndex(std::unique_ptr<Database> db, std::filesystem::path path,
              const SearchIndexOptions& options);
  struct CleanDocument;
  Status CheckWritable() const;
  Result<CleanDocument> Clean(const IndexDocument& doc) const;
  Result<AddOutcome> Write(const CleanDocument& doc);
  Status CollectHits(const std::string& fts_query, std::size_t k, std::vector<IndexHit>& hits,
                     std::vector<std::int64_t>& ids);

  std::mutex mu_;
  std::unique_ptr<Database> db_;
  std::filesystem::path path_;
  SearchIndexOptions options_;
};

// A SearchBackend named "local" over `index`, which must outlive it. Search
// ignores the deadline (a local query takes milliseconds) and returns the
// index's errors.
std::unique_ptr<SearchBackend> MakeLocalSearchBackend(SearchIndex& index);

}  // namespace sextant::toolserver::web
