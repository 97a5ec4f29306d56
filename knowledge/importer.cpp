#include "knowledge/importer.h"

#include <chrono>
#include <unordered_set>
#include <utility>

#include "common/json.h"
#include "knowledge/internal/line_reader.h"
#include "knowledge/internal/record_parsers.h"

namespace sextant::knowledge {
namespace {

using internal::LineReader;

constexpr std::string_view kRdfsLabel = "http://www.w3.org/2000/01/rdf-schema#label";
constexpr std::size_t kMinFields = 3;

enum class RecordKind { kTriple, kLabel, kSkip };

struct Record {
  RecordKind kind = RecordKind::kSkip;
  std::string s;
  std::string r;
  std::string o;
  std::string source;
  double confidence = 1.0;
  bool preferred_label = false;  // a label without language or in English
};

Status CheckField(std::string_view what, const std::string& value, std::size_t max_bytes) {
  if (value.empty()) return InvalidArgumentError("empty " + std::string(what));
  if (value.size() > max_bytes) {
    return InvalidArgumentError(std::string(what) + " of " + std::to_string(value.size()) +
                                " bytes exceeds max_field_bytes " + std::to_string(max_bytes));
  }
  return Status::Ok();
}

Status FromFields(std::vector<std::string>& fields, const ImportOptions& options, Record& rec) {
  if (fields.size() < kMinFields) {
    return InvalidArgumentError("expected at least 3 fields (s, r, o), got " +
                                std::to_string(fields.size()));
  }
  rec.kind = RecordKind::kTriple;
  rec.s = std::move(fields[0]);
  rec.r = std::move(fields[1]);
  rec.o = std::move(fields[2]);
  if (options.source_column && *options.source_column < fields.size()) {
    rec.source = std::move(fields[*options.source_column]);
  }
  return Status::Ok();
}

std::string TermName(const internal::RdfTerm& term) {
  switch (term.kind) {
    case internal::RdfTerm::Kind::kIri:
      return internal::IriLocalName(term.value);
    case internal::RdfTerm::Kind::kBlank:
      return "_:" + term.value;
    case internal::RdfTerm::Kind::kLiteral:
      return term.value;
  }
  return term.value;
}

Status FromNTriples(std::string_view line, Record& rec) {
  SEXTANT_ASSIGN_OR_RETURN(auto parsed, internal::ParseNTriplesLine(line));
  if (!parsed) {
    rec.kind = RecordKind::kSkip;
    return Status::Ok();
  }
  rec.s = TermName(parsed->s);
  if (parsed->p.value == kRdfsLabel) {
    if (parsed->o.kind != internal::RdfTerm::Kind::kLiteral) {
      return InvalidArgumentError("rdfs:label object must be a literal");
    }
    rec.kind = RecordKind::kLabel;
    rec.o = std::move(parsed->o.value);
    const std::string& lang = parsed->o.language;
    rec.preferred_label = lang.empty() || lang == "en" || lang.starts_with("en-");
    return Status::Ok();
  }
  rec.kind = RecordKind::kTriple;
  rec.r = TermName(parsed->p);
  rec.o = TermName(parsed->o);
  return Status::Ok();
}

Status FromJsonLine(std::string_view line, std::size_t max_line_bytes, Record& rec) {
  JsonLimits limits;
  limits.max_bytes = max_line_bytes;
  limits.max_depth = 4;
  SEXTANT_ASSIGN_OR_RETURN(Json value, ParseJson(line, limits));
  if (!value.is_object()) return InvalidArgumentError("a JSON line must be an object");
  for (const char* key : {"s", "r", "o"}) {
    auto it = value.find(key);
    if (it == value.end() || !it->is_string()) {
      return InvalidArgumentError(std::string("member \"") + key + "\" must be a string");
    }
  }
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(value, "s", rec.s));
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(value, "r", rec.r));
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(value, "o", rec.o));
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(value, "source", rec.source));
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(value, "confidence", rec.confidence));
  rec.kind = RecordKind::kTriple;
  return Status::Ok();
}

Status CheckOptions(const ImportOptions& o) {
  if (o.batch_rows < 1) return InvalidArgumentError("batch_rows must be at least 1");
  if (o.max_line_bytes < 1) return InvalidArgumentError("max_line_bytes must be at least 1");
  if (o.max_field_bytes < 1) return InvalidArgumentError("max_field_bytes must be at least 1");
  if (o.max_rejects < 0) return InvalidArgumentError("max_rejects must be at least 0");
  return Status::Ok();
}

// One import run: owns the batch transaction and the counters.
class ImportRun {
 public:
  ImportRun(KnowledgeBase& kb, const ImportOptions& options, const NameMap* names)
      : kb_(kb), options_(options), names_(names) {}

