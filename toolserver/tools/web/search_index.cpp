#include "toolserver/tools/web/search_index.h"

#include <openssl/evp.h>

#include <chrono>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "toolserver/tools/web/internal/charset_sniff.h"
#include "toolserver/tools/web/internal/index_text.h"

namespace sextant::toolserver::web {
namespace {

// "SXIX" in the file header: marks a search index.
constexpr std::int32_t kIndexApplicationId = 0x53584958;

// Title matches count ten times a text match in BM25.
constexpr std::string_view kRankFunction = "bm25(10.0, 1.0)";

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE docs(
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  hash TEXT NOT NULL,
  text_bytes INTEGER NOT NULL,
  indexed_at INTEGER NOT NULL);
CREATE VIRTUAL TABLE docs_fts USING fts5(
  title, text, content='docs', content_rowid='id',
  tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO docs_fts(docs_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER docs_au AFTER UPDATE OF title, text ON docs BEGIN
  INSERT INTO docs_fts(docs_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
  INSERT INTO docs_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
)sql";

constexpr Migration kMigrations[] = {
    {1, "documents and their FTS5 index", kSchemaV1},
};

Result<std::string> Sha256Hex(std::string_view a, std::string_view b) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return ResourceExhaustedError("sha256: out of memory");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const char separator = '\0';
  const bool ok =
      EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 && EVP_DigestUpdate(ctx, &separator, 1) == 1 &&
      EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 && EVP_DigestFinal_ex(ctx, digest, &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return InternalError("sha256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

std::int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t FileBytes(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

Status ValidateOptions(const SearchIndexOptions& o) {
  if (o.snippet_tokens < 1 || o.snippet_tokens > SearchIndexOptions::kMaxSnippetTokens) {
    return InvalidArgumentError("search index: snippet_tokens must be in 1.." +
                                std::to_string(SearchIndexOptions::kMaxSnippetTokens));
  }
  if (o.max_results < 1 || o.max_query_terms < 1 || o.max_query_bytes < 1 || o.max_url_bytes < 1) {
    return InvalidArgumentError(
        "search index: max_results, max_query_terms, max_query_bytes and max_url_bytes must be "
        "at least 1");
  }
  return Status::Ok();
}

class LocalSearchBackend : public SearchBackend {
 public:
  explicit LocalSearchBackend(SearchIndex& index) : index_(index) {}

  std::string_view name() const override { return "local"; }

  Result<std::vector<SearchResult>> Search(
      std::string_view query, std::size_t k,
      std::chrono::steady_clock::time_point deadline) override {
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceededError("local search: the deadline passed before the search");
    }
    SEXTANT_ASSIGN_OR_RETURN(std::vector<IndexHit> hits, index_.Search(query, k));
    std::vector<SearchResult> out;
    out.reserve(hits.size());
    for (IndexHit& hit : hits) {
      out.push_back({std::move(hit.title), std::move(hit.url), std::move(hit.snippet), hit.score});
    }
    return out;
  }

 private:
  SearchIndex& index_;
};

}  // namespace

std::string_view AddOutcomeName(AddOutcome outcome) {
  switch (outcome) {
    case AddOutcome::kAdded:
      return "added";
    case AddOutcome::kUpdated:
      return "updated";
    case AddOutcome::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

std::vector<std::string> QueryWords(std::string_view text, std::size_t max_terms) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  internal::WordSpan span;
  while (words.size() < max_terms && internal::NextWord(text, pos, span)) {
    words.emplace_back(text.substr(span.begin, span.end - span.begin));
  }
  return words;
}

std::string BuildFtsQuery(const std::vector<std::string>& words, bool all_words) {
  std::string query;
  for (const std::string& word : words) {
    if (!query.empty()) query += all_words ? " " : " OR ";
    query += '"';
    for (char c : word) {
      query += c;
      if (c == '"') query += '"';
    }
    query += '"';
  }
  return query;
}

std::filesystem::path ExpandHome(std::string_view path, std::string_view home) {
  if (home.empty() || path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) {
    return std::filesystem::path(path);
  }
  return std::filesystem::path(std::string(home) + std::string(path.substr(1)));
}

SearchIndex::SearchIndex(std::unique_ptr<Database> db, std::filesystem::path path,
                         const SearchIndexOptions& options)
    : db_(std::move(db)), path_(std::move(path)), options_(options) {}

SearchIndex::~SearchIndex() = default;

Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::filesystem::path& path,
                                                       const SearchIndexOptions& options) {
  SEXTANT_RETURN_IF_ERROR(ValidateOptions(options));
  DatabaseOptions db_options;
  db_options.read_only = options.read_only;
  db_options.create = !options.read_only;
  db_options.application_id = kIndexApplicationId;
  SEXTANT_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, db_options));
  SEXTANT_RETURN_IF_ERROR(db->Migrate(kMigrations));
  return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(db), path, options));
}

struct SearchIndex::CleanDocument {
  std::string_view url;
  std::string title;
  std::string text;
  std::string hash;
};

Result<AddOutcome> SearchIndex::Add(const IndexDocument& doc) {
  SEXTANT_RETURN_IF_ERROR(CheckWritable());
  SEXTANT_ASSIGN_OR_RETURN(const CleanDocument clean, Clean(doc));
  std::lock_guard<std::mutex> lock(mu_);
  SEXTANT_ASSIGN_OR_RETURN(Transaction tx, db_->Begin(TransactionMode::kImmediate));
  SEXTANT_ASSIGN_OR_RETURN(const AddOutcome outcome, Write(clean));
  SEXTANT_RETURN_IF_ERROR(tx.Commit());
  return outcome;
}

Result<std::vector<Result<AddOutcome>>> SearchIndex::AddAll(std::span<const IndexDocument> docs) {
  SEXTANT_RETURN_IF_ERROR(CheckWritable());
  std::vector<Result<AddOutcome>> outcomes;
  outcomes.reserve(docs.size());
  std::lock_guard<std::mutex> lock(mu_);
  SEXTANT_ASSIGN_OR_RETURN(Transaction tx, db_->Begin(TransactionMode::kImmediate));
  for (const IndexDocument& doc : docs) {
    Result<CleanDocument> clean = Clean(doc);
    if (!clean.ok()) {
      outcomes.emplace_back(clean.status());
      continue;
    }
    SEXTANT_ASSIGN_OR_RETURN(const AddOutcome outcome, Write(*clean));
    outcomes.emplace_back(outcome);
  }
  SEXTANT_RETURN_IF_ERROR(tx.Commit());
  return outcomes;
}

Status SearchIndex::CheckWritable() const {
  if (options_.read_only) {
    return PermissionDeniedError("index " + path_.string() + " is open read-only");
  }
  return Status::Ok();
}

Result<SearchIndex::CleanDocument> SearchIndex::Clean(const IndexDocument& doc) const {
  if (doc.url.empty()) return InvalidArgumentError("index: a document needs a URL");
  if (doc.url.size() > options_.max_url_bytes) {
    return InvalidArgumentError("index: URL of " + std::to_string(doc.url.size()) +
                                " bytes is over the limit of " +
                                std::to_string(options_.max_url_bytes));
  }
  if (!internal::IsValidUtf8(doc.url) || doc.url.find('\0') != std::string::npos) {
    return InvalidArgumentError("index: the URL is not valid UTF-8 text");
  }
  CleanDocument clean;
  clean.url = doc.url;
  clean.title = internal::CleanText(doc.title, options_.max_title_bytes);
  clean.text = internal::CleanText(doc.text, options_.max_text_bytes);
  SEXTANT_ASSIGN_OR_RETURN(clean.hash, Sha256Hex(clean.title, clean.text));
  return clean;
}

// Inserts or updates `doc` unless its hash is stored already.
Result<AddOutcome> SearchIndex::Write(const CleanDocument& doc) {
  SEXTANT_ASSIGN_OR_RETURN(Statement find,
                           db_->PrepareCached("SELECT id, hash FROM docs WHERE url = ?"));
  SEXTANT_RETURN_IF_ERROR(find.BindAll(doc.url));
  SEXTANT_ASSIGN_OR_RETURN(const bool exists, find.Step());
  const auto text_bytes = static_cast<std::int64_t>(doc.text.size());
  if (!exists) {
    SEXTANT_RETURN_IF_ERROR(
        db_->Execute("INSERT INTO docs(url, title, text, hash, text_bytes, indexed_at) VALUES (?, "
                     "?, ?, ?, ?, ?)",
                     doc.url, doc.title, doc.text, doc.hash, text_bytes, UnixSeconds()));
    return AddOutcome::kAdded;
  }
  const std::int64_t id = find.ColumnInt(0);
  if (find.ColumnText(1) == doc.hash) return AddOutcome::kUnchanged;
  SEXTANT_RETURN_IF_ERROR(find.Reset());
  SEXTANT_RETURN_IF_ERROR(db_->Execute(
      "UPDATE docs SET title = ?, text = ?, hash = ?, text_bytes = ?, indexed_at = ? WHERE id = ?",
      doc.title, doc.text, doc.hash, text_bytes, UnixSeconds(), id));
  return AddOutcome::kUpdated;
}

Result<std::vector<IndexHit>> SearchIndex::Search(std::string_view query, std::size_t k) {
  if (k < 1 || k > options_.max_results) {
    return InvalidArgumentError("index search: k must be in 1.." +
                                std::to_string(options_.max_results) + ", got " +
                                std::to_string(k));
  }
  if (query.size() > options_.max_query_bytes) {
    return InvalidArgumentError("index search: the query of " + std::to_string(query.size()) +
                                " bytes is over the limit of " +
                                std::to_string(options_.max_query_bytes));
  }
  const std::vector<std::string> words = QueryWords(query, options_.max_query_terms);
  if (words.empty()) return InvalidArgumentError("index search: the query has no words");
  std::lock_guard<std::mutex> lock(mu_);
  // One snapshot for the queries and the texts.
  SEXTANT_ASSIGN_OR_RETURN(Transaction tx, db_->Begin(TransactionMode::kDeferred));
  std::vector<IndexHit> hits;
  std::vector<std::int64_t> ids;
  SEXTANT_RETURN_IF_ERROR(CollectHits(BuildFtsQuery(words, true), k, hits, ids));
  if (hits.size() < k && words.size() > 1) {
    SEXTANT_RETURN_IF_ERROR(CollectHits(BuildFtsQuery(words, false), k, hits, ids));
  }
  SEXTANT_ASSIGN_OR_RETURN(Statement text,
                           db_->PrepareCached("SELECT text FROM docs WHERE id = ?"));
  for (std::size_t i = 0; i < hits.size(); ++i) {
    hits[i].rank = static_cast<int>(i + 1);
    SEXTANT_RETURN_IF_ERROR(text.Reset());
    SEXTANT_RETURN_IF_ERROR(text.BindAll(ids[i]));
    SEXTANT_ASSIGN_OR_RETURN(const bool has_row, text.Step());
    if (has_row) {
      hits[i].snippet = internal::MakeSnippet(text.ColumnText(0), words,
                                              static_cast<std::size_t>(options_.snippet_tokens));
    }
  }
  SEXTANT_RETURN_IF_ERROR(tx.Commit());
  return hits;
}

// Appends the best hits of `fts_query` not yet in `hits` (and their rowids to
// `ids`), up to k in all.
Status SearchIndex::CollectHits(const std::string& fts_query, std::size_t k,
                                std::vector<IndexHit>& hits, std::vector<std::int64_t>& ids) {
  SEXTANT_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->PrepareCached("SELECT docs.id, docs.url, docs.title, docs_fts.rank FROM docs_fts "
                         "JOIN docs ON docs.id = docs_fts.rowid WHERE docs_fts MATCH ?1 AND "
                         "docs_fts.rank MATCH '" +
                         std::string(kRankFunction) + "' ORDER BY docs_fts.rank LIMIT ?2"));
  SEXTANT_RETURN_IF_ERROR(stmt.BindAll(fts_query, static_cast<std::int64_t>(k)));
  const std::unordered_set<std::int64_t> seen(ids.begin(), ids.end());
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row || hits.size() >= k) break;
    if (seen.contains(stmt.ColumnInt(0))) continue;
    ids.push_back(stmt.ColumnInt(0));
    IndexHit hit;
    hit.url = stmt.ColumnText(1);
    hit.title = stmt.ColumnText(2);
    hit.score = -stmt.ColumnDouble(3);
    hits.push_back(std::move(hit));
  }
  return Status::Ok();
}

Result<IndexStats> SearchIndex::Stats() {
  std::lock_guard<std::mutex> lock(mu_);
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt,
                           db_->PrepareCached("SELECT count(*), coalesce(sum(text_bytes), 0), "
                                              "coalesce(max(indexed_at), 0) FROM docs"));
  SEXTANT_ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
  IndexStats stats;
  if (has_row) {
    stats.documents = stmt.ColumnInt(0);
    stats.text_bytes = stmt.ColumnInt(1);
    stats.last_indexed_at = stmt.ColumnInt(2);
  }
  const std::string file = path_.string();
  stats.database_bytes = FileBytes(path_) + FileBytes(file + "-wal") + FileBytes(file + "-shm");
  return stats;
}

std::unique_ptr<SearchBackend> MakeLocalSearchBackend(SearchIndex& index) {
  return std::make_unique<LocalSearchBackend>(index);
}

}  // namespace sextant::toolserver::web
