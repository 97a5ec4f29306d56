// Streaming importers into a KnowledgeBase: TSV, CSV (RFC 4180), N-Triples
// and JSON Lines, with an optional id -> name map (FB15k-237's
// FB15k_mid2name.txt) applied to subjects and objects.
//
// Records:
//   tsv, csv   s, r, o[, source]; more columns are ignored (source_column
//              picks the source column, or none).
//   ntriples   <s> <p> <o> . with IRIs, blank nodes and literals (escapes,
//              @lang, ^^<datatype>). IRIs become their local names; an
//              rdfs:label triple sets the subject's name and adds an alias,
//              and adds no triple.
//   jsonl      {"s": ..., "r": ..., "o": ..., "source"?: ..., "confidence"?: ...}
// A mapped id keeps working as an alias of the named entity.
//
// The file is read in a stream and committed every batch_rows records. A
// malformed record is a reject (line number and reason) and the import goes
// on, until more than max_rejects records are rejected: then it stops with
// resource_exhausted, keeping what was committed before the failing batch.
//
// Thread safety: none beyond the KnowledgeBase's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "knowledge/knowledge_base.h"

namespace sextant::knowledge {

enum class ImportFormat { kTsv, kCsv, kNTriples, kJsonLines };

// "tsv", "csv", "ntriples" (or "nt"), "jsonl" (or "ndjson").
Result<ImportFormat> ParseImportFormat(std::string_view name);
std::string_view ImportFormatName(ImportFormat format);

struct ImportOptions {
  static constexpr std::int64_t kDefaultBatchRows = 50000;
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{1} << 16;
  static constexpr std::size_t kDefaultMaxFieldBytes = 4096;
  static constexpr std::int64_t kDefaultMaxRejects = 1000;
  static constexpr std::size_t kDefaultMaxReportedRejects = 100;

  ImportFormat format = ImportFormat::kTsv;
  // Records per transaction (>= 1).
  std::int64_t batch_rows = kDefaultBatchRows;
  // Longest record, in bytes without its line end (for CSV, the whole record
  // across its lines). Longer records are rejected.
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
  // Longest field (s, r, o or source) in bytes. Longer fields are rejected.
  std::size_t max_field_bytes = kDefaultMaxFieldBytes;
  // The import fails once more records than this are rejected (0: the first
  // reject fails it).
  std::int64_t max_rejects = kDefaultMaxRejects;
  // How many rejects the report lists (the count covers all).
  std::size_t max_reported_rejects = kDefaultMaxReportedRejects;
  // TSV/CSV: skip the first line.
  bool header = false;
  // TSV/CSV: the 0-based column holding the source, or nullopt for none.
  std::optional<std::size_t> source_column = 3;
  // The source of records that give none (for example the file's name).
  std::string default_source;
};

struct ImportReject {
  std::int64_t line = 0;  // 1-based line where the record starts
  std::string reason;
};

struct ImportReport {
  std::int64_t records = 0;     // records read (not counting blank lines, comments, header)
  std::int64_t added = 0;       // new triples
  std::int64_t duplicates = 0;  // triples stored already
  std::int64_t labels = 0;      // N-Triples rdfs:label records applied
  std::int64_t rejected = 0;
  std::vector<ImportReject> rejects;  // the first max_reported_rejects
  double seconds = 0;
  double RecordsPerSecond() const { return seconds > 0 ? records / seconds : 0; }
};

// An id -> name map: one "id<TAB>name" a line (extra columns ignored).
using NameMap = std::unordered_map<std::string, std::string>;

// Reads a name map. Malformed lines (no tab, empty id or name) are
// invalid_argument naming the line; lines over max_line_bytes too.
Result<NameMap> ReadNameMap(const std::filesystem::path& path,
                            std::size_t max_line_bytes = ImportOptions::kDefaultMaxLineBytes);

// Imports `path` into `kb`. `names`, when given, maps subject and object ids
// to names. Options out of range are invalid_argument; an unreadable file is
// not_found or permission_denied.
Result<ImportReport> ImportFile(KnowledgeBase& kb, const std::filesystem::path& path,
                                const ImportOptions& options, const NameMap* names = nullptr);

}  // namespace sextant::knowledge