  Result<ImportReport> Run(const std::filesystem::path& path) {
    const auto start = std::chrono::steady_clock::now();
    SEXTANT_ASSIGN_OR_RETURN(auto reader, LineReader::Open(path, options_.max_line_bytes));
    SEXTANT_RETURN_IF_ERROR(BeginBatch());
    std::string line;
    std::string pending;  // a CSV record continued over lines
    std::int64_t pending_line = 0;
    bool first = true;
    for (;;) {
      SEXTANT_ASSIGN_OR_RETURN(LineReader::Outcome outcome, reader->Next(line));
      if (outcome == LineReader::Outcome::kEnd) break;
      const std::int64_t line_no = reader->line_number();
      const bool skip_header = first && options_.header && IsDelimited();
      first = false;
      if (skip_header) continue;
      if (outcome == LineReader::Outcome::kTooLong) {
        ++report_.records;
        SEXTANT_RETURN_IF_ERROR(
            Reject(pending.empty() ? line_no : pending_line,
                   "record longer than max_line_bytes " + std::to_string(options_.max_line_bytes)));
        pending.clear();
        continue;
      }
      std::int64_t record_line = line_no;
      if (options_.format == ImportFormat::kCsv && !pending.empty()) {
        record_line = pending_line;
        pending += '\n';
        pending += line;
        line = std::move(pending);
        pending.clear();
        if (line.size() > options_.max_line_bytes) {
          ++report_.records;
          SEXTANT_RETURN_IF_ERROR(Reject(record_line, "record longer than max_line_bytes " +
                                                          std::to_string(options_.max_line_bytes)));
          continue;
        }
      }
      if (line.empty()) continue;
      Record rec;
      Status parsed = Parse(line, rec);
      if (parsed.code() == StatusCode::kOutOfRange) {  // an open CSV quote
        pending = std::move(line);
        pending_line = record_line;
        continue;
      }
      if (rec.kind == RecordKind::kSkip && parsed.ok()) continue;
      ++report_.records;
      if (!parsed.ok()) {
        SEXTANT_RETURN_IF_ERROR(Reject(record_line, parsed.message()));
        continue;
      }
      Status applied = Apply(rec);
      if (applied.code() == StatusCode::kInvalidArgument) {
        SEXTANT_RETURN_IF_ERROR(Reject(record_line, applied.message()));
        continue;
      }
      SEXTANT_RETURN_IF_ERROR(applied.WithContext("line " + std::to_string(record_line)));
      if (++in_batch_ >= options_.batch_rows) {
        SEXTANT_RETURN_IF_ERROR(CommitBatch());
        SEXTANT_RETURN_IF_ERROR(BeginBatch());
      }
    }
    if (!pending.empty()) {
      ++report_.records;
      SEXTANT_RETURN_IF_ERROR(Reject(pending_line, "unterminated quoted field at end of file"));
    }
    SEXTANT_RETURN_IF_ERROR(CommitBatch());
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(report_);
  }

  ~ImportRun() {
    if (txn_ && txn_->active()) kb_.ClearCache();  // rolled back by its destructor
  }
  ImportRun(const ImportRun&) = delete;
  ImportRun& operator=(const ImportRun&) = delete;

 private:
  bool IsDelimited() const {
    return options_.format == ImportFormat::kTsv || options_.format == ImportFormat::kCsv;
  }

  // Fills rec from one record's text. kOutOfRange means "CSV record continues".
  Status Parse(const std::string& text, Record& rec) {
    switch (options_.format) {
      case ImportFormat::kTsv: {
        std::vector<std::string> fields = internal::SplitTsv(text);
        SEXTANT_RETURN_IF_ERROR(FromFields(fields, options_, rec));
        break;
      }
      case ImportFormat::kCsv: {
        SEXTANT_ASSIGN_OR_RETURN(auto fields, internal::ParseCsvRecord(text));
        if (!fields) return OutOfRangeError("open quote");
        SEXTANT_RETURN_IF_ERROR(FromFields(*fields, options_, rec));
        break;
      }
      case ImportFormat::kNTriples:
        SEXTANT_RETURN_IF_ERROR(FromNTriples(text, rec));
        break;
      case ImportFormat::kJsonLines:
        SEXTANT_RETURN_IF_ERROR(FromJsonLine(text, options_.max_line_bytes, rec));
        break;
    }
    if (rec.kind == RecordKind::kSkip) return Status::Ok();
    SEXTANT_RETURN_IF_ERROR(CheckField("subject", rec.s, options_.max_field_bytes));
    if (rec.kind == RecordKind::kTriple) {
      SEXTANT_RETURN_IF_ERROR(CheckField("relation", rec.r, options_.max_field_bytes));
    }
    SEXTANT_RETURN_IF_ERROR(CheckField("object", rec.o, options_.max_field_bytes));
    if (rec.source.size() > options_.max_field_bytes) {
      return InvalidArgumentError("source exceeds max_field_bytes " +
                                  std::to_string(options_.max_field_bytes));
    }
    return Status::Ok();
  }

  // The entity name for an id, aliasing the id to the name once.
  Result<std::string> Mapped(std::string& id) {
    if (names_ == nullptr) return std::move(id);
    auto it = names_->find(id);
    if (it == names_->end()) return std::move(id);
    if (unmappable_.contains(id)) return std::move(id);
    if (aliased_.insert(id).second) {
      Status status = kb_.AddEntityAlias(it->second, id);
      if (status.code() == StatusCode::kInvalidArgument) {  // a name with no key, like "!!!"
        unmappable_.insert(id);
        return std::move(id);
      }
      SEXTANT_RETURN_IF_ERROR(status);
    }
    return it->second;
  }

  Status Apply(Record& rec) {
    if (rec.kind == RecordKind::kLabel) {
      SEXTANT_RETURN_IF_ERROR(kb_.AddEntityAlias(rec.s, rec.o));
      if (rec.preferred_label && named_.insert(rec.s).second) {
        SEXTANT_RETURN_IF_ERROR(kb_.SetEntityName(rec.s, rec.o));
      }
      ++report_.labels;
      return Status::Ok();
    }
    SEXTANT_ASSIGN_OR_RETURN(std::string s, Mapped(rec.s));
    SEXTANT_ASSIGN_OR_RETURN(std::string o, Mapped(rec.o));
    TripleInput input;
    input.s = s;
    input.r = rec.r;
    input.o = o;
    const std::string& source = rec.source.empty() ? options_.default_source : rec.source;
    input.source = source;
    input.confidence = rec.confidence;
    SEXTANT_ASSIGN_OR_RETURN(bool added, kb_.AddTriple(input));
    ++(added ? report_.added : report_.duplicates);
    return Status::Ok();
  }

  Status Reject(std::int64_t line, std::string reason) {
    ++report_.rejected;
    if (report_.rejects.size() < options_.max_reported_rejects) {
      report_.rejects.push_back({line, std::move(reason)});
    }
    if (report_.rejected > options_.max_rejects) {
      return ResourceExhaustedError(
          "import stopped at line " + std::to_string(line) + ": " +
          std::to_string(report_.rejected) + " rejected records exceed max_rejects " +
          std::to_string(options_.max_rejects) +
          (report_.rejects.empty() ? std::string()
                                   : "; first: line " + std::to_string(report_.rejects[0].line) +
                                         ": " + report_.rejects[0].reason));
    }
    return Status::Ok();
  }

  Status BeginBatch() {
    SEXTANT_ASSIGN_OR_RETURN(Transaction txn, kb_.Begin());
    txn_.emplace(std::move(txn));
    in_batch_ = 0;
    return kb_.BeginBulk();
  }

  Status CommitBatch() {
    if (!txn_ || !txn_->active()) return Status::Ok();
    SEXTANT_RETURN_IF_ERROR(kb_.EndBulk());
    return txn_->Commit();
  }

  KnowledgeBase& kb_;
  const ImportOptions& options_;
  const NameMap* names_;
  std::optional<Transaction> txn_;
  std::int64_t in_batch_ = 0;
  std::unordered_set<std::string> aliased_;
  std::unordered_set<std::string> unmappable_;
  std::unordered_set<std::string> named_;
  ImportReport report_;
};

}  // namespace

Result<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "tsv") return ImportFormat::kTsv;
  if (name == "csv") return ImportFormat::kCsv;
  if (name == "ntriples" || name == "nt") return ImportFormat::kNTriples;
  if (name == "jsonl" || name == "ndjson") return ImportFormat::kJsonLines;
  return InvalidArgumentError("unknown import format '" + std::string(name) +
                              "' (tsv, csv, ntriples, jsonl)");
}

std::string_view ImportFormatName(ImportFormat format) {
  switch (format) {
    case ImportFormat::kTsv:
      return "tsv";
    case ImportFormat::kCsv:
      return "csv";
    case ImportFormat::kNTriples:
      return "ntriples";
    case ImportFormat::kJsonLines:
      return "jsonl";
  }
  return "tsv";
}

Result<NameMap> ReadNameMap(const std::filesystem::path& path, std::size_t max_line_bytes) {
  SEXTANT_ASSIGN_OR_RETURN(auto reader, LineReader::Open(path, max_line_bytes));
  NameMap map;
  std::string line;
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(LineReader::Outcome outcome, reader->Next(line));
    if (outcome == LineReader::Outcome::kEnd) break;
    const std::string where = path.string() + ":" + std::to_string(reader->line_number());
    if (outcome == LineReader::Outcome::kTooLong) {
      return InvalidArgumentError(where + ": line longer than " + std::to_string(max_line_bytes) +
                                  " bytes");
    }
    if (line.empty()) continue;
    std::vector<std::string> fields = internal::SplitTsv(line);
    if (fields.size() < 2 || fields[0].empty() || fields[1].empty()) {
      return InvalidArgumentError(where + ": expected id<TAB>name");
    }
    map.insert_or_assign(std::move(fields[0]), std::move(fields[1]));
  }
  return map;
}

Result<ImportReport> ImportFile(KnowledgeBase& kb, const std::filesystem::path& path,
                                const ImportOptions& options, const NameMap* names) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions(options));
  ImportRun run(kb, options, names);
  return run.Run(path);
}

}  // namespace sextant::knowledge
